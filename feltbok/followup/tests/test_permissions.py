"""The permission matrix for follow-up: every URL × every persona → the exact status.

302 = sent to log in (anonymous) or, for an allowed write, on to the next page; 404 = another
service's object; 403 = the role (or, inside the service, not being a contact person) may not;
200 = allowed. The worker is the contact person of the episode; "colleague" is a worker of the
same service who is not; the outsider leads a team in another service. Every refused request
leaves the data as it was.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import log_in_as
from feltbok.audit.models import AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.followup import services
from feltbok.followup.models import (
    Commission,
    ContactAssignment,
    DeclinedContact,
    Episode,
    FollowUpSettings,
    Goal,
    Need,
    Note,
    Participation,
    Programme,
    SessionAttendance,
    Task,
)
from feltbok.people.models import AgeBand, AnonymityLevel, Gender
from feltbok.people.services import PersonData, create_person

NONE = {"coordinator": 403, "analyst": 403, "admin": 403}
# Lists everyone in follow-up work opens (the outsider sees their own service's).
LIST = expect(200, **NONE)
# Pages of one object for anyone in follow-up work (peer workers see only their own part).
OBJECT = expect(200, outsider=404, **NONE)
# Contact persons and team leads (not the colleague who is no contact person, not peers).
DETAILS_GET = expect(403, worker=200, team_lead=200, outsider=404)
DETAILS_POST = expect(403, worker=302, team_lead=302, outsider=404)
# Workers and team leads of the service, whether contact person or not.
MANAGE_GET = expect(200, peer_worker=403, outsider=404, **NONE)
MANAGE_POST = expect(302, peer_worker=403, outsider=404, **NONE)

MATRIX = {
    ("GET", "followup:mine"): LIST,
    ("GET", "followup:inactive"): expect(200, peer_worker=403, **NONE),
    ("GET", "followup:settings"): expect(403, team_lead=200, outsider=200),
    ("POST", "followup:settings"): expect(403, team_lead=302, outsider=302),
    ("GET", "followup:start"): MANAGE_GET,
    ("POST", "followup:start"): MANAGE_POST,
    ("GET", "followup:declined"): MANAGE_GET,
    ("POST", "followup:declined"): MANAGE_POST,
    ("GET", "followup:episode"): OBJECT,
    ("GET", "followup:end"): DETAILS_GET,
    ("POST", "followup:end"): DETAILS_POST,
    ("GET", "followup:plan"): DETAILS_GET,
    ("POST", "followup:plan"): DETAILS_POST,
    ("POST", "followup:contact_add"): DETAILS_POST,
    ("POST", "followup:contact_end"): DETAILS_POST,
    ("POST", "followup:need_add"): DETAILS_POST,
    ("POST", "followup:need_status"): DETAILS_POST,
    ("POST", "followup:goal_add"): DETAILS_POST,
    ("POST", "followup:goal_status"): DETAILS_POST,
    # Peer workers may write notes (and see only their own).
    ("POST", "followup:note_add"): expect(
        403, worker=302, team_lead=302, peer_worker=302, outsider=404
    ),
    ("GET", "followup:task_add"): DETAILS_GET,
    ("POST", "followup:task_add"): DETAILS_POST,
    # The task's owner (the worker) or whoever sees the details.
    ("POST", "followup:task_done"): DETAILS_POST,
    ("GET", "followup:commission_add"): DETAILS_GET,
    ("POST", "followup:commission_add"): DETAILS_POST,
    ("POST", "followup:commission_update"): DETAILS_POST,
    ("POST", "followup:enrol"): DETAILS_POST,
    ("GET", "followup:programmes"): LIST,
    ("POST", "followup:programmes"): expect(403, team_lead=302, outsider=302),
    ("GET", "followup:programme"): OBJECT,
    # Peer workers record attendance at sessions.
    ("POST", "followup:programme"): expect(302, outsider=404, **NONE),
    ("POST", "followup:participation_end"): MANAGE_POST,
}


def _person(actor, nickname):
    return create_person(
        actor,
        PersonData(
            anonymity_level=AnonymityLevel.NICKNAME,
            nickname=nickname,
            gender=Gender.FEMALE,
            age_band=AgeBand.FROM_26,
        ),
    )


@pytest.fixture
def objects(actors, users, person, today):
    worker, lead = actors["worker"], actors["team_lead"]
    episode = services.start_episode(
        worker,
        person,
        contact_persons=[users["worker"]],
        started_on=today - datetime.timedelta(days=10),
    )
    # A second follow-up with two contact persons, so that one assignment can end.
    pair = services.start_episode(
        worker, _person(worker, "Måsen"), contact_persons=[users["worker"], users["team_lead"]]
    )
    programme = services.create_programme(lead, name="Ut av tåka")
    return {
        "episode": episode,
        "pair": pair,
        "assignment": pair.assignments.get(user=users["team_lead"]),
        "need": services.add_need(worker, episode, kind="housing"),
        "goal": services.add_goal(worker, episode, own_words="Egen leilighet"),
        "task": services.create_task(
            worker,
            episode,
            services.TaskData(title="Ring NAV", due_on=today, owner=users["worker"]),
        ),
        "commission": services.create_commission(
            worker, episode, requested_by="Hansen", organisation="NAV", what="Bolig", due_on=today
        ),
        "programme": programme,
        "other_programme": services.create_programme(lead, name="Aktivitetstilbud"),
        "participation": services.enrol(worker, programme, person),
        "newcomer": _person(worker, "Spurven"),
    }


EPISODE_URLS = {
    "episode",
    "end",
    "plan",
    "contact_add",
    "need_add",
    "goal_add",
    "note_add",
    "task_add",
    "commission_add",
    "enrol",
}


def url_for(name, objects):
    short = name.split(":")[1]
    if short in EPISODE_URLS:
        return reverse(name, kwargs={"code": objects["episode"].code})
    by_object = {
        "start": "newcomer",
        "declined": "newcomer",
        "contact_end": "assignment",
        "need_status": "need",
        "goal_status": "goal",
        "task_done": "task",
        "commission_update": "commission",
        "programme": "programme",
        "participation_end": "participation",
    }
    if short in by_object:
        return reverse(name, kwargs={"code": objects[by_object[short]].code})
    return reverse(name)


def payload(name, objects, users):
    today = timezone.localdate().isoformat()
    return {
        "followup:settings": {"inactive_after_days": "30"},
        "followup:start": {"contact_persons": [str(users["worker"].code)], "started_on": today},
        "followup:declined": {"declined_on": today, "note": "Nei takk, ikke nå"},
        "followup:end": {"reason": "goals_met", "ended_on": today},
        "followup:plan": {"text": "Bolig først", "version": "0"},
        "followup:contact_add": {"user": str(users["colleague"].code)},
        "followup:need_add": {"kind": "food"},
        "followup:need_status": {"status": "met", "changed_on": today},
        "followup:goal_add": {"own_words": "Begynne på skole"},
        "followup:goal_status": {"status": "reached"},
        "followup:note_add": {"text": "Ringte", "written_on": today, "was_contact": "on"},
        "followup:task_add": {
            "kind": "follow_up",
            "title": "Følge til lege",
            "due_on": today,
            "owner": str(users["worker"].code),
        },
        "followup:commission_add": {
            "requested_by": "Saksbehandler",
            "organisation": "Socialtjänsten",
            "what": "Hitta honom",
            "due_on": today,
        },
        "followup:commission_update": {"status": "in_progress"},
        "followup:enrol": {"programme": str(objects["other_programme"].code), "started_on": today},
        "followup:programmes": {"name": "Perspektiv"},
        "followup:programme": {"date": today, "attended": [str(objects["participation"].code)]},
    }.get(name, {})


def state(service, objects):
    """What a refused request must leave unchanged (in the service under test)."""
    models = (
        Episode,
        ContactAssignment,
        Need,
        Goal,
        Note,
        Task,
        Commission,
        DeclinedContact,
        Programme,
        Participation,
        SessionAttendance,
        FollowUpSettings,
    )
    counts = tuple(model.objects.filter(service=service).count() for model in models)
    rows = (
        tuple(Episode.objects.filter(service=service).values_list("ended_on", "plan_version")),
        tuple(ContactAssignment.objects.values_list("assigned_to", flat=True).order_by("pk")),
        tuple(Need.objects.values_list("status", flat=True).order_by("pk")),
        tuple(Goal.objects.values_list("status", flat=True).order_by("pk")),
        tuple(Task.objects.values_list("done_on", flat=True).order_by("pk")),
        tuple(Commission.objects.values_list("status", flat=True).order_by("pk")),
        tuple(Participation.objects.values_list("ended_on", flat=True).order_by("pk")),
    )
    return counts, rows, AuditEvent.objects.filter(service=service).count()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_permission_matrix(client, users, service, objects, persona, method, name):
    log_in_as(client, users, persona, language="en")
    url = url_for(name, objects)
    before = state(service, objects)

    if method == "POST":
        response = client.post(url, payload(name, objects, users))
    else:
        response = client.get(url)

    expected = MATRIX[(method, name)][persona]
    assert response.status_code == expected, (url, getattr(response, "content", b"")[:300])
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))
    refused = persona == "anonymous" or expected in (400, 403, 404)
    if refused or persona == "outsider":
        assert state(service, objects) == before
    elif method == "POST":
        # An allowed write changed something and was audited.
        after = state(service, objects)
        assert after != before
        assert after[2] > before[2]


@pytest.mark.parametrize("name", ["followup:mine", "followup:episode"])
def test_wrong_method(client, users, objects, name):
    log_in_as(client, users, "worker", language="en")
    url = url_for(name, objects)
    assert client.post(url).status_code == 405
    assert client.put(url).status_code == 405


def test_every_follow_up_url_is_in_the_matrix():
    from feltbok.followup.urls import urlpatterns

    names = {f"followup:{pattern.name}" for pattern in urlpatterns}
    assert names == {name for _method, name in MATRIX}
