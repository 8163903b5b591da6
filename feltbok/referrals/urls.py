from django.urls import path

from feltbok.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/<uuid:person_code>/", views.create, name="create"),
    path("partners/", views.partners, name="partners"),
    path("partners/new/", views.partner_create, name="partner_create"),
    path("partners/<uuid:code>/edit/", views.partner_edit, name="partner_edit"),
    path("settings/", views.settings_view, name="settings"),
    path("<uuid:code>/", views.detail, name="detail"),
    path("<uuid:code>/status/", views.change_status, name="status"),
    path("<uuid:code>/consent/", views.consent, name="consent"),
    path("<uuid:code>/follow-up-check/", views.follow_up_check, name="follow_up_check"),
]
