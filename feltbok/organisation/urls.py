from django.urls import path

from feltbok.organisation import views

app_name = "organisation"
urlpatterns = [
    path("", views.index, name="index"),
    path("map/", views.area_map, name="map"),
    path("settings/", views.service_settings, name="settings"),
    path("areas/new/", views.area_create, name="area_create"),
    path("areas/<uuid:code>/", views.area_detail, name="area"),
    path("areas/<uuid:code>/new-version/", views.area_version, name="area_version"),
    path("areas/<uuid:code>/end/", views.area_end, name="area_end"),
    path("areas/<uuid:code>/add-place/", views.place_create, name="place_create"),
    path("place/<uuid:code>/edit/", views.place_edit, name="place_edit"),
    path(
        "place/<uuid:code>/deactivate/",
        views.place_set_active,
        {"active": False},
        name="place_deactivate",
    ),
    path(
        "place/<uuid:code>/reactivate/",
        views.place_set_active,
        {"active": True},
        name="place_reactivate",
    ),
    path("environments/", views.environment_list, name="environments"),
    path("environments/new/", views.environment_create, name="environment_create"),
    path("environments/<uuid:code>/edit/", views.environment_edit, name="environment_edit"),
    path(
        "environments/<uuid:code>/deactivate/",
        views.environment_set_active,
        {"active": False},
        name="environment_deactivate",
    ),
    path(
        "environments/<uuid:code>/reactivate/",
        views.environment_set_active,
        {"active": True},
        name="environment_reactivate",
    ),
]
