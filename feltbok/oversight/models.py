"""Emergency access ("break the glass"): a time-limited grant to open one person's record.

A grant is written together with its audit row (flagged `emergency` in the detail, with the
reason); the grant itself is never changed afterwards except to end it early.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import ServiceOwnedModel

# The free-text reason must say something: at least this many characters (after trimming).
REASON_MIN_LENGTH = 10


class ReasonKind(models.TextChoices):
    LIFE_AND_HEALTH = "life_health", _("Life or health at risk")
    INQUIRY = "inquiry", _("A call or inquiry about the person")
    COVERING = "covering", _("Covering for the contact person")
    PARTNER = "partner", _("A partner service needs an answer")
    RETURNING = "returning", _("The person is back in contact")
    OTHER = "other", _("Other")


class EmergencyAccess(ServiceOwnedModel):
    """One user's reasoned access to one person outside their normal scope, until it expires."""

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="emergency_accesses",
        verbose_name=_("person"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="emergency_accesses",
        verbose_name=_("staff member"),
    )
    role = models.CharField(_("role"), max_length=20)
    reason_kind = models.CharField(_("reason"), max_length=12, choices=ReasonKind.choices)
    reason_text = models.CharField(_("explanation"), max_length=300)
    granted_at = models.DateTimeField(_("granted"))
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        ordering = ["-granted_at"]
        constraints = [
            # A grant ends after it starts.
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("granted_at")), name="emergencyaccess_expires_after"
            ),
            # Every grant has a reason from the list and an explanation that says something.
            models.CheckConstraint(
                condition=Q(reason_kind__in=ReasonKind.values),
                name="emergencyaccess_known_reason",
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("reason_text"), REASON_MIN_LENGTH),
                name="emergencyaccess_reason_text_length",
            ),
        ]
        indexes = [
            # The person-page gate: "has this user a current grant for this person?"
            models.Index(fields=["user", "person", "-expires_at"], name="emergency_gate_idx"),
            # The team lead's list and the review: grants of a service in a period.
            models.Index(fields=["service", "-granted_at"], name="emergency_service_time_idx"),
        ]

    def __str__(self):
        return f"{self.user_id} → {self.person_id} ({self.granted_at:%Y-%m-%d %H:%M})"

    def is_active(self, now) -> bool:
        return self.granted_at <= now < self.expires_at
