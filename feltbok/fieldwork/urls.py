from django.urls import path

from feltbok.fieldwork import views

app_name = "fieldwork"
urlpatterns = [
    path("", views.patrols, name="patrols"),
    path("start/", views.start_patrol, name="start"),
    path("incidents/", views.incidents, name="incidents"),
    path("incidents/<uuid:code>/", views.incident_detail, name="incident_detail"),
    path("<uuid:code>/", views.patrol, name="patrol"),
    path("<uuid:code>/known/", views.known_person, name="known"),
    path("<uuid:code>/contact/<uuid:person_code>/", views.contact, name="contact"),
    path("<uuid:code>/new-person/", views.new_person, name="new_person"),
    path("<uuid:code>/end/", views.end_patrol, name="end"),
    path("<uuid:code>/arrive/", views.arrive, name="arrive"),
    path("<uuid:code>/visits/<uuid:visit_code>/leave/", views.leave, name="leave"),
    path("<uuid:code>/tally/", views.tally, name="tally"),
    path("<uuid:code>/group/", views.group_contact, name="group"),
    path("<uuid:code>/observation/", views.observation, name="observation"),
    path("<uuid:code>/incident/", views.incident, name="incident"),
    path("<uuid:code>/debrief/", views.debrief, name="debrief"),
]
