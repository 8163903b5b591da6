"""/concern/: the public form, no log-in. /concern/<slug>/ is one service's form."""

from django.urls import path

from feltbok.oncall import public

app_name = "concern"
urlpatterns = [
    path("", public.index, name="index"),
    path("<slug:slug>/", public.concern, name="form"),
    path("<slug:slug>/received/", public.received, name="received"),
]
