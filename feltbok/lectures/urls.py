from django.urls import path

from feltbok.lectures import views

app_name = "lectures"
urlpatterns = [
    path("", views.lecture_list, name="list"),
    path("new/", views.lecture_new, name="new"),
]
