"""On-call pages: the permission matrix (every URL × persona), bad input, audit, queries.

302 = sent to log in (anonymous) or on after a write, 404 = another service's object or an
inquiry not sent to the persona, 403 = the role may not, 405 = wrong method, 200 = allowed.
Refused requests change nothing.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import enrol_totp, make_member
from feltbok.accounts.models import Role
from feltbok.audit.models import AuditEvent
from feltbok.core.access import actor_for_user
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.fieldwork.models import Shift
from feltbok.fieldwork.services import end_patrol, start_patrol
from feltbok.oncall import services
from feltbok.oncall.models import (
    Inquiry,
    InquiryEvent,
    OncallSettings,
    OpeningException,
    OpeningHours,
    WalkInVisit,
)

TRIAGE = expect(403, coordinator=200, team_lead=200, outsider=200)
TRIAGE_WRITE = expect(403, coordinator=302, team_lead=302, outsider=302)
TRIAGE_OBJECT = expect(403, coordinator=200, team_lead=200, outsider=404)
TRIAGE_OBJECT_WRITE = expect(403, coordinator=302, team_lead=302, outsider=404)
HANDLERS = expect(200, analyst=403, admin=403)
# The inquiry was sent to the worker's patrol (worker and colleague); the peer worker is not
# on that patrol, so for them it does not exist.
SENT = expect(403, worker=200, colleague=200, coordinator=200, team_lead=200)
SENT.update(peer_worker=404, outsider=404)
SENT_WRITE = {k: (302 if v == 200 else v) for k, v in SENT.items()}
WALK_INS = expect(200, peer_worker=403, analyst=403, admin=403)
WALK_INS_WRITE = expect(302, peer_worker=403, analyst=403, admin=403)
CONFIGURE = expect(403, team_lead=200, admin=200, outsider=200)
CONFIGURE_WRITE = expect(403, team_lead=302, admin=302, outsider=302)
CONFIGURE_OBJECT_WRITE = expect(403, team_lead=302, admin=302, outsider=404)

MATRIX = {
    ("GET", "oncall:board"): TRIAGE,
    ("GET", "oncall:board_rows"): TRIAGE,
    ("GET", "oncall:log_call"): TRIAGE,
    ("POST", "oncall:log_call"): TRIAGE_WRITE,
    ("GET", "oncall:mine"): HANDLERS,
    ("GET", "oncall:detail"): SENT,
    ("POST", "oncall:dispatch"): TRIAGE_OBJECT_WRITE,
    ("POST", "oncall:follow_up"): SENT_WRITE,
    ("POST", "oncall:note"): SENT_WRITE,
    ("POST", "oncall:close"): SENT_WRITE,
    ("POST", "oncall:feedback"): TRIAGE_OBJECT_WRITE,
    ("GET", "oncall:link_person"): TRIAGE_OBJECT,
    ("POST", "oncall:link_person"): TRIAGE_OBJECT_WRITE,
    ("GET", "oncall:walk_ins"): WALK_INS,
    ("GET", "oncall:walk_in_new"): WALK_INS,
    ("POST", "oncall:walk_in_new"): WALK_INS_WRITE,
    ("GET", "oncall:settings"): CONFIGURE,
    ("POST", "oncall:settings"): CONFIGURE_WRITE,
    ("POST", "oncall:hours_add"): CONFIGURE_WRITE,
    ("POST", "oncall:hours_remove"): CONFIGURE_OBJECT_WRITE,
    ("POST", "oncall:exception_add"): CONFIGURE_WRITE,
    ("POST", "oncall:exception_remove"): CONFIGURE_OBJECT_WRITE,
}


def call(**overrides):
    values = {
        "concern": "Ung mann sitter alene i trappa.",
        "urgency": "acute",
        "caller_type": "citizen",
        "where": "Vaterland",
    }
    values.update(overrides)
    return services.InquiryData(**values)


@pytest.fixture
def objects(coordinator, oncall_settings, patrol, person, service):
    new = services.log_inquiry(coordinator, call(where="Oslo S"))
    sent = services.dispatch(coordinator, services.log_inquiry(coordinator, call()), patrol=patrol)
    exception = OpeningException.objects.create(
        service=service, kind="oncall", date=datetime.date(2026, 12, 25)
    )
    return {
        "new": new,
        "sent": sent,
        "patrol": patrol,
        "person": person,
        "hours": OpeningHours.objects.filter(service=service).first(),
        "exception": exception,
    }


def url_for(name, objects):
    short = name.split(":")[1]
    if short in {"dispatch", "feedback", "link_person"}:
        return reverse(name, kwargs={"code": objects["new"].code})
    if short in {"detail", "follow_up", "note", "close"}:
        return reverse(name, kwargs={"code": objects["sent"].code})
    if short == "hours_remove":
        return reverse(name, kwargs={"code": objects["hours"].code})
    if short == "exception_remove":
        return reverse(name, kwargs={"code": objects["exception"].code})
    return reverse(name)


def payload(name, objects):
    return {
        "oncall:log_call": {
            "caller_type": "relative",
            "urgency": "today",
            "concern": "Bror ikke hørt fra på en uke",
            "channel": "phone",
        },
        "oncall:dispatch": {"patrol": str(objects["patrol"].code)},
        "oncall:follow_up": {"note": "På vei"},
        "oncall:note": {"note": "Snakket med ham"},
        "oncall:close": {"close-outcome": "met"},
        "oncall:feedback": {"feedback-feedback": "received", "feedback-reason": "Taushetsplikt"},
        "oncall:link_person": {"person": str(objects["person"].code)},
        "oncall:walk_in_new": {"topic": "conversation", "outcome": "Prat"},
        "oncall:settings": {
            "public_slug": "ute-ny",
            "public_form_enabled": "on",
            "reporter_retention_days": "14",
        },
        "oncall:hours_add": {
            "hours-kind": "oncall",
            "hours-weekday": "0",
            "hours-opens": "07:00",
            "hours-closes": "08:00",
        },
        "oncall:exception_add": {
            "exception-kind": "walkin",
            "exception-date": "2026-12-24",
            "exception-closed": "on",
        },
    }.get(name, {})


def state(service, objects):
    new, sent = objects["new"], objects["sent"]
    new.refresh_from_db()
    sent.refresh_from_db()
    return (
        Inquiry.objects.filter(service=service).count(),
        InquiryEvent.objects.filter(service=service).count(),
        WalkInVisit.objects.filter(service=service).count(),
        OpeningHours.objects.filter(service=service).count(),
        OpeningException.objects.filter(service=service).count(),
        list(
            OncallSettings.objects.filter(service=service).values_list(
                "public_slug", "reporter_retention_days"
            )
        ),
        (new.status, new.patrol_id, new.feedback, new.person_id),
        (sent.status, sent.outcome),
    )


def audit_count(service):
    return AuditEvent.objects.filter(service=service).count()


def log_in_as(client, users, persona):
    if persona != "anonymous":
        enrol_totp(users[persona])
        client.force_login(users[persona])
        client.cookies["django_language"] = "en"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_permission_matrix(client, users, service, objects, persona, method, name):
    log_in_as(client, users, persona)
    url = url_for(name, objects)
    before, audits = state(service, objects), audit_count(service)

    response = client.post(url, payload(name, objects)) if method == "POST" else client.get(url)

    expected = MATRIX[(method, name)][persona]
    assert response.status_code == expected, (url, response.content[:2000])
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


GET_ONLY = [name for method, name in MATRIX if method == "GET" and ("POST", name) not in MATRIX]
POST_ONLY = [name for method, name in MATRIX if method == "POST" and ("GET", name) not in MATRIX]


@pytest.mark.parametrize("name", GET_ONLY)
def test_wrong_method_on_pages(client, users, service, objects, name):
    log_in_as(client, users, "team_lead")
    before = state(service, objects)
    assert client.post(url_for(name, objects)).status_code == 405
    assert state(service, objects) == before


@pytest.mark.parametrize("name", POST_ONLY)
def test_wrong_method_on_writes(client, users, service, objects, name):
    log_in_as(client, users, "team_lead")
    before = state(service, objects)
    assert client.get(url_for(name, objects)).status_code == 405
    assert state(service, objects) == before


# -- Peer workers: only what is sent to their patrol ----------------------------------------


def test_a_peer_worker_sees_inquiries_sent_to_their_patrol(
    client, users, service, objects, coordinator, area
):
    peer = actor_for_user(users["peer_worker"])
    lead = actor_for_user(users["team_lead"])
    theirs = start_patrol(lead, colleague=users["peer_worker"], shift=Shift.EVENING, areas=[area])
    sent = services.dispatch(coordinator, objects["new"], patrol=theirs)
    log_in_as(client, users, "peer_worker")
    assert client.get(reverse("oncall:detail", kwargs={"code": sent.code})).status_code == 200
    mine = client.get(reverse("oncall:mine"))
    assert [i.code for i in mine.context["inquiries"]] == [sent.code]
    # Sent to a worker directly: not the peer worker's.
    again = services.dispatch(coordinator, sent, assignee=users["worker"])
    assert client.get(reverse("oncall:detail", kwargs={"code": again.code})).status_code == 404
    assert peer.can  # the actor exists; the rule is in the selector


# -- Bad input through the pages ------------------------------------------------------------


def test_dispatch_to_an_ended_patrol_is_refused_with_a_message(
    client, users, service, objects, worker
):
    end_patrol(worker, objects["patrol"])
    log_in_as(client, users, "coordinator")
    before, audits = state(service, objects), audit_count(service)
    response = client.post(
        url_for("oncall:dispatch", objects), {"patrol": str(objects["patrol"].code)}
    )
    assert response.status_code == 400
    assert "not on duty now" in response.content.decode()
    # The detail page is read again (audited); nothing else is written.
    assert state(service, objects) == before
    assert audit_count(service) == audits + 1


def test_dispatch_to_a_foreign_patrol_is_refused_with_a_message(
    client, users, service, objects, other_service, actors
):
    from feltbok.organisation.models import FieldArea

    dk_area = FieldArea.objects.create(
        service=other_service,
        name="Vesterbro",
        boundary={"type": "Polygon", "coordinates": [[[12, 55], [12.1, 55], [12, 55.1], [12, 55]]]},
        valid_from=datetime.date(2018, 1, 1),
    )
    colleague = make_member(other_service, Role.WORKER, "dk@test.example")
    foreign = start_patrol(actors["outsider"], colleague=colleague, shift="day", areas=[dk_area])
    log_in_as(client, users, "coordinator")
    before = state(service, objects)
    response = client.post(url_for("oncall:dispatch", objects), {"patrol": str(foreign.code)})
    assert response.status_code == 400
    assert "belongs to another service" in response.content.decode()
    assert state(service, objects) == before


def test_the_dispatch_form_offers_only_patrols_on_duty(
    client, users, service, objects, worker, area
):
    log_in_as(client, users, "coordinator")
    response = client.get(reverse("oncall:detail", kwargs={"code": objects["new"].code}))
    offered = [
        code for code, _label in response.context["dispatch_form"].fields["patrol"].widget.choices
    ]
    assert offered == [str(objects["patrol"].code)]
    end_patrol(worker, objects["patrol"])
    response = client.get(reverse("oncall:detail", kwargs={"code": objects["new"].code}))
    assert response.context["dispatch_form"].fields["patrol"].widget.choices == []
    assert "No patrol is under way now." in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"concern": ""}, "Check the fields"),
        ({"concern": "<script>alert(1)</script>"}, "looks like code"),
        ({"concern": "x" * 4001}, "too long"),
        ({"urgency": "soon"}, "Check the fields"),
    ],
)
def test_logging_a_bad_call_stores_nothing(client, users, service, objects, data, message):
    log_in_as(client, users, "coordinator")
    before, audits = state(service, objects), audit_count(service)
    values = payload("oncall:log_call", objects)
    values.update(data)
    response = client.post(reverse("oncall:log_call"), values)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state(service, objects) == before
    assert audit_count(service) == audits


def test_a_bad_walk_in_stores_nothing(client, users, service, objects):
    log_in_as(client, users, "worker")
    response = client.post(
        reverse("oncall:walk_in_new"), {"topic": "housing", "follow_up_needed": "on"}
    )
    assert response.status_code == 400
    assert "Say what follow-up is needed." in response.content.decode()
    assert WalkInVisit.objects.count() == 0


# -- Patrol mode ----------------------------------------------------------------------------


def test_the_patrol_sees_the_inquiry_in_patrol_mode_and_closes_it(client, users, service, objects):
    patrol_url = reverse("fieldwork:patrol", kwargs={"code": objects["patrol"].code})
    log_in_as(client, users, "colleague")
    html = client.get(patrol_url).content.decode()
    assert "1 inquiry sent to this patrol" in html
    assert "Ung mann sitter alene i trappa." in html
    response = client.post(
        reverse("oncall:follow_up", kwargs={"code": objects["sent"].code}),
        {"next": patrol_url},
    )
    assert (response.status_code, response["Location"]) == (302, patrol_url)
    assert "Record what was done" in client.get(patrol_url).content.decode()
    response = client.post(
        reverse("oncall:note", kwargs={"code": objects["sent"].code}),
        {"next": patrol_url, "note": "Gikk Brugata rundt"},
    )
    assert (response.status_code, response["Location"]) == (302, patrol_url)
    response = client.post(
        reverse("oncall:close", kwargs={"code": objects["sent"].code}),
        {"next": patrol_url, "close-outcome": "not_found", "close-note": "Ikke der"},
    )
    assert (response.status_code, response["Location"]) == (302, patrol_url)
    sent = Inquiry.objects.get(pk=objects["sent"].pk)
    assert (sent.status, sent.outcome) == ("closed", "not_found")
    assert list(sent.events.values_list("kind", flat=True)) == [
        "received",
        "dispatched",
        "following_up",
        "note",
        "closed",
    ]
    assert "inquiry sent to this patrol" not in client.get(patrol_url).content.decode()


def test_next_must_stay_on_this_site(client, users, objects):
    log_in_as(client, users, "worker")
    response = client.post(
        reverse("oncall:follow_up", kwargs={"code": objects["sent"].code}),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("oncall:detail", kwargs={"code": objects["sent"].code})


def test_patrol_mode_shows_nothing_to_a_coordinator_or_after_the_patrol(
    client, users, objects, worker
):
    patrol_url = reverse("fieldwork:patrol", kwargs={"code": objects["patrol"].code})
    log_in_as(client, users, "coordinator")
    assert "sent to this patrol" not in client.get(patrol_url).content.decode()
    end_patrol(worker, objects["patrol"])
    log_in_as(client, users, "worker")
    assert "sent to this patrol" not in client.get(patrol_url).content.decode()


# -- Audit ----------------------------------------------------------------------------------


def test_reading_an_inquiry_is_audited(client, users, objects, person, coordinator):
    linked = services.link_person(coordinator, objects["new"], person)
    log_in_as(client, users, "team_lead")
    assert client.get(reverse("oncall:detail", kwargs={"code": linked.code})).status_code == 200
    event = AuditEvent.objects.filter(object_id=str(linked.code)).last()
    assert (event.action, event.actor, event.detail) == (
        "read",
        users["team_lead"],
        {"person": str(person.code)},
    )


def test_the_board_and_lists_are_audited_as_searches(client, users, objects):
    log_in_as(client, users, "coordinator")
    client.get(reverse("oncall:board"))
    event = AuditEvent.objects.last()
    assert (event.action, event.object_type, event.reason) == (
        "search",
        "inquiry",
        "dispatch board",
    )
    assert set(event.detail["results"]) == {str(objects["new"].code), str(objects["sent"].code)}


def test_the_board_puts_acute_first_then_oldest(client, users, objects, coordinator):
    week = services.log_inquiry(coordinator, call(urgency="week"))
    Inquiry.objects.filter(pk=week.pk).update(
        received_at=timezone.now() - datetime.timedelta(hours=5)
    )
    log_in_as(client, users, "coordinator")
    rows = client.get(reverse("oncall:board_rows")).context["board"].inquiries
    assert [row.urgency for row in rows] == ["acute", "acute", "week"]
    assert rows[0].received_at <= rows[1].received_at


def test_the_board_polls_every_15_seconds_without_inline_script(client, users, objects):
    log_in_as(client, users, "coordinator")
    html = client.get(reverse("oncall:board")).content.decode()
    assert 'hx-get="/oncall/board/"' in html
    assert 'hx-trigger="every 15s"' in html
    assert "<script>" not in html
    partial = client.get(reverse("oncall:board_rows"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial


# -- Query counts ---------------------------------------------------------------------------


@pytest.fixture
def many(coordinator, patrol, users):
    def make(count):
        for index in range(count):
            inquiry = services.log_inquiry(coordinator, call(where=f"Sted {index}"))
            if index % 2:
                services.dispatch(coordinator, inquiry, patrol=patrol)
            else:
                services.dispatch(coordinator, inquiry, assignee=users["worker"])

    return make


@pytest.mark.parametrize("count", [1, 15])
def test_board_queries_do_not_grow(
    client, users, objects, many, count, django_assert_max_num_queries
):
    many(count)
    log_in_as(client, users, "coordinator")
    client.get(reverse("oncall:board"))  # warm the session
    with django_assert_max_num_queries(16):
        response = client.get(reverse("oncall:board"))
    assert len(response.context["board"].inquiries) == count + 2
    with django_assert_max_num_queries(16):
        client.get(reverse("oncall:board_rows"))


@pytest.mark.parametrize("count", [1, 15])
def test_sent_to_me_and_patrol_mode_queries_do_not_grow(
    client, users, objects, many, count, django_assert_max_num_queries
):
    many(count)
    log_in_as(client, users, "worker")
    client.get(reverse("oncall:mine"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("oncall:mine"))
    assert len(response.context["inquiries"]) == count + 1
    with django_assert_max_num_queries(20):
        client.get(reverse("fieldwork:patrol", kwargs={"code": objects["patrol"].code}))


@pytest.mark.parametrize("count", [1, 15])
def test_walk_in_list_queries_do_not_grow(
    client, users, objects, worker, count, django_assert_max_num_queries
):
    for _ in range(count):
        services.record_walk_in(worker, services.WalkInData(topic="conversation", who="Mona"))
    log_in_as(client, users, "worker")
    client.get(reverse("oncall:walk_ins"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("oncall:walk_ins"))
    assert len(response.context["visits"]) == count


def test_a_walk_in_is_linked_to_a_known_person_by_nickname(client, users, objects, person):
    log_in_as(client, users, "worker")
    response = client.post(
        reverse("oncall:walk_in_new"), {"topic": "health", "known_person": "ravnen"}
    )
    assert response.status_code == 302
    assert WalkInVisit.objects.get().person == person
    search = AuditEvent.objects.filter(action="search", object_type="person").last()
    assert search.detail == {"kind": "nickname_exact", "results": [str(person.code)]}


def test_an_unknown_nickname_stores_no_walk_in(client, users, objects, person):
    log_in_as(client, users, "worker")
    response = client.post(
        reverse("oncall:walk_in_new"), {"topic": "health", "known_person": "Ravn"}
    )
    assert response.status_code == 400
    assert "No known person has that nickname." in response.content.decode()
    assert WalkInVisit.objects.count() == 0


@pytest.mark.parametrize("code", ["", "not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_linking_an_unknown_person_is_404(client, users, service, objects, code):
    log_in_as(client, users, "coordinator")
    before = state(service, objects)
    response = client.post(url_for("oncall:link_person", objects), {"person": code})
    assert response.status_code == 404
    assert state(service, objects) == before


@pytest.mark.parametrize("day", ["2026-11-20", "yesterday", ""])
def test_walk_ins_of_another_day(client, users, objects, day):
    log_in_as(client, users, "worker")
    response = client.get(reverse("oncall:walk_ins"), {"date": day})
    assert response.status_code == 200
