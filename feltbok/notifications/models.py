"""Mandatory notifications: the exceptions to the duty of confidentiality.

The types are data per country (a data migration creates them): the legal basis, who receives
the notification, which roles may decide, whether a team lead must approve, and the deadline.
A notification moves concern → assessment → decision → approval → sent → follow-up; every step
is time-stamped and audited. A notification is never deleted, only corrected with history:
the ORM refuses a delete here, as it does for the audit log.
"""

import datetime

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import ServiceOwnedModel, TimestampedModel
from feltbok.organisation.models import Country
from feltbok.referrals.models import PartnerType


class NotificationType(TimestampedModel):
    """One legal ground for breaking confidentiality in one country."""

    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=160)
    legal_basis = models.TextField(_("legal basis"))
    recipient_type = models.CharField(_("recipient"), max_length=20, choices=PartnerType.choices)
    decider_roles = models.JSONField(
        _("roles that may decide"),
        default=list,
        help_text=_("Membership roles whose holders may decide to send or not."),
    )
    requires_approval = models.BooleanField(_("a team lead must approve"), default=True)
    deadline_hours = models.PositiveIntegerField(
        _("deadline (hours)"), help_text=_("From the time of the concern until it must be sent.")
    )
    is_active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("notification type")
        verbose_name_plural = _("notification types")
        ordering = ["country", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["country", "key"], name="notificationtype_unique_key"),
            # A type without a legal basis is no ground for breaking confidentiality.
            models.CheckConstraint(condition=~Q(legal_basis=""), name="notificationtype_has_basis"),
            models.CheckConstraint(
                condition=Q(deadline_hours__gte=1), name="notificationtype_has_deadline"
            ),
        ]

    def __str__(self):
        return self.name


class NotificationStatus(models.TextChoices):
    CONCERN = "concern", _("Concern recorded")
    ASSESSED = "assessed", _("Assessed")
    DECIDED = "decided", _("Decided")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent")
    CLOSED = "closed", _("Closed")


class Decision(models.TextChoices):
    SEND = "send", _("Send the notification")
    NOT_SEND = "not_send", _("Do not send")


class Channel(models.TextChoices):
    SECURE_MESSAGE = "secure_message", _("Secure digital message")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Telephone (confirmed in writing)")
    IN_PERSON = "in_person", _("In person (confirmed in writing)")


class AppendOnlyError(Exception):
    """Raised on any attempt to delete a notification or its history."""


class NoDeleteQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError("notifications cannot be deleted")

    def _raw_delete(self, using):
        raise AppendOnlyError("notifications cannot be deleted")


OPEN_STATUSES = (
    NotificationStatus.CONCERN,
    NotificationStatus.ASSESSED,
    NotificationStatus.DECIDED,
    NotificationStatus.APPROVED,
)


class Notification(ServiceOwnedModel):
    notification_type = models.ForeignKey(
        NotificationType,
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name=_("type"),
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="notifications",
        null=True,
        blank=True,
        verbose_name=_("person"),
    )
    subject = models.CharField(
        _("who it concerns"),
        max_length=300,
        blank=True,
        help_text=_("When the person is not registered: a description without a name."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.CONCERN,
    )
    concern = models.TextField(_("concern"), max_length=4000)
    concern_at = models.DateTimeField(_("concern arose"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    deadline_at = models.DateTimeField(_("deadline"))
    assessment = models.TextField(_("assessment"), blank=True, max_length=4000)
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("assessed by"),
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField(_("reasons"), blank=True, max_length=4000)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    approval_note = models.TextField(_("approval note"), blank=True, max_length=2000)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("approved by"),
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("sent by"),
    )
    recipient = models.CharField(_("sent to"), max_length=200, blank=True)
    channel = models.CharField(_("how"), max_length=20, choices=Channel.choices, blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True, max_length=4000)
    followed_up_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("followed up by"),
    )

    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values),
                name="notification_known_status",
            ),
            # Someone it concerns: a registered person or a description.
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(subject=""),
                name="notification_has_subject",
            ),
            # A decision always has its reasons.
            models.CheckConstraint(
                condition=Q(decision="") | ~Q(decision_reasons=""),
                name="notification_decision_has_reasons",
            ),
            # Four eyes: the approver is never the one who decided.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("decided_by")),
                name="notification_four_eyes",
            ),
            # Sent means: when, to whom and how.
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True)
                | (~Q(recipient="") & ~Q(channel="") & Q(decision="send")),
                name="notification_sent_complete",
            ),
        ]
        indexes = [
            # The list of open notifications, by deadline.
            models.Index(fields=["service", "status", "deadline_at"], name="notification_open_idx"),
            # The person page's notification panel.
            models.Index(
                fields=["service", "person", "-concern_at"], name="notification_person_idx"
            ),
        ]

    def __str__(self):
        return f"{self.notification_type} ({self.concern_at:%Y-%m-%d})"

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("notifications cannot be deleted")

    @property
    def about(self):
        return str(self.person) if self.person_id else self.subject

    @property
    def deadline_applies(self):
        """The deadline shows until it is sent; a decision not to send ends it."""
        return self.status in OPEN_STATUSES and self.decision != Decision.NOT_SEND

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        return self.deadline_applies and (now or timezone.now()) > self.deadline_at


class NotificationStep(models.TextChoices):
    CONCERN = "concern", _("Concern recorded")
    ASSESSMENT = "assessment", _("Assessed")
    DECISION = "decision", _("Decided")
    APPROVAL = "approval", _("Approved")
    SENT = "sent", _("Sent")
    FOLLOW_UP = "follow_up", _("Followed up")
    CORRECTION = "correction", _("Corrected")


class NotificationEvent(ServiceOwnedModel):
    """One time-stamped step of a notification, with who took it. Never changed or deleted."""

    notification = models.ForeignKey(
        Notification,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("notification"),
    )
    step = models.CharField(_("step"), max_length=12, choices=NotificationStep.choices)
    occurred_at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)

    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification step")
        verbose_name_plural = _("notification steps")
        ordering = ["occurred_at", "pk"]

    def __str__(self):
        return f"{self.notification_id} {self.step}"

    @property
    def field_label(self):
        """For a correction step: the corrected field's name (the summary holds the field)."""
        if self.step != NotificationStep.CORRECTION:
            return ""
        try:
            return Notification._meta.get_field(self.summary).verbose_name
        except FieldDoesNotExist:  # shown as stored
            return ""

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("notification steps cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("notification steps cannot be deleted")


class NotificationCorrection(ServiceOwnedModel):
    """A correction of one field: the old and the new text, why, who and when."""

    notification = models.ForeignKey(
        Notification,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("notification"),
    )
    field = models.CharField(_("field"), max_length=40)
    old_value = models.TextField(_("before"), blank=True)
    new_value = models.TextField(_("after"), blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    corrected_at = models.DateTimeField(_("corrected"))
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("corrected by"),
    )

    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification correction")
        verbose_name_plural = _("notification corrections")
        ordering = ["corrected_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="correction_has_reason"),
        ]

    def __str__(self):
        return f"{self.notification_id} {self.field}"

    @property
    def field_label(self):
        return Notification._meta.get_field(self.field).verbose_name

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("corrections cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("corrections cannot be deleted")
