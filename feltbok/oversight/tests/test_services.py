"""Normal scope, emergency access and the review: exact outcomes, expiry with explicit times."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from feltbok.audit.models import AuditAction, AuditEvent
from feltbok.audit.services import log_action
from feltbok.fieldwork.models import EncounterKind
from feltbok.fieldwork.services import EncounterData, record_encounter
from feltbok.followup import services as followup
from feltbok.oversight import selectors, services
from feltbok.oversight.models import EmergencyAccess, ReasonKind
from feltbok.oversight.selectors import FindingKind
from feltbok.people.models import Person

from .conftest import make_person

REASON = "Politiet ringte om ham i natt, han er savnet"


def grant(actor, person, now=None, **kwargs):
    return services.grant_emergency_access(
        actor,
        person,
        reason_kind=kwargs.get("reason_kind", ReasonKind.INQUIRY),
        reason_text=kwargs.get("reason_text", REASON),
        now=now,
    )


# --- Normal scope ----------------------------------------------------------------------------


def test_a_dormant_person_with_no_relation_is_outside_the_normal_scope(actors, dormant):
    assert selectors.in_normal_scope(actors["worker"], dormant) is False
    assert selectors.in_normal_scope(actors["coordinator"], dormant) is False
    assert selectors.needs_emergency_access(actors["worker"], dormant.code) is True


def test_team_leads_are_always_in_scope(actors, dormant):
    assert selectors.in_normal_scope(actors["team_lead"], dormant) is True
    assert selectors.needs_emergency_access(actors["team_lead"], dormant.code) is False


def test_the_active_caseload_is_in_scope(service, users, actors):
    recent = make_person(service, users["colleague"], "Nyregistrert", days_ago=10)
    met = make_person(service, users["colleague"], "Mott", days_ago=900, last_contact_days_ago=364)
    assert selectors.in_normal_scope(actors["worker"], recent) is True
    assert selectors.in_normal_scope(actors["worker"], met) is True


def test_the_scope_window_is_a_setting(settings, actors, service, users):
    settings.FELTBOK_NORMAL_SCOPE_DAYS = 30
    person = make_person(service, users["colleague"], "Mai", days_ago=60)
    assert selectors.in_normal_scope(actors["worker"], person) is False


def test_the_creator_is_in_scope_however_old(actors, service, users):
    old = make_person(service, users["colleague"], "Gammel", days_ago=800)
    assert selectors.in_normal_scope(actors["colleague"], old) is True
    assert selectors.in_normal_scope(actors["worker"], old) is False


def test_an_old_encounter_on_ones_patrol_keeps_the_person_in_scope(
    actors, patrol, area, dormant, users
):
    record_encounter(
        actors["colleague"],
        patrol,
        EncounterData(kind=EncounterKind.INDIVIDUAL, area=area, persons=[dormant]),
    )
    old = timezone.now() - datetime.timedelta(days=500)
    Person.objects.filter(pk=dormant.pk).update(last_contact_at=old)
    dormant.refresh_from_db()
    # The worker was on the patrol (first member), though the colleague recorded it.
    assert selectors.in_normal_scope(actors["worker"], dormant) is True
    assert selectors.in_normal_scope(actors["coordinator"], dormant) is False


def test_a_contact_person_is_in_scope(actors, users, dormant):
    followup.start_episode(
        actors["team_lead"],
        dormant,
        contact_persons=[users["worker"]],
        started_on=timezone.localdate(),
    )
    assert selectors.in_normal_scope(actors["worker"], dormant) is True
    assert selectors.in_normal_scope(actors["coordinator"], dormant) is False


def test_the_gate_is_a_404_for_another_services_person(actors, other_service, users):
    foreign = make_person(other_service, users["outsider"], "Fremmed", days_ago=900)
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.needs_emergency_access(actors["worker"], foreign.code)


# --- Emergency access ------------------------------------------------------------------------


def test_a_grant_opens_the_person_until_it_expires(actors, dormant, settings):
    settings.FELTBOK_EMERGENCY_ACCESS_HOURS = 12
    worker = actors["worker"]
    at = timezone.now()

    access = grant(worker, dormant, now=at)

    assert access.expires_at == at + datetime.timedelta(hours=12)
    assert (access.reason_kind, access.reason_text, access.role) == (
        "inquiry",
        REASON,
        "worker",
    )
    assert selectors.needs_emergency_access(worker, dormant.code, now=at) is False
    later = at + datetime.timedelta(hours=11, minutes=59)
    assert selectors.needs_emergency_access(worker, dormant.code, now=later) is False
    expired = at + datetime.timedelta(hours=12)
    assert selectors.needs_emergency_access(worker, dormant.code, now=expired) is True
    # The grant is the worker's own: the coordinator still needs one.
    assert selectors.needs_emergency_access(actors["coordinator"], dormant.code, now=at) is True


def test_a_grant_is_audited_on_the_person_with_the_reason_and_flagged(actors, dormant):
    access = grant(actors["worker"], dormant)

    event = AuditEvent.objects.get(object_type="person", object_id=str(dormant.code))
    assert event.action == AuditAction.READ
    assert event.reason == f"Emergency access: {REASON}"
    assert event.detail == {
        "emergency": True,
        "grant": str(access.code),
        "reason_kind": "inquiry",
        "expires_at": access.expires_at.isoformat(),
    }


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("inquiry", ""),
        ("inquiry", "   "),
        ("inquiry", "kort"),
        ("inquiry", "  a   b  c  "),
        ("", REASON),
        ("curious", REASON),
    ],
)
def test_no_reason_or_a_short_one_is_refused_and_nothing_stored(actors, dormant, kind, text):
    before = AuditEvent.objects.count()
    with pytest.raises(services.EmergencyAccessError):
        grant(actors["worker"], dormant, reason_kind=kind, reason_text=text)
    assert EmergencyAccess.objects.count() == 0
    assert AuditEvent.objects.count() == before
    assert selectors.needs_emergency_access(actors["worker"], dormant.code) is True


def test_roles_without_the_right_cannot_grant(actors, dormant):
    for role in ("team_lead", "peer_worker", "analyst", "admin"):
        with pytest.raises(PermissionDenied):
            grant(actors[role], dormant)
    assert EmergencyAccess.objects.count() == 0


def test_a_foreign_person_is_refused(actors, other_service, users):
    foreign = make_person(other_service, users["outsider"], "Fremmed", days_ago=900)
    with pytest.raises(services.EmergencyAccessError):
        grant(actors["worker"], foreign)
    assert EmergencyAccess.objects.count() == 0


def test_the_database_refuses_a_grant_without_an_explanation(actors, dormant, users):
    from django.db import IntegrityError, transaction

    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        EmergencyAccess.objects.create(
            service=dormant.service,
            person=dormant,
            user=users["worker"],
            role="worker",
            reason_kind="inquiry",
            reason_text="short",
            granted_at=now,
            expires_at=now + datetime.timedelta(hours=1),
        )


# --- The review ------------------------------------------------------------------------------


def _read(actor, person, at, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at)
    log_action(actor, AuditAction.READ, person)
    monkeypatch.undo()


def _period(at):
    return {"since": at - datetime.timedelta(days=1), "until": at + datetime.timedelta(days=1)}


def test_a_read_without_relation_is_unexplained_and_a_related_one_is_not(
    actors, service, users, dormant, monkeypatch
):
    at = timezone.now() - datetime.timedelta(hours=3)
    own = make_person(service, users["worker"], "Egen", days_ago=5)
    _read(actors["worker"], dormant, at, monkeypatch)
    _read(actors["worker"], dormant, at + datetime.timedelta(minutes=5), monkeypatch)
    _read(actors["worker"], own, at, monkeypatch)

    review = selectors.review_findings(actors["team_lead"], **_period(at))

    assert review.reads == 3
    assert [(f.kind, f.person_label, f.user_label, f.count) for f in review.findings] == [
        ("unexplained", "Svalen", "Test Outreach worker", 2)
    ]


def test_reads_under_an_emergency_access_are_listed_as_emergency_only(actors, dormant, monkeypatch):
    at = timezone.now() - datetime.timedelta(hours=2)
    grant(actors["worker"], dormant, now=at)
    _read(actors["worker"], dormant, at + datetime.timedelta(minutes=1), monkeypatch)

    review = selectors.review_findings(actors["team_lead"], **_period(at))

    assert [(f.kind, f.person_label) for f in review.findings] == [("emergency", "Svalen")]
    assert review.findings[0].detail == f"A call or inquiry about the person: {REASON}"


def test_many_records_in_an_hour_is_a_burst(actors, service, users, settings, monkeypatch):
    settings.FELTBOK_REVIEW_BURST_THRESHOLD = 5
    at = timezone.now() - datetime.timedelta(hours=5)
    persons = [make_person(service, users["colleague"], f"P{i}") for i in range(7)]
    for i, person in enumerate(persons[:6]):
        _read(actors["colleague"], person, at + datetime.timedelta(minutes=i * 5), monkeypatch)
    # Five more, spread over hours: no burst.
    for i, person in enumerate(persons[:5]):
        _read(actors["worker"], person, at + datetime.timedelta(hours=i), monkeypatch)

    review = selectors.review_findings(actors["team_lead"], **_period(at), kind=FindingKind.BURST)

    assert [(f.kind, f.user_label, f.count) for f in review.findings] == [
        ("burst", "Kollega Outreach worker", 6)
    ]


def test_filters_by_user_and_kind(actors, dormant, monkeypatch):
    at = timezone.now() - datetime.timedelta(hours=3)
    _read(actors["worker"], dormant, at, monkeypatch)
    _read(actors["coordinator"], dormant, at, monkeypatch)
    lead = actors["team_lead"]

    by_user = selectors.review_findings(lead, **_period(at), user=actors["coordinator"].user)
    assert [f.user_label for f in by_user.findings] == ["Test Coordinator"]
    assert selectors.review_findings(lead, **_period(at), kind="emergency").findings == []


def test_only_team_leads_review(actors, dormant):
    now = timezone.now()
    for role in ("worker", "coordinator", "peer_worker", "analyst", "admin"):
        with pytest.raises(PermissionDenied):
            selectors.review_findings(actors[role], since=now, until=now)


def test_the_monthly_report_counts_per_user(actors, service, users, dormant, monkeypatch):
    start, _end = selectors.month_bounds(2026, 10)
    at = start + datetime.timedelta(days=3, hours=10)
    own = make_person(service, users["worker"], "Egen", days_ago=5)
    _read(actors["worker"], dormant, at, monkeypatch)
    _read(actors["worker"], own, at, monkeypatch)
    _read(actors["worker"], own, at, monkeypatch)
    monkeypatch.setattr(timezone, "now", lambda: at)
    grant(actors["coordinator"], dormant)  # the grant and its audit row, both in October
    monkeypatch.undo()
    # Another month does not count.
    _read(actors["worker"], dormant, start - datetime.timedelta(hours=1), monkeypatch)

    _review, rows = selectors.monthly_report(actors["team_lead"], year=2026, month=10)

    assert [
        (r.user_label, r.reads, r.persons, r.unexplained, r.bursts, r.emergency) for r in rows
    ] == [
        ("Test Coordinator", 1, 1, 0, 0, 1),
        ("Test Outreach worker", 3, 2, 1, 0, 0),
    ]
