from django.urls import path

from feltbok.oversight import views

app_name = "oversight"
urlpatterns = [
    path("people/<uuid:code>/emergency/", views.emergency, name="emergency"),
    path("mine/", views.mine, name="mine"),
    path("emergency/", views.emergency_list, name="emergency_list"),
    path("review/", views.review, name="review"),
    path("review/export/", views.review_export, name="review_export"),
    path("report/", views.monthly, name="monthly"),
]
