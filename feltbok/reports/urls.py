from django.urls import path

from feltbok.reports import views

app_name = "reports"
urlpatterns = [path("", views.weekly, name="weekly")]
