"""Retention rules, legal holds, erasures and the record of what was removed.

What was removed is recorded (what, when, under which rule, how many), never the removed
content. Audit rows are hash-chained and never change: a separate marker row says that the
personal data an audit row points to has been shredded.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import ServiceOwnedModel

# What removed free text and identity is replaced by where a field may not be empty.
# Language-neutral on purpose: it is stored, and shown as it is in every language.
REMOVED = "[removed]"

# Bounds of each retention period (also database constraints): a period of zero or a
# century is a typing error, not a policy.
LIMITS = {
    "identity_months": (6, 240),
    "note_months": (1, 240),
    "closed_inquiry_months": (1, 240),
    "audit_years": (1, 30),
}


class RetentionSettings(ServiceOwnedModel):
    """A service's retention periods. Reporters' contact details: the on-call settings."""

    identity_months = models.PositiveSmallIntegerField(
        _("identity of persons without contact (months)"),
        default=36,
        help_text=_(
            "Name, birth date, national id, nickname and description of a person with no "
            "contact for this long are removed; contacts, age band and gender stay for "
            "statistics."
        ),
    )
    note_months = models.PositiveSmallIntegerField(
        _("free-text notes (months)"),
        default=24,
        help_text=_("Notes on contacts, incidents, follow-up and debriefs older than this."),
    )
    closed_inquiry_months = models.PositiveSmallIntegerField(
        _("closed inquiries (months)"),
        default=24,
        help_text=_("The text of on-call inquiries closed this long ago."),
    )
    audit_years = models.PositiveSmallIntegerField(
        _("access log (years)"),
        default=5,
        help_text=_(
            "Access-log rows older than this are marked as past retention. They are not "
            "deleted: the log is a hash chain."
        ),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        verbose_name = _("retention settings")
        verbose_name_plural = _("retention settings")
        constraints = [
            models.UniqueConstraint(fields=["service"], name="retentionsettings_one_per_service"),
            *[
                # Each period within its bounds (LIMITS).
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": low, f"{name}__lte": high}),
                    name=f"retention_{name}_range",
                )
                for name, (low, high) in LIMITS.items()
            ],
        ]

    def __str__(self):
        return f"{self.service_id}"


class LegalHold(ServiceOwnedModel):
    """Stops retention and erasure for one person until it is lifted."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    reason = models.CharField(_("reason"), max_length=300)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("placed by"),
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lift_reason = models.CharField(_("why lifted"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-created_at"]
        constraints = [
            # One hold in force per person at a time.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(lifted_at__isnull=True),
                name="legalhold_one_active_per_person",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="legalhold_has_reason"),
            # A lifted hold says by whom.
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | Q(lifted_by__isnull=False),
                name="legalhold_lifted_by_someone",
            ),
        ]
        indexes = [
            # Holds in force of a service (excluded from every retention run).
            models.Index(
                fields=["service", "person"],
                condition=Q(lifted_at__isnull=True),
                name="legalhold_active_idx",
            ),
        ]

    def __str__(self):
        return f"{self.person_id} ({self.created_at:%Y-%m-%d})"

    @property
    def active(self):
        return self.lifted_at is None


class Erasure(ServiceOwnedModel):
    """One person erased on request. Also the tombstone phones are told about at sync."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    reason = models.CharField(_("reason"), max_length=300)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("erased by"),
    )

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="erasure_has_reason"),
        ]
        indexes = [
            # Tombstones for the offline look-up list: erasures of the last 90 days.
            models.Index(fields=["service", "created_at"], name="erasure_recent_idx"),
        ]

    def __str__(self):
        return f"{self.person_id} ({self.created_at:%Y-%m-%d})"


class Rule(models.TextChoices):
    IDENTITY = "identity", _("Identity of persons without contact")
    NOTES = "notes", _("Free-text notes")
    REPORTER = "reporter", _("Reporters' contact details")
    CLOSED_INQUIRY = "closed_inquiry", _("Closed inquiries")
    AUDIT = "audit", _("Access log")
    ERASURE = "erasure", _("Erasure on request")


class ShreddingRecord(ServiceOwnedModel):
    """What was removed, when, under which rule and how many: never the content itself.

    `exception` says why something was kept where the law requires it (a notification that
    was sent, the access log).
    """

    rule = models.CharField(_("rule"), max_length=16, choices=Rule.choices)
    what = models.CharField(_("what"), max_length=40)
    count = models.PositiveIntegerField(_("how many"))
    exception = models.CharField(_("kept, because"), max_length=300, blank=True)
    # The rows of one retention run or one erasure share a batch.
    batch = models.UUIDField(_("run"))
    erasure = models.ForeignKey(
        Erasure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("erasure"),
    )

    class Meta:
        verbose_name = _("shredding record")
        verbose_name_plural = _("shredding records")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(rule__in=Rule.values), name="shredding_known_rule"),
        ]
        indexes = [
            # The shredding log page: newest first within a service.
            models.Index(fields=["service", "-created_at"], name="shredding_recent_idx"),
        ]

    def __str__(self):
        return f"{self.rule} {self.what} × {self.count}"


class ShreddedAuditEvent(models.Model):
    """Marks an audit row whose personal data has been shredded (the row itself never changes:
    its columns are hashed into the chain)."""

    event = models.OneToOneField(
        "audit.AuditEvent", on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    service = models.ForeignKey("organisation.Service", on_delete=models.PROTECT)
    record = models.ForeignKey(
        ShreddingRecord, on_delete=models.PROTECT, related_name="+", verbose_name=_("record")
    )
    marked_at = models.DateTimeField(_("marked"), auto_now_add=True)

    class Meta:
        verbose_name = _("shredded audit event")
        verbose_name_plural = _("shredded audit events")

    def __str__(self):
        return f"{self.event_id} shredded"
