from django.urls import path

from feltbok.followup import views

app_name = "followup"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("inactive/", views.inactive, name="inactive"),
    path("settings/", views.settings_view, name="settings"),
    path("people/<uuid:code>/start/", views.start, name="start"),
    path("people/<uuid:code>/declined/", views.declined, name="declined"),
    path("<uuid:code>/", views.episode, name="episode"),
    path("<uuid:code>/end/", views.end, name="end"),
    path("<uuid:code>/plan/", views.plan, name="plan"),
    path("<uuid:code>/contact-persons/", views.contact_add, name="contact_add"),
    path("<uuid:code>/needs/", views.need_add, name="need_add"),
    path("<uuid:code>/goals/", views.goal_add, name="goal_add"),
    path("<uuid:code>/notes/", views.note_add, name="note_add"),
    path("<uuid:code>/tasks/new/", views.task_add, name="task_add"),
    path("<uuid:code>/commissions/new/", views.commission_add, name="commission_add"),
    path("<uuid:code>/programmes/", views.enrol, name="enrol"),
    path("contact-persons/<uuid:code>/end/", views.contact_end, name="contact_end"),
    path("needs/<uuid:code>/status/", views.need_status, name="need_status"),
    path("goals/<uuid:code>/status/", views.goal_status, name="goal_status"),
    path("tasks/<uuid:code>/done/", views.task_done, name="task_done"),
    path("commissions/<uuid:code>/", views.commission_update, name="commission_update"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/<uuid:code>/", views.programme, name="programme"),
    path("participations/<uuid:code>/end/", views.participation_end, name="participation_end"),
]
