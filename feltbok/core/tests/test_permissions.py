"""The permission matrix: every URL × every persona → the expected status.

302 = sent to log in, 404 = another service's object (nothing confirms it exists),
403 = the role may not, 200 = allowed. Later issues add their URLs here.
"""

import pytest
from django.urls import reverse

from conftest import enrol_totp
from feltbok.audit.models import AuditEvent
from feltbok.fieldwork.models import AreaVisit, Encounter, Patrol, PatrolStatus
from feltbok.people.models import Person

PERSONAS = [
    "anonymous",
    "outsider",
    "worker",
    "colleague",
    "peer_worker",
    "coordinator",
    "team_lead",
    "analyst",
    "admin",
]


def expect(default, **overrides):
    """A row of the matrix: `default` for every logged-in persona unless overridden."""
    row = {persona: default for persona in PERSONAS}
    row["anonymous"] = 302
    row.update(overrides)
    return row


# Patrol pages for recording: only the patrol's own members (worker, colleague) get in.
MEMBERS_ONLY = expect(404, worker=200, colleague=200, coordinator=403, analyst=403, admin=403)

MATRIX = {
    ("GET", "home"): expect(302),
    ("GET", "fieldwork:patrols"): expect(200, analyst=403),
    ("GET", "fieldwork:start"): expect(200, coordinator=403, analyst=403, admin=403),
    ("GET", "fieldwork:patrol"): expect(200, outsider=404, analyst=403),
    ("GET", "fieldwork:known"): MEMBERS_ONLY,
    ("GET", "fieldwork:contact"): MEMBERS_ONLY,
    ("GET", "fieldwork:new_person"): expect(
        404, worker=200, colleague=200, coordinator=403, analyst=403, admin=403
    ),
    ("GET", "fieldwork:tally"): MEMBERS_ONLY,
    ("GET", "fieldwork:group"): MEMBERS_ONLY,
    ("GET", "fieldwork:observation"): MEMBERS_ONLY,
    ("GET", "fieldwork:incident"): MEMBERS_ONLY,
    ("GET", "fieldwork:debrief"): MEMBERS_ONLY,
    ("POST", "fieldwork:leave"): expect(
        404, worker=302, colleague=302, coordinator=403, analyst=403, admin=403
    ),
    ("POST", "fieldwork:arrive"): expect(
        404, worker=302, colleague=302, coordinator=403, analyst=403, admin=403
    ),
    ("POST", "fieldwork:end"): expect(
        404, worker=302, colleague=302, coordinator=403, analyst=403, admin=403
    ),
    ("GET", "people:search"): expect(200, analyst=403, admin=403),
    ("GET", "people:create"): expect(200, peer_worker=403, coordinator=403, analyst=403, admin=403),
    ("GET", "people:detail"): expect(200, outsider=404, peer_worker=403, analyst=403, admin=403),
    ("GET", "people:access_log"): expect(403, outsider=404, team_lead=200),
    ("GET", "reports:weekly"): expect(403, outsider=200, team_lead=200, analyst=200, admin=200),
    ("GET", "healthz"): expect(200, anonymous=200),
}


def url_for(name, patrol, person):
    if name in {"fieldwork:patrol", "fieldwork:known", "fieldwork:new_person"} | {
        "fieldwork:tally",
        "fieldwork:group",
        "fieldwork:observation",
        "fieldwork:incident",
        "fieldwork:debrief",
        "fieldwork:arrive",
        "fieldwork:end",
    }:
        return reverse(name, kwargs={"code": patrol.code})
    if name == "fieldwork:contact":
        return reverse(name, kwargs={"code": patrol.code, "person_code": person.code})
    if name in {"people:detail", "people:access_log"}:
        return reverse(name, kwargs={"code": person.code})
    if name == "fieldwork:leave":
        visit = AreaVisit.objects.get(patrol=patrol)
        return reverse(name, kwargs={"code": patrol.code, "visit_code": visit.code})
    return reverse(name)


def state(patrol):
    """What a refused request must leave unchanged."""
    patrol.refresh_from_db()
    return (
        Patrol.objects.count(),
        patrol.status,
        Encounter.objects.count(),
        Person.objects.count(),
        list(AreaVisit.objects.values_list("left_at", flat=True)),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_permission_matrix(client, users, patrol, person, area, persona, method, name):
    from feltbok.core.access import actor_for_user
    from feltbok.fieldwork.services import start_visit

    start_visit(actor_for_user(users["worker"]), patrol, area=area)
    if persona != "anonymous":
        enrol_totp(users[persona])
        client.force_login(users[persona])
    url = url_for(name, patrol, person)
    before = state(patrol)

    response = client.post(url) if method == "POST" else client.get(url)

    assert response.status_code == MATRIX[(method, name)][persona], url
    if response.status_code in (302, 403, 404) and name not in ("fieldwork:end", "fieldwork:leave"):
        assert state(patrol) == before
    if method == "POST" and response.status_code != 302:
        assert state(patrol) == before


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "no_membership"])
def test_refused_writes_change_nothing(client, users, patrol, person, area, persona):
    if persona != "anonymous":
        enrol_totp(users[persona])
        client.force_login(users[persona])
    before = state(patrol)
    audit_before = AuditEvent.objects.filter(service=patrol.service).count()

    client.post(reverse("fieldwork:end", kwargs={"code": patrol.code}))
    client.post(
        reverse("fieldwork:contact", kwargs={"code": patrol.code, "person_code": person.code}),
        {"area": area.code},
    )
    client.post(
        reverse("fieldwork:tally", kwargs={"code": patrol.code}),
        {"area": area.code, "n_18-22_male": 3},
    )

    assert state(patrol) == before
    assert patrol.status == PatrolStatus.ACTIVE
    assert AuditEvent.objects.filter(service=patrol.service).count() == audit_before


def test_role_without_right_cannot_write(client, users, patrol, person, area):
    """A coordinator (no field recording) posting a contact: 403, nothing stored."""
    enrol_totp(users["coordinator"])
    client.force_login(users["coordinator"])
    before = state(patrol)

    response = client.post(
        reverse("fieldwork:tally", kwargs={"code": patrol.code}),
        {"area": area.code, "n_18-22_male": 2},
    )

    assert response.status_code == 403
    assert state(patrol) == before


def test_user_without_membership_is_refused(client, users):
    enrol_totp(users["no_membership"])
    client.force_login(users["no_membership"])
    assert client.get(reverse("fieldwork:patrols")).status_code == 403
    assert client.get(reverse("people:search")).status_code == 403


def test_outsider_statistics_show_only_their_own_service(client, users, patrol, area):
    enrol_totp(users["outsider"])
    client.force_login(users["outsider"])

    response = client.get(reverse("reports:weekly"))

    assert response.status_code == 200
    assert area.name not in response.content.decode()


def test_analyst_never_gets_a_person_page(client, users, person):
    enrol_totp(users["analyst"])
    client.force_login(users["analyst"])
    for url in (
        reverse("people:detail", kwargs={"code": person.code}),
        reverse("people:search") + "?q=Rav",
        reverse("people:access_log", kwargs={"code": person.code}),
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert "Ravnen" not in response.content.decode()
