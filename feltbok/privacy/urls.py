from django.urls import path

from feltbok.privacy import views

app_name = "privacy"
urlpatterns = [
    path("settings/", views.settings_view, name="settings"),
    path("log/", views.log_view, name="log"),
    path("people/<uuid:code>/", views.person_view, name="person"),
    path("people/<uuid:code>/hold/", views.hold_view, name="hold"),
    path("people/<uuid:code>/erase/", views.erase_view, name="erase"),
    path("holds/<uuid:code>/lift/", views.lift_view, name="lift"),
]
