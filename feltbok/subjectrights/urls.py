from django.urls import path

from feltbok.subjectrights import views

app_name = "subjectrights"
urlpatterns = [
    path("people/<uuid:code>/access-export/", views.access_export, name="access_export"),
    path("people/<uuid:code>/correct/", views.correct, name="correct"),
]
