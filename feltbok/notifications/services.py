"""The notification workflow: each step in one transaction with its step row and audit entry."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm
from feltbok.notifications.models import (
    Channel,
    Decision,
    Notification,
    NotificationCorrection,
    NotificationEvent,
    NotificationStatus,
    NotificationStep,
    NotificationType,
)

# Fields that may be corrected afterwards, each correction kept with its history.
CORRECTABLE = (
    "subject",
    "concern",
    "assessment",
    "decision_reasons",
    "approval_note",
    "recipient",
    "follow_up",
)
Status = NotificationStatus


class NotificationError(ValueError):
    """A rule of the notification workflow was broken; the message is shown to the user."""


def deadline_for(notification_type: NotificationType, concern_at: datetime.datetime):
    """The time by which a notification of this type must be sent."""
    return concern_at + datetime.timedelta(hours=notification_type.deadline_hours)


def _step(actor, notification, step, now, summary=""):
    NotificationEvent.objects.create(
        service_id=actor.service_id,
        notification=notification,
        step=step,
        occurred_at=now,
        by=actor.user,
        summary=summary[:300],
    )


def _locked(actor, notification) -> Notification:
    if notification.service_id != actor.service_id:
        raise NotificationError(_("Choose a notification of this service."))
    return (
        Notification.objects.select_for_update()
        .select_related("notification_type")
        .get(pk=notification.pk)
    )


def record_concern(
    actor,
    *,
    notification_type: NotificationType | None,
    concern: str,
    person=None,
    subject: str = "",
    concern_at: datetime.datetime | None = None,
) -> Notification:
    """The first step: what gave rise to the concern, about whom, under which legal basis."""
    actor.require(Perm.RAISE_CONCERN)
    if notification_type is None:
        raise NotificationError(
            _("Choose the kind of notification: without a legal basis nothing can be recorded.")
        )
    if not notification_type.is_active or notification_type.country != actor.service.country:
        raise NotificationError(_("Choose a kind of notification that applies to this service."))
    if person is not None and person.service_id != actor.service_id:
        raise NotificationError(_("Choose a person of this service."))
    subject = subject.strip()
    if person is None and not subject:
        raise NotificationError(
            _("Say who the concern is about: choose the person or describe them without a name.")
        )
    if not concern.strip():
        raise NotificationError(_("Describe the concern."))
    now = timezone.now()
    concern_at = concern_at or now
    if concern_at > now + datetime.timedelta(minutes=5):
        raise NotificationError(_("The time of the concern cannot be in the future."))
    with transaction.atomic():
        notification = Notification.objects.create(
            service_id=actor.service_id,
            notification_type=notification_type,
            person=person,
            subject=subject[:300],
            concern=concern.strip(),
            concern_at=concern_at,
            recorded_by=actor.user,
            deadline_at=deadline_for(notification_type, concern_at),
        )
        _step(actor, notification, NotificationStep.CONCERN, now)
        log_action(
            actor,
            AuditAction.CREATE,
            notification,
            detail={
                "type": notification_type.key,
                "person": str(person.code) if person is not None else "",
            },
        )
    return notification


def assess(actor, notification: Notification, assessment: str) -> Notification:
    actor.require(Perm.HANDLE_NOTIFICATIONS)
    if not assessment.strip():
        raise NotificationError(_("Write the assessment."))
    now = timezone.now()
    with transaction.atomic():
        current = _locked(actor, notification)
        if current.status != Status.CONCERN:
            raise NotificationError(_("This notification has already been assessed."))
        current.assessment = assessment.strip()
        current.assessed_at = now
        current.assessed_by = actor.user
        current.status = Status.ASSESSED
        current.save(
            update_fields=["assessment", "assessed_at", "assessed_by", "status", "updated_at"]
        )
        _step(actor, current, NotificationStep.ASSESSMENT, now)
        log_action(actor, AuditAction.UPDATE, current, detail={"step": "assessment"})
    return current


def may_decide(actor, notification_type: NotificationType) -> bool:
    return actor.can(Perm.HANDLE_NOTIFICATIONS) and actor.role in notification_type.decider_roles


def decide(actor, notification: Notification, decision: str, reasons: str) -> Notification:
    """Send or not send, always with reasons. Without four-eyes, not sending closes it."""
    actor.require(Perm.HANDLE_NOTIFICATIONS)
    if decision not in Decision.values:
        raise NotificationError(_("Choose whether the notification is to be sent."))
    if not reasons.strip():
        raise NotificationError(_("Give the reasons for the decision."))
    now = timezone.now()
    with transaction.atomic():
        current = _locked(actor, notification)
        if not may_decide(actor, current.notification_type):
            raise NotificationError(_("Your role may not decide on this kind of notification."))
        if current.status != Status.ASSESSED:
            raise NotificationError(_("Only an assessed concern can be decided."))
        current.decision = decision
        current.decision_reasons = reasons.strip()
        current.decided_at = now
        current.decided_by = actor.user
        closes = decision == Decision.NOT_SEND and not current.notification_type.requires_approval
        current.status = Status.CLOSED if closes else Status.DECIDED
        current.save(
            update_fields=[
                "decision",
                "decision_reasons",
                "decided_at",
                "decided_by",
                "status",
                "updated_at",
            ]
        )
        _step(actor, current, NotificationStep.DECISION, now, decision)
        log_action(
            actor, AuditAction.UPDATE, current, detail={"step": "decision", "decision": decision}
        )
    return current


def approve(actor, notification: Notification, note: str = "") -> Notification:
    """The four-eyes approval by a team lead who did not decide."""
    actor.require(Perm.APPROVE_NOTIFICATIONS)
    now = timezone.now()
    with transaction.atomic():
        current = _locked(actor, notification)
        if current.status != Status.DECIDED or not current.notification_type.requires_approval:
            raise NotificationError(_("There is no decision waiting for approval."))
        if current.decided_by_id == actor.user.pk:
            raise NotificationError(
                _("The decision must be approved by another team lead than the one who decided.")
            )
        current.approval_note = note.strip()[:2000]
        current.approved_at = now
        current.approved_by = actor.user
        current.status = Status.APPROVED if current.decision == Decision.SEND else Status.CLOSED
        current.save(
            update_fields=["approval_note", "approved_at", "approved_by", "status", "updated_at"]
        )
        _step(actor, current, NotificationStep.APPROVAL, now)
        log_action(actor, AuditAction.UPDATE, current, detail={"step": "approval"})
    return current


def mark_sent(
    actor,
    notification: Notification,
    *,
    recipient: str,
    channel: str,
    sent_at: datetime.datetime | None = None,
) -> Notification:
    """When, to whom and how the notification was sent."""
    actor.require(Perm.HANDLE_NOTIFICATIONS)
    if not recipient.strip():
        raise NotificationError(_("Say who received the notification."))
    if channel not in Channel.values:
        raise NotificationError(_("Choose how the notification was sent."))
    now = timezone.now()
    sent_at = sent_at or now
    with transaction.atomic():
        current = _locked(actor, notification)
        ready = Status.APPROVED if current.notification_type.requires_approval else Status.DECIDED
        if current.decision != Decision.SEND or current.status != ready:
            if current.status == Status.DECIDED and current.decision == Decision.SEND:
                raise NotificationError(
                    _("A team lead must approve the decision before it is sent.")
                )
            raise NotificationError(_("Only a notification decided to be sent can be sent."))
        if sent_at > now + datetime.timedelta(minutes=5) or sent_at < current.concern_at:
            raise NotificationError(_("The time sent must be between the concern and now."))
        current.sent_at = sent_at
        current.sent_by = actor.user
        current.recipient = recipient.strip()[:200]
        current.channel = channel
        current.status = Status.SENT
        current.save(
            update_fields=["sent_at", "sent_by", "recipient", "channel", "status", "updated_at"]
        )
        _step(actor, current, NotificationStep.SENT, now, current.recipient)
        log_action(
            actor,
            AuditAction.UPDATE,
            current,
            detail={"step": "sent", "late": sent_at > current.deadline_at},
        )
    return current


def record_follow_up(actor, notification: Notification, text: str) -> Notification:
    actor.require(Perm.HANDLE_NOTIFICATIONS)
    if not text.strip():
        raise NotificationError(_("Write what the follow-up was."))
    now = timezone.now()
    with transaction.atomic():
        current = _locked(actor, notification)
        if current.status != Status.SENT:
            raise NotificationError(_("Only a sent notification can be followed up."))
        current.follow_up = text.strip()
        current.followed_up_at = now
        current.followed_up_by = actor.user
        current.status = Status.CLOSED
        current.save(
            update_fields=["follow_up", "followed_up_at", "followed_up_by", "status", "updated_at"]
        )
        _step(actor, current, NotificationStep.FOLLOW_UP, now)
        log_action(actor, AuditAction.UPDATE, current, detail={"step": "follow_up"})
    return current


def correct(actor, notification: Notification, *, field: str, value: str, reason: str):
    """Correct one text; the old text is kept with who, when and why."""
    actor.require(Perm.HANDLE_NOTIFICATIONS)
    if field not in CORRECTABLE:
        raise NotificationError(_("That part of a notification cannot be corrected."))
    if not reason.strip():
        raise NotificationError(_("Give the reason for the correction."))
    value = value.strip()
    now = timezone.now()
    with transaction.atomic():
        current = _locked(actor, notification)
        old = getattr(current, field)
        if old == value:
            raise NotificationError(_("The new text is the same as the old one."))
        if field == "subject" and not value and current.person_id is None:
            raise NotificationError(_("Say who the concern is about."))
        if field in ("concern", "recipient") and not value:
            raise NotificationError(_("This text cannot be empty."))
        if field == "decision_reasons" and current.decision and not value:
            raise NotificationError(_("Give the reasons for the decision."))
        limit = Notification._meta.get_field(field).max_length
        if limit and len(value) > limit:
            raise NotificationError(_("The text is too long."))
        NotificationCorrection.objects.create(
            service_id=actor.service_id,
            notification=current,
            field=field,
            old_value=old,
            new_value=value,
            reason=reason.strip()[:500],
            corrected_at=now,
            corrected_by=actor.user,
        )
        setattr(current, field, value)
        current.save(update_fields=[field, "updated_at"])
        _step(actor, current, NotificationStep.CORRECTION, now, field)
        log_action(
            actor,
            AuditAction.UPDATE,
            current,
            reason=reason.strip(),
            detail={"step": "correction", "field": field},
        )
    return current
