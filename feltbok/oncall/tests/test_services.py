"""On-call services: exact outcomes, refused input stores nothing, audit entries."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import make_member
from feltbok.accounts.models import Role
from feltbok.audit.models import AuditEvent
from feltbok.core.access import actor_for_user
from feltbok.fieldwork.models import Shift
from feltbok.fieldwork.services import end_patrol, start_patrol
from feltbok.oncall import services
from feltbok.oncall.models import (
    EventKind,
    Inquiry,
    InquiryEvent,
    InquiryStatus,
    OncallSettings,
    WalkInVisit,
)
from feltbok.oncall.services import InquiryData, OncallError, WalkInData


def call(**overrides):
    values = {
        "concern": "Ung mann sitter alene i trappa, virker ruset.",
        "urgency": "acute",
        "caller_type": "citizen",
        "where": "Vaterland parkeringshus",
        "when": "Nå",
    }
    values.update(overrides)
    return InquiryData(**values)


def state():
    return (
        Inquiry.objects.count(),
        InquiryEvent.objects.count(),
        AuditEvent.objects.count(),
        list(Inquiry.objects.values_list("status", "patrol_id", "assignee_id")),
    )


@pytest.fixture
def inquiry(coordinator):
    return services.log_inquiry(coordinator, call())


def test_logging_a_call(coordinator, person):
    inquiry = services.log_inquiry(coordinator, call(person=person, reporter_phone="913 03 913"))
    assert (inquiry.status, inquiry.channel, inquiry.urgency) == ("new", "phone", "acute")
    assert inquiry.received_by == coordinator.user
    assert inquiry.reporter_phone == "913 03 913"
    assert inquiry.response_time is None
    assert list(inquiry.events.values_list("kind", flat=True)) == ["received"]
    event = AuditEvent.objects.filter(object_id=str(inquiry.code)).get()
    assert (event.action, event.actor, event.detail) == (
        "create",
        coordinator.user,
        {"channel": "phone", "urgency": "acute", "person": str(person.code)},
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"concern": "   "}, "Fill in"),
        ({"concern": "x" * 4001}, "too long"),
        ({"concern": "<script>alert(1)</script>"}, "looks like code"),
        ({"where": "Oslo S <img src=x onerror=alert(1)>"}, "looks like code"),
        ({"concern": "Hei\x00\x01\x02"}, "cannot be saved"),
        ({"urgency": "tomorrow"}, "how urgent"),
        ({"caller_type": "martian"}, "who contacted"),
        ({"channel": "public_form"}, "how the inquiry came in"),
        ({"reporter_email": "not-an-address"}, "valid e-mail"),
        ({"reporter_phone": "call me maybe"}, "phone number"),
        ({"signs": ["no_such_sign"]}, "signs from the list"),
    ],
)
def test_bad_calls_are_refused_and_store_nothing(coordinator, overrides, message):
    before = state()
    with pytest.raises(OncallError, match=message):
        services.log_inquiry(coordinator, call(**overrides))
    assert state() == before


def test_a_person_of_another_service_is_refused(coordinator, other_service, actors):
    from feltbok.people.models import AgeBand, AnonymityLevel, Gender
    from feltbok.people.services import PersonData, create_person

    foreign = create_person(
        actors["outsider"],
        PersonData(
            anonymity_level=AnonymityLevel.NICKNAME,
            nickname="Ræven",
            gender=Gender.MALE,
            age_band=AgeBand.FROM_18,
        ),
    )
    before = state()
    with pytest.raises(OncallError, match="person of this service"):
        services.log_inquiry(coordinator, call(person=foreign))
    assert state() == before


def test_roles_without_triage_cannot_log(actors):
    from django.core.exceptions import PermissionDenied

    for name in ("worker", "peer_worker", "analyst", "admin"):
        with pytest.raises(PermissionDenied):
            services.log_inquiry(actors[name], call())
    assert Inquiry.objects.count() == 0


def test_dispatch_to_an_active_patrol_sets_the_response_time(coordinator, inquiry, patrol):
    sent = services.dispatch(coordinator, inquiry, patrol=patrol, note="Nærmest")
    assert (sent.status, sent.patrol, sent.assignee) == ("dispatched", patrol, None)
    assert sent.first_dispatched_at >= sent.received_at
    assert sent.response_time == sent.first_dispatched_at - sent.received_at
    event = sent.events.get(kind=EventKind.DISPATCHED)
    assert (event.patrol, event.note, event.by) == (patrol, "Nærmest", coordinator.user)
    audit = AuditEvent.objects.filter(object_id=str(inquiry.code)).last()
    assert audit.detail == {"status": ["new", "dispatched"], "patrol": str(patrol.code)}


def test_redispatch_keeps_the_first_dispatch_time(coordinator, inquiry, patrol, users):
    first = services.dispatch(coordinator, inquiry, patrol=patrol)
    again = services.dispatch(coordinator, first, assignee=users["worker"])
    assert again.first_dispatched_at == first.first_dispatched_at
    assert (again.patrol, again.assignee) == (None, users["worker"])


def test_dispatch_to_an_ended_patrol_is_refused(coordinator, inquiry, patrol, worker):
    end_patrol(worker, patrol)
    patrol.refresh_from_db()
    before = state()
    with pytest.raises(OncallError, match="not on duty"):
        services.dispatch(coordinator, inquiry, patrol=patrol)
    assert state() == before


def test_dispatch_to_a_patrol_of_another_service_is_refused(
    coordinator, inquiry, other_service, actors
):
    outsider = actors["outsider"]
    colleague = make_member(other_service, Role.WORKER, "dk-kollega@test.example")
    from feltbok.organisation.models import FieldArea

    area = FieldArea.objects.create(
        service=other_service,
        name="Vesterbro",
        boundary={"type": "Polygon", "coordinates": [[[12, 55], [12.1, 55], [12, 55.1], [12, 55]]]},
        valid_from=datetime.date(2018, 1, 1),
    )
    foreign = start_patrol(outsider, colleague=colleague, shift=Shift.DAY, areas=[area])
    before = state()
    with pytest.raises(OncallError, match="another service"):
        services.dispatch(coordinator, inquiry, patrol=foreign)
    assert state() == before


def test_dispatch_needs_exactly_one_target(coordinator, inquiry, patrol, users):
    before = state()
    with pytest.raises(OncallError, match="one of them"):
        services.dispatch(coordinator, inquiry)
    with pytest.raises(OncallError, match="one of them"):
        services.dispatch(coordinator, inquiry, patrol=patrol, assignee=users["worker"])
    assert state() == before


def test_dispatch_to_staff_of_another_service_or_an_analyst_is_refused(coordinator, inquiry, users):
    before = state()
    for name in ("outsider", "analyst", "no_membership"):
        with pytest.raises(OncallError, match="staff member of this service"):
            services.dispatch(coordinator, inquiry, assignee=users[name])
    assert state() == before


def test_the_patrol_follows_up_and_closes(coordinator, inquiry, patrol, actors):
    sent = services.dispatch(coordinator, inquiry, patrol=patrol)
    colleague = actors["colleague"]  # the patrol's second member
    on_it = services.start_follow_up(colleague, sent, "På vei")
    assert on_it.status == InquiryStatus.FOLLOWING_UP
    services.add_note(colleague, on_it, "Fant ham, snakket en stund")
    closed = services.close(colleague, on_it, "met", "Fulgt til legevakten")
    assert (closed.status, closed.outcome) == ("closed", "met")
    assert closed.closed_at is not None
    assert list(closed.events.values_list("kind", "note")) == [
        ("received", ""),
        ("dispatched", ""),
        ("following_up", "På vei"),
        ("note", "Fant ham, snakket en stund"),
        ("closed", "Fulgt til legevakten"),
    ]
    before = state()
    with pytest.raises(OncallError, match="already closed"):
        services.close(colleague, closed, "met")
    with pytest.raises(OncallError, match="closed"):
        services.dispatch(coordinator, closed, patrol=patrol)
    assert state() == before


def test_only_the_patrol_or_the_assignee_may_handle(coordinator, inquiry, patrol, actors, users):
    sent = services.dispatch(coordinator, inquiry, patrol=patrol)
    other_worker = actor_for_user(make_member(patrol.service, Role.WORKER, "tredje@test.example"))
    before = state()
    with pytest.raises(OncallError, match="Only the patrol"):
        services.start_follow_up(other_worker, sent)
    with pytest.raises(OncallError, match="Only the patrol"):
        services.close(actors["peer_worker"], sent, "met")
    assert state() == before
    # A peer worker is never the direct assignee's stand-in.
    to_worker = services.dispatch(coordinator, sent, assignee=users["worker"])
    with pytest.raises(OncallError, match="Only the patrol"):
        services.add_note(actors["peer_worker"], to_worker, "x")


def test_following_up_is_only_from_dispatched(coordinator, inquiry, actors):
    with pytest.raises(OncallError, match="dispatched"):
        services.start_follow_up(coordinator, inquiry)


def test_close_needs_a_known_outcome(coordinator, inquiry):
    before = state()
    with pytest.raises(OncallError, match="outcome"):
        services.close(coordinator, inquiry, "solved")
    assert state() == before


def test_feedback_is_a_recorded_decision_with_a_reason(coordinator, inquiry):
    decided = services.decide_feedback(coordinator, inquiry, "none", "Personen ønsker ikke")
    assert (decided.feedback, decided.feedback_reason) == ("none", "Personen ønsker ikke")
    assert decided.events.filter(kind="feedback").count() == 1
    before = state()
    with pytest.raises(OncallError, match="Why"):
        services.decide_feedback(coordinator, decided, "followed_up", "  ")
    with pytest.raises(OncallError, match="may be told"):
        services.decide_feedback(coordinator, decided, "everything", "fordi")
    assert state() == before


def test_public_concern_lands_as_a_new_inquiry(service, oncall_settings):
    inquiry = services.submit_public_concern(
        service,
        InquiryData(
            concern="Naboen kommer aldri ut.",
            urgency="",
            caller_type="",
            signs=["never_outside", "loud_music", "never_outside"],
            reporter_email="nabo@example.org",
        ),
    )
    assert (inquiry.channel, inquiry.status, inquiry.caller_type, inquiry.urgency) == (
        "public_form",
        "new",
        "unknown",
        "week",
    )
    assert inquiry.signs == ["never_outside", "loud_music"]
    assert inquiry.received_by is None
    audit = AuditEvent.objects.get(object_id=str(inquiry.code))
    assert (audit.action, audit.actor, audit.actor_label) == ("create", None, "public form")


def test_public_concern_to_a_closed_form_is_refused(service, oncall_settings):
    OncallSettings.objects.filter(pk=oncall_settings.pk).update(public_form_enabled=False)
    with pytest.raises(OncallError, match="does not take"):
        services.submit_public_concern(service, InquiryData("Hei", "", ""))
    assert Inquiry.objects.count() == 0


def test_purge_removes_reporter_details_after_the_retention(service, oncall_settings, coordinator):
    OncallSettings.objects.filter(pk=oncall_settings.pk).update(reporter_retention_days=10)
    old = services.log_inquiry(coordinator, call(reporter_name="Kari", reporter_phone="400"))
    recent = services.log_inquiry(coordinator, call(reporter_phone="401"))
    without = services.log_inquiry(coordinator, call())
    Inquiry.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - datetime.timedelta(days=10, minutes=1)
    )
    Inquiry.objects.filter(pk=without.pk).update(
        received_at=timezone.now() - datetime.timedelta(days=40)
    )
    assert services.purge_expired_reporter_details() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.reporter_name, old.reporter_phone, old.reporter_email) == ("", "", "")
    assert old.reporter_purged_at is not None
    assert old.concern  # the inquiry stays
    assert recent.reporter_phone == "401"
    assert old.events.filter(kind="purged").count() == 1
    assert AuditEvent.objects.filter(object_id=str(old.code), actor_label="retention").count() == 1
    # Running again purges nothing more.
    assert services.purge_expired_reporter_details() == 0


def test_purge_uses_the_default_of_30_days_without_settings(coordinator):
    inquiry = services.log_inquiry(coordinator, call(reporter_phone="400"))
    now = timezone.now()
    assert services.purge_expired_reporter_details(now + datetime.timedelta(days=29)) == 0
    assert services.purge_expired_reporter_details(now + datetime.timedelta(days=30)) == 1
    inquiry.refresh_from_db()
    assert inquiry.reporter_phone == ""


def test_the_management_command_purges(coordinator, capsys):
    inquiry = services.log_inquiry(coordinator, call(reporter_phone="400"))
    Inquiry.objects.filter(pk=inquiry.pk).update(
        received_at=timezone.now() - datetime.timedelta(days=31)
    )
    call_command("purge_reporter_details")
    assert "1 inquiries" in capsys.readouterr().out
    inquiry.refresh_from_db()
    assert inquiry.reporter_phone == ""


def test_walk_in_visit(worker, person):
    visit = services.record_walk_in(
        worker,
        WalkInData(
            topic="advice",
            person=person,
            outcome="Hjelp med bostøtte",
            follow_up_needed=True,
            follow_up="Ringe NAV",
        ),
    )
    assert (visit.topic, visit.person, visit.follow_up) == ("advice", person, "Ringe NAV")
    audit = AuditEvent.objects.get(object_id=str(visit.code))
    assert audit.detail == {"topic": "advice", "person": str(person.code)}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"topic": "gossip"}, "topic"),
        ({"follow_up_needed": True}, "what follow-up"),
        ({"outcome": "<script>x</script>"}, "looks like code"),
        ({"occurred_at": timezone.now() + datetime.timedelta(hours=1)}, "future"),
        ({"occurred_at": timezone.now() - datetime.timedelta(days=8)}, "within a week"),
    ],
)
def test_bad_walk_ins_store_nothing(worker, overrides, message):
    values = {"topic": "conversation"}
    values.update(overrides)
    with pytest.raises(OncallError, match=message):
        services.record_walk_in(worker, WalkInData(**values))
    assert WalkInVisit.objects.count() == 0


def test_follow_up_text_is_dropped_when_not_needed(worker):
    visit = services.record_walk_in(
        worker, WalkInData(topic="conversation", follow_up_needed=False, follow_up="glemt")
    )
    assert visit.follow_up == ""


def test_settings_and_hours(actors, service):
    lead = actors["team_lead"]
    row = services.save_settings(
        lead, services.SettingsData("Ute Seksjonen", True, "913 03 913", "", 14)
    )
    assert (row.public_slug, row.reporter_retention_days) == ("ute-seksjonen", 14)
    with pytest.raises(OncallError, match="1 to 365"):
        services.save_settings(lead, services.SettingsData("ute", True, "", "", 0))
    hours = services.add_opening_hours(
        lead, kind="oncall", weekday=4, opens=datetime.time(8), closes=datetime.time(4)
    )
    assert hours.past_midnight
    with pytest.raises(OncallError, match="already has a period"):
        services.add_opening_hours(
            lead, kind="oncall", weekday=4, opens=datetime.time(8), closes=datetime.time(12)
        )
    with pytest.raises(OncallError, match="opening and closing"):
        services.add_exception(lead, kind="oncall", date=datetime.date(2026, 12, 24), closed=False)


@pytest.mark.parametrize(
    "text",
    ["Han er <18 år", "a < b, men 3 > 2", "Hjerte <3", "Mer enn 5 <-> mindre enn 10", "Øl & vin"],
)
def test_ordinary_text_with_angle_brackets_is_accepted(coordinator, text):
    inquiry = services.log_inquiry(coordinator, call(concern=text))
    assert inquiry.concern == text
