from django.urls import path

from feltbok.reports import coverage_views, timeuse_views, views

app_name = "reports"
urlpatterns = [
    path("", views.weekly, name="weekly"),
    path("coverage/", coverage_views.coverage, name="coverage"),
    path("coverage/<int:year>/<int:week>/", coverage_views.coverage, name="coverage_week"),
    path("time/", timeuse_views.time_use, name="time_use"),
    path("time/register/", timeuse_views.register, name="time_register"),
]
