from django.urls import path

from feltbok.fieldwork import planning_views as views

app_name = "planning"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("<int:year>/<int:week>/", views.week, name="week"),
    path("<int:year>/<int:week>/generate/", views.generate, name="generate"),
    path("<int:year>/<int:week>/extra/", views.extra, name="extra"),
    path("patrol/<uuid:code>/", views.planned, name="planned"),
    path("patrol/<uuid:code>/staff/add/", views.assign, name="assign"),
    path("patrol/<uuid:code>/staff/remove/", views.unassign, name="unassign"),
    path("patrol/<uuid:code>/joint/", views.joint, name="joint"),
    path("patrol/<uuid:code>/joint/end/", views.end_joint, name="end_joint"),
    path("patrol/<uuid:code>/vests/", views.vests, name="vests"),
    path("patrol/<uuid:code>/effort/", views.effort, name="effort"),
    path("patrol/<uuid:code>/areas/", views.areas, name="areas"),
    path("patrol/<uuid:code>/delete/", views.delete, name="delete"),
    path("patrol/<uuid:code>/start/", views.start, name="start"),
    path("templates/", views.templates, name="templates"),
    path("templates/new/", views.template_new, name="template_new"),
    path("templates/<uuid:code>/", views.template_edit, name="template_edit"),
    path("templates/<uuid:code>/delete/", views.template_delete, name="template_delete"),
]
