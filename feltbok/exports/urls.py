from django.urls import path

from feltbok.exports import views

app_name = "exports"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("<uuid:code>/download/", views.download, name="download"),
    path("keys/", views.keys, name="keys"),
]
