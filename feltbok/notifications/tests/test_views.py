"""Notification pages: the permission matrix (every URL × persona), bad input, audit, queries.

302 = sent to log in (anonymous) or on after a write, 404 = another service's object or, for a
peer worker, a concern someone else recorded, 403 = the role may not, 405 = wrong method.
Refused requests change nothing. There is no delete URL at all.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from conftest import log_in_as
from feltbok.audit.models import AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.notifications import services
from feltbok.notifications.models import (
    Notification,
    NotificationCorrection,
    NotificationEvent,
)

RAISE = expect(200, coordinator=403, analyst=403, admin=403)
RAISE_WRITE = expect(302, coordinator=403, analyst=403, admin=403, outsider=400)
# A notification recorded by the worker: a peer worker does not see it (404).
OBJECT = expect(403, worker=200, colleague=200, team_lead=200, outsider=404, peer_worker=404)
HANDLE = expect(403, worker=302, colleague=302, team_lead=302, outsider=404)
HANDLE_PAGE = expect(403, worker=200, colleague=200, team_lead=200, outsider=404)

MATRIX = {
    ("GET", "notifications:list"): RAISE,
    ("GET", "notifications:create"): RAISE,
    ("POST", "notifications:create"): RAISE_WRITE,
    ("GET", "notifications:detail"): OBJECT,
    ("POST", "notifications:assess"): HANDLE,
    ("POST", "notifications:decide"): HANDLE,
    # Only team leads approve, and never their own decision (the worker decided here).
    ("POST", "notifications:approve"): expect(403, team_lead=302, outsider=404),
    ("POST", "notifications:sent"): HANDLE,
    ("POST", "notifications:follow_up"): HANDLE,
    ("GET", "notifications:correct"): HANDLE_PAGE,
    ("POST", "notifications:correct"): HANDLE,
}

# Which notification each URL acts on: one in the state its step needs.
TARGET = {
    "detail": "concern",
    "assess": "concern",
    "correct": "concern",
    "decide": "assessed",
    "approve": "decided",
    "sent": "approved",
    "follow_up": "sent",
}


@pytest.fixture
def objects(worker, actors, person, child_welfare):
    def new(text):
        return services.record_concern(
            worker, notification_type=child_welfare, person=person, concern=text
        )

    concern = new("Bekymring 1")
    assessed = new("Bekymring 2")
    services.assess(worker, assessed, "Vurdert")
    decided = new("Bekymring 3")
    services.assess(worker, decided, "Vurdert")
    services.decide(worker, decided, "send", "Vilkårene er oppfylt")
    approved = new("Bekymring 4")
    services.assess(worker, approved, "Vurdert")
    services.decide(worker, approved, "send", "Vilkårene er oppfylt")
    services.approve(actors["team_lead"], approved)
    sent = new("Bekymring 5")
    services.assess(worker, sent, "Vurdert")
    services.decide(worker, sent, "send", "Vilkårene er oppfylt")
    services.approve(actors["team_lead"], sent)
    services.mark_sent(worker, sent, recipient="Barnevernet", channel="letter")
    return {
        "person": person,
        "type": child_welfare,
        "concern": concern,
        "assessed": assessed,
        "decided": decided,
        "approved": approved,
        "sent": sent,
    }


def url_for(name, objects):
    short = name.split(":")[1]
    if short in TARGET:
        return reverse(name, kwargs={"code": objects[TARGET[short]].code})
    return reverse(name)


def payload(name, objects):
    return {
        "notifications:create": {
            "notification_type": str(objects["type"].code),
            "subject": "Jente, ca. 14 år",
            "concern": "Sett alene ved Oslo S kl. 02",
        },
        "notifications:assess": {"assessment": "Alvorlig bekymring"},
        "notifications:decide": {"decision": "send", "reasons": "Meldeplikten gjelder"},
        "notifications:approve": {"note": "Enig"},
        "notifications:sent": {"recipient": "Barneverntjenesten", "channel": "secure_message"},
        "notifications:follow_up": {"text": "Mottak bekreftet"},
        "notifications:correct": {
            "field": "concern",
            "value": "Bekymring 1, rettet",
            "reason": "Skrivefeil",
        },
    }.get(name, {})


def state(service, objects):
    rows = []
    for key in TARGET.values():
        objects[key].refresh_from_db()
        rows.append((objects[key].status, objects[key].concern, objects[key].approved_by_id))
    return (
        Notification.objects.filter(service=service).count(),
        NotificationEvent.objects.filter(service=service).count(),
        NotificationCorrection.objects.filter(service=service).count(),
        rows,
    )


def audit_count(service):
    return AuditEvent.objects.filter(service=service).count()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_permission_matrix(client, users, service, objects, persona, method, name):
    log_in_as(client, users, persona)
    url = url_for(name, objects)
    before, audits = state(service, objects), audit_count(service)

    response = client.post(url, payload(name, objects)) if method == "POST" else client.get(url)

    expected = MATRIX[(method, name)][persona]
    assert response.status_code == expected, url
    refused = persona == "anonymous" or expected in (400, 403, 404)
    if method == "GET" or refused or persona == "outsider":
        assert state(service, objects) == before
    if refused or persona == "outsider":
        assert audit_count(service) == audits
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


WRITES = [name for method, name in MATRIX if method == "POST"]


@pytest.mark.parametrize("name", WRITES)
def test_allowed_writes_are_real_and_audited(client, users, service, objects, name):
    log_in_as(client, users, "team_lead")
    before, audits = state(service, objects), audit_count(service)

    response = client.post(url_for(name, objects), payload(name, objects))

    assert response.status_code == 302
    assert state(service, objects) != before
    assert audit_count(service) == audits + 1


POST_ONLY = [name for method, name in MATRIX if method == "POST" and ("GET", name) not in MATRIX]
GET_ONLY = [name for method, name in MATRIX if method == "GET" and ("POST", name) not in MATRIX]


@pytest.mark.parametrize("name", POST_ONLY)
def test_wrong_method_on_writes(client, users, service, objects, name):
    log_in_as(client, users, "team_lead")
    before = state(service, objects)
    assert client.get(url_for(name, objects)).status_code == 405
    assert state(service, objects) == before


@pytest.mark.parametrize("name", GET_ONLY)
def test_wrong_method_on_pages(client, users, service, objects, name):
    log_in_as(client, users, "team_lead")
    before = state(service, objects)
    assert client.post(url_for(name, objects)).status_code == 405
    assert state(service, objects) == before


def test_there_is_no_delete_url(objects):
    with pytest.raises(NoReverseMatch):
        reverse("notifications:delete", kwargs={"code": objects["concern"].code})


def test_peer_worker_sees_their_own_concern(login, users, objects):
    client = login("peer_worker")
    response = client.post(
        reverse("notifications:create"), payload("notifications:create", objects)
    )
    assert response.status_code == 302
    own = Notification.objects.get(recorded_by=users["peer_worker"])
    assert client.get(reverse("notifications:detail", kwargs={"code": own.code})).status_code == 200
    page = client.get(reverse("notifications:list")).content.decode()
    assert str(own.code) in page
    assert str(objects["concern"].code) not in page


def test_reading_a_notification_is_audited(login, objects):
    concern = objects["concern"]
    client = login("team_lead")
    assert client.get(url_for("notifications:detail", objects)).status_code == 200
    event = AuditEvent.objects.filter(object_id=str(concern.code)).last()
    assert (event.action, event.actor.email) == ("read", "team_lead@test.example")


def test_a_concern_without_a_type_is_refused_on_the_page(login, service, objects):
    client = login("worker")
    before = state(service, objects)
    data = payload("notifications:create", objects)
    del data["notification_type"]
    response = client.post(reverse("notifications:create"), data)
    assert response.status_code == 400
    assert "without a legal basis nothing can be recorded" in response.content.decode()
    assert state(service, objects) == before


def test_approval_by_the_decider_is_refused_on_the_page(login, actors, service, objects):
    assessed = objects["assessed"]
    services.decide(actors["team_lead"], assessed, "send", "Meldeplikt")
    client = login("team_lead")
    before = state(service, objects)
    response = client.post(
        reverse("notifications:approve", kwargs={"code": assessed.code}), {"note": ""}
    )
    assert response.status_code == 400
    assert "another team lead than the one who decided" in response.content.decode()
    assert state(service, objects) == before


def test_the_deadline_shows_until_sent(login, objects):
    client = login("worker")
    Notification.objects.filter(pk=objects["concern"].pk).update(
        deadline_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    page = client.get(url_for("notifications:detail", objects)).content.decode()
    assert 'data-deadline="overdue"' in page
    approved = client.get(
        reverse("notifications:detail", kwargs={"code": objects["approved"].code})
    ).content.decode()
    assert 'data-deadline="open"' in approved
    sent = client.get(
        reverse("notifications:detail", kwargs={"code": objects["sent"].code})
    ).content.decode()
    assert "data-deadline" not in sent
    listing = client.get(reverse("notifications:list")).content.decode()
    assert listing.count('data-deadline="overdue"') == 1
    assert str(objects["sent"].code) not in listing


def test_open_list_query_count_does_not_grow(login, worker, person, objects):
    client = login("team_lead")
    url = reverse("notifications:list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for number in range(10):
        services.record_concern(
            worker, notification_type=objects["type"], person=person, concern=f"nr {number}"
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_detail_query_count_does_not_grow_with_history(login, worker, objects):
    concern = objects["concern"]
    client = login("worker")
    url = url_for("notifications:detail", objects)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(5):
        services.correct(worker, concern, field="concern", value=f"v{number}", reason="retting")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(few)
    assert page.count("retting") == 5


def test_person_link_of_another_service_is_404(login, users, other_service):
    from feltbok.people.models import Person

    foreign = Person.objects.create(
        service=other_service,
        anonymity_level="nickname",
        nickname="Fremmed",
        gender="male",
        age_band="18-22",
        created_by=users["outsider"],
    )
    client = login("worker")
    url = reverse("notifications:create") + f"?person={foreign.code}"
    assert client.get(url).status_code == 404
    assert client.get(reverse("notifications:create") + "?person=not-a-code").status_code == 404
