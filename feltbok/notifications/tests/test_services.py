"""The notification workflow: legal basis required, four eyes, deadlines, no deletes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from feltbok.audit.models import AuditEvent
from feltbok.notifications import selectors, services
from feltbok.notifications.models import (
    AppendOnlyError,
    Notification,
    NotificationCorrection,
    NotificationEvent,
    NotificationStatus,
    NotificationType,
)
from feltbok.notifications.services import NotificationError

Status = NotificationStatus


def snapshot(notification=None):
    state = (
        Notification.objects.count(),
        NotificationEvent.objects.count(),
        NotificationCorrection.objects.count(),
        AuditEvent.objects.filter(object_type="notification").count(),
    )
    if notification is not None:
        notification.refresh_from_db()
        state += (
            notification.status,
            notification.decision,
            notification.approved_by_id,
            notification.sent_at,
            notification.concern,
        )
    return state


def to_decided(worker, notification, decision="send"):
    services.assess(worker, notification, "Alvorlig: mindreårig, rus, ingen voksne.")
    return services.decide(worker, notification, decision, "Vilkårene i § 13-2 er oppfylt.")


def test_types_are_data_per_country(types):
    keys = sorted((country, key) for country, key in types)
    assert keys == [
        ("DK", "child_welfare"),
        ("NO", "child_welfare"),
        ("NO", "compulsory_mental_health"),
        ("NO", "emergency"),
        ("NO", "pregnant_substance_use"),
        ("SE", "child_welfare"),
    ]
    no = types[("NO", "child_welfare")]
    assert "§ 13-2" in no.legal_basis
    assert (no.recipient_type, no.requires_approval, no.deadline_hours) == (
        "child_welfare",
        True,
        24,
    )
    assert "§ 133" in types[("DK", "child_welfare")].legal_basis
    assert "2025:400" in types[("SE", "child_welfare")].legal_basis
    assert types[("NO", "emergency")].requires_approval is False


def test_the_data_migration_loaded_the_types(db):
    assert NotificationType.objects.filter(country="NO").count() == 4


def test_record_concern_sets_the_deadline_from_the_concern_time(worker, person, child_welfare):
    concern_at = timezone.now() - datetime.timedelta(hours=3)
    notification = services.record_concern(
        worker,
        notification_type=child_welfare,
        person=person,
        concern="  Sett alene ved Oslo S  ",
        concern_at=concern_at,
    )
    notification.refresh_from_db()
    assert notification.status == Status.CONCERN
    assert notification.deadline_at == concern_at + datetime.timedelta(hours=24)
    assert notification.concern == "Sett alene ved Oslo S"
    assert notification.recorded_by == worker.user
    assert list(notification.events.values_list("step", flat=True)) == ["concern"]
    audit = AuditEvent.objects.get(object_id=str(notification.code))
    assert (audit.action, audit.detail) == (
        "create",
        {"type": "child_welfare", "person": str(person.code)},
    )


def test_a_notification_without_a_type_is_refused_and_nothing_stored(worker, person, types):
    before = snapshot()
    with pytest.raises(NotificationError, match="without a legal basis"):
        services.record_concern(worker, notification_type=None, person=person, concern="x")
    assert snapshot() == before == (0, 0, 0, 0)


def test_a_type_of_another_country_is_refused(worker, person, types):
    with pytest.raises(NotificationError, match="applies to this service"):
        services.record_concern(
            worker, notification_type=types[("DK", "child_welfare")], person=person, concern="x"
        )
    assert Notification.objects.count() == 0


def test_who_it_concerns_and_the_concern_are_required(worker, child_welfare):
    with pytest.raises(NotificationError, match="Say who the concern is about"):
        services.record_concern(worker, notification_type=child_welfare, concern="x")
    with pytest.raises(NotificationError, match="Describe the concern"):
        services.record_concern(
            worker, notification_type=child_welfare, subject="Jente, ca. 14 år", concern=" "
        )
    future = timezone.now() + datetime.timedelta(hours=1)
    with pytest.raises(NotificationError, match="future"):
        services.record_concern(
            worker, notification_type=child_welfare, subject="Gutt", concern="x", concern_at=future
        )
    assert Notification.objects.count() == 0
    # Without a registered person, a description without a name will do.
    notification = services.record_concern(
        worker, notification_type=child_welfare, subject="Jente, ca. 14 år", concern="Alene"
    )
    assert notification.about == "Jente, ca. 14 år"


def test_the_whole_workflow_with_four_eyes(worker, actors, concern):
    lead = actors["team_lead"]
    to_decided(worker, concern)
    services.approve(lead, concern, "Enig")
    sent_at = timezone.now()
    services.mark_sent(
        worker,
        concern,
        recipient="Barneverntjenesten i Bydel Gamle Oslo",
        channel="secure_message",
        sent_at=sent_at,
    )
    done = services.record_follow_up(worker, concern, "Mottak bekreftet, undersøkelse åpnet.")

    assert done.status == Status.CLOSED
    assert (done.decided_by, done.approved_by, done.sent_by) == (
        worker.user,
        lead.user,
        worker.user,
    )
    assert done.sent_at == sent_at
    steps = list(concern.events.order_by("pk").values_list("step", "by"))
    assert steps == [
        ("concern", worker.user.pk),
        ("assessment", worker.user.pk),
        ("decision", worker.user.pk),
        ("approval", lead.user.pk),
        ("sent", worker.user.pk),
        ("follow_up", worker.user.pk),
    ]
    audits = AuditEvent.objects.filter(object_id=str(concern.code)).order_by("seq")
    assert [a.detail.get("step") for a in audits] == [
        None,
        "assessment",
        "decision",
        "approval",
        "sent",
        "follow_up",
    ]
    assert audits.get(detail__step="sent").detail["late"] is False


def test_approval_by_the_decider_is_refused(actors, concern):
    lead = actors["team_lead"]
    to_decided(lead, concern)
    before = snapshot(concern)
    with pytest.raises(NotificationError, match="another team lead than the one who decided"):
        services.approve(lead, concern)
    assert snapshot(concern) == before
    assert concern.status == Status.DECIDED


def test_the_database_also_refuses_approval_by_the_decider(actors, concern):
    lead = actors["team_lead"]
    to_decided(lead, concern)
    concern.approved_by = lead.user
    with pytest.raises(IntegrityError), transaction.atomic():
        concern.save(update_fields=["approved_by"])


def test_only_team_leads_approve(actors, worker, concern):
    to_decided(worker, concern)
    for name in ("worker", "colleague", "peer_worker", "coordinator", "analyst", "admin"):
        with pytest.raises(PermissionDenied):
            services.approve(actors[name], concern)
    concern.refresh_from_db()
    assert concern.status == Status.DECIDED


def test_sending_before_approval_is_refused(worker, concern):
    to_decided(worker, concern)
    before = snapshot(concern)
    with pytest.raises(NotificationError, match="must approve the decision before"):
        services.mark_sent(worker, concern, recipient="Barnevernet", channel="letter")
    assert snapshot(concern) == before


def test_steps_out_of_order_are_refused(worker, concern):
    before = snapshot(concern)
    with pytest.raises(NotificationError, match="Only an assessed concern"):
        services.decide(worker, concern, "send", "grunner")
    with pytest.raises(NotificationError, match="decided to be sent"):
        services.mark_sent(worker, concern, recipient="Barnevernet", channel="letter")
    with pytest.raises(NotificationError, match="Only a sent"):
        services.record_follow_up(worker, concern, "x")
    assert snapshot(concern) == before


def test_a_decision_needs_reasons(worker, concern):
    services.assess(worker, concern, "Vurdert")
    before = snapshot(concern)
    with pytest.raises(NotificationError, match="reasons"):
        services.decide(worker, concern, "send", "   ")
    with pytest.raises(NotificationError, match="whether"):
        services.decide(worker, concern, "maybe", "fordi")
    assert snapshot(concern) == before


def test_sent_needs_recipient_channel_and_a_sane_time(worker, actors, concern):
    to_decided(worker, concern)
    services.approve(actors["team_lead"], concern)
    before = snapshot(concern)
    with pytest.raises(NotificationError, match="who received"):
        services.mark_sent(worker, concern, recipient=" ", channel="letter")
    with pytest.raises(NotificationError, match="how the notification was sent"):
        services.mark_sent(worker, concern, recipient="Barnevernet", channel="pigeon")
    with pytest.raises(NotificationError, match="between the concern and now"):
        services.mark_sent(
            worker,
            concern,
            recipient="Barnevernet",
            channel="letter",
            sent_at=concern.concern_at - datetime.timedelta(hours=1),
        )
    assert snapshot(concern) == before


def test_roles_that_may_decide_are_per_type(worker, actors, concern, child_welfare):
    child_welfare.decider_roles = ["team_lead"]
    child_welfare.save()
    services.assess(worker, concern, "Vurdert")
    with pytest.raises(NotificationError, match="Your role may not decide"):
        services.decide(worker, concern, "send", "fordi")
    services.decide(actors["team_lead"], concern, "send", "fordi")
    concern.refresh_from_db()
    assert concern.status == Status.DECIDED


def test_peer_workers_record_concerns_but_take_no_other_step(actors, child_welfare):
    peer = actors["peer_worker"]
    mine = services.record_concern(
        peer, notification_type=child_welfare, subject="Gutt ca. 15", concern="Sett ruset"
    )
    with pytest.raises(PermissionDenied):
        services.assess(peer, mine, "Vurdert")
    for name in ("coordinator", "analyst", "admin"):
        with pytest.raises(PermissionDenied):
            services.record_concern(
                actors[name], notification_type=child_welfare, subject="x", concern="x"
            )


def test_peer_workers_see_only_what_they_recorded(actors, concern, child_welfare):
    peer = actors["peer_worker"]
    mine = services.record_concern(
        peer, notification_type=child_welfare, subject="Gutt ca. 15", concern="Sett ruset"
    )
    rows, _waiting = selectors.open_list(peer)
    assert [n.pk for n in rows] == [mine.pk]
    rows, _waiting = selectors.open_list(actors["worker"])
    assert {n.pk for n in rows} == {mine.pk, concern.pk}


def test_emergency_needs_no_approval(worker, person, types):
    emergency = services.record_concern(
        worker, notification_type=types[("NO", "emergency")], person=person, concern="Overdose"
    )
    assert emergency.deadline_at - emergency.concern_at == datetime.timedelta(hours=1)
    to_decided(worker, emergency)
    services.mark_sent(worker, emergency, recipient="AMK 113", channel="phone")
    emergency.refresh_from_db()
    assert emergency.status == Status.SENT
    assert emergency.approved_by is None


def test_deciding_not_to_send_is_approved_too_then_closed(worker, actors, concern):
    to_decided(worker, concern, decision="not_send")
    concern.refresh_from_db()
    assert concern.status == Status.DECIDED
    assert concern.deadline_applies is False  # a decision not to send stops the clock
    services.approve(actors["team_lead"], concern)
    concern.refresh_from_db()
    assert concern.status == Status.CLOSED
    with pytest.raises(NotificationError):
        services.mark_sent(worker, concern, recipient="x", channel="letter")


def test_not_sending_without_four_eyes_closes_at_once(worker, person, types):
    emergency = services.record_concern(
        worker, notification_type=types[("NO", "emergency")], person=person, concern="x"
    )
    to_decided(worker, emergency, decision="not_send")
    emergency.refresh_from_db()
    assert emergency.status == Status.CLOSED


def test_deadline_arithmetic_and_overdue(worker, actors, person, child_welfare):
    now = timezone.now()
    late = services.record_concern(
        worker,
        notification_type=child_welfare,
        person=person,
        concern="x",
        concern_at=now - datetime.timedelta(hours=24, minutes=1),
    )
    in_time = services.record_concern(
        worker,
        notification_type=child_welfare,
        person=person,
        concern="y",
        concern_at=now - datetime.timedelta(hours=23, minutes=59),
    )
    assert late.is_overdue(now) is True
    assert in_time.is_overdue(now) is False
    rows, _waiting = selectors.open_list(worker)
    assert [(n.pk, n.overdue) for n in rows] == [(late.pk, True), (in_time.pk, False)]
    # Sent late: off the open list, and the audit entry says it was late.
    to_decided(worker, late)
    services.approve(actors["team_lead"], late)
    services.mark_sent(worker, late, recipient="Barnevernet", channel="letter")
    late.refresh_from_db()
    assert late.is_overdue() is False
    assert AuditEvent.objects.get(object_id=str(late.code), detail__step="sent").detail["late"]
    rows, _waiting = selectors.open_list(worker)
    assert [n.pk for n in rows] == [in_time.pk]


def test_a_notification_is_never_deleted(worker, concern):
    with pytest.raises(AppendOnlyError):
        concern.delete()
    with pytest.raises(AppendOnlyError):
        Notification.objects.filter(pk=concern.pk).delete()
    with pytest.raises(AppendOnlyError):
        NotificationEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        concern.events.first().delete()
    assert Notification.objects.filter(pk=concern.pk).exists()


def test_corrections_keep_the_history(worker, concern):
    services.correct(
        worker, concern, field="concern", value="16-åring, ikke 15", reason="Feil alder"
    )
    concern.refresh_from_db()
    assert concern.concern == "16-åring, ikke 15"
    correction = concern.corrections.get()
    assert correction.old_value == "15-åring alene ved Oslo S etter midnatt, ruset."
    assert (correction.new_value, correction.reason, correction.corrected_by) == (
        "16-åring, ikke 15",
        "Feil alder",
        worker.user,
    )
    with pytest.raises(AppendOnlyError):
        correction.delete()
    correction.reason = "endret"
    with pytest.raises(AppendOnlyError):
        correction.save()
    audit = AuditEvent.objects.filter(object_id=str(concern.code)).last()
    assert (audit.reason, audit.detail) == (
        "Feil alder",
        {"step": "correction", "field": "concern"},
    )


def test_bad_corrections_are_refused(worker, concern):
    before = snapshot(concern)
    with pytest.raises(NotificationError, match="reason"):
        services.correct(worker, concern, field="concern", value="ny", reason=" ")
    with pytest.raises(NotificationError, match="cannot be corrected"):
        services.correct(worker, concern, field="deadline_at", value="", reason="x")
    with pytest.raises(NotificationError, match="same"):
        services.correct(worker, concern, field="concern", value=concern.concern, reason="x")
    with pytest.raises(NotificationError, match="cannot be empty"):
        services.correct(worker, concern, field="concern", value="", reason="x")
    assert snapshot(concern) == before


def test_person_panel(actors, person, concern):
    assert [n.pk for n in selectors.person_panel(actors["worker"], person)] == [concern.pk]
    for name in ("peer_worker", "coordinator", "analyst", "admin"):
        assert selectors.person_panel(actors[name], person) is None
