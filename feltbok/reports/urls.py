from django.urls import path

from feltbok.reports import coverage_views, statistics_views, timeuse_views, trends_views, views

app_name = "reports"
urlpatterns = [
    path("", views.weekly, name="weekly"),
    path("coverage/", coverage_views.coverage, name="coverage"),
    path("coverage/<int:year>/<int:week>/", coverage_views.coverage, name="coverage_week"),
    path("time/", timeuse_views.time_use, name="time_use"),
    path("time/register/", timeuse_views.register, name="time_register"),
    path("table/", statistics_views.statistics_page, name="statistics"),
    path("trends/", trends_views.trend_report, name="trends"),
    path(
        "table/export.csv",
        statistics_views.statistics_export,
        {"extension": "csv"},
        name="statistics_csv",
    ),
    path(
        "table/export.xlsx",
        statistics_views.statistics_export,
        {"extension": "xlsx"},
        name="statistics_xlsx",
    ),
]
