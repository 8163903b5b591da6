from django.contrib import admin
from django.urls import include, path

from feltbok.core import views as core_views
from feltbok.sync.api import api

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("sw.js", core_views.service_worker, name="service_worker"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("patrols/", include("feltbok.fieldwork.urls")),
    path("people/", include("feltbok.people.urls")),
    path("statistics/", include("feltbok.reports.urls")),
    path("planning/", include("feltbok.fieldwork.planning_urls")),
    path("places/", include("feltbok.organisation.urls")),
    path("referrals/", include("feltbok.referrals.urls")),
    path("notifications/", include("feltbok.notifications.urls")),
    path("followup/", include("feltbok.followup.urls")),
    path("oncall/", include("feltbok.oncall.urls")),
    path("counts/", include("feltbok.counts.urls")),
    path("oversight/", include("feltbok.oversight.urls")),
    path("exports/", include("feltbok.exports.urls")),
    path("subject-rights/", include("feltbok.subjectrights.urls")),
    path("reports/", include("feltbok.reportbuilder.urls")),
    path("privacy/", include("feltbok.privacy.urls")),
    path("lectures/", include("feltbok.lectures.urls")),
    path("concern/", include("feltbok.oncall.public_urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = "feltbok.core.views.bad_request"
handler403 = "feltbok.core.views.permission_denied"
handler404 = "feltbok.core.views.page_not_found"
handler500 = "feltbok.core.views.server_error"
