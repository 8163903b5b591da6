"""The partner directory and referrals (bridge-building) to partners.

A referral moves through fixed steps (`TRANSITIONS`); every change is a `ReferralEvent` with
who and when. Consent to share is recorded per referral and is required before it is sent.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import ServiceOwnedModel


class PartnerType(models.TextChoices):
    SOCIAL_SERVICES = "social_services", _("Social services / NAV")
    CHILD_WELFARE = "child_welfare", _("Child welfare")
    ADDICTION = "addiction", _("Addiction services (TSB)")
    PSYCHIATRY = "psychiatry", _("Psychiatry")
    GP = "gp", _("GP / emergency clinic")
    HOUSING = "housing", _("Housing office")
    SHELTER = "shelter", _("Shelter")
    POLICE = "police", _("Police")
    REGION = "region", _("Region / specialist health care")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    OTHER = "other", _("Other")


class Partner(ServiceOwnedModel):
    """A service the team refers people to; names are the country's own."""

    name = models.CharField(_("name"), max_length=160)
    partner_type = models.CharField(_("type"), max_length=20, choices=PartnerType.choices)
    municipality = models.CharField(_("municipality"), max_length=80, blank=True)
    contact = models.TextField(
        _("contact details"),
        blank=True,
        max_length=1000,
        help_text=_("Address, telephone, opening hours, who to ask for."),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="partner_unique_name"),
            models.CheckConstraint(
                condition=Q(partner_type__in=PartnerType.values), name="partner_known_type"
            ),
        ]

    def __str__(self):
        return self.name


class ReferralSettings(ServiceOwnedModel):
    """The service's referral settings (one row per service; defaults when missing)."""

    overdue_after_days = models.PositiveSmallIntegerField(
        _("overdue after (days)"),
        default=14,
        help_text=_("A referral without an outcome after this many days shows as overdue."),
    )

    class Meta:
        verbose_name = _("referral settings")
        verbose_name_plural = _("referral settings")
        constraints = [
            models.UniqueConstraint(fields=["service"], name="referralsettings_one_per_service"),
            # Backs up the form: zero days would make every referral overdue at once.
            models.CheckConstraint(
                condition=Q(overdue_after_days__gte=1, overdue_after_days__lte=365),
                name="referralsettings_days_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.service_id}: {self.overdue_after_days}"


class ReferralKind(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    HOME_MUNICIPALITY = "home_municipality", _("Transfer to the home municipality")


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    AGREED = "agreed", _("Agreed with the person")
    SENT = "sent", _("Sent")
    APPOINTMENT = "appointment", _("Appointment booked")
    ACCOMPANIED = "accompanied", _("Accompanied (warm handover)")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")
    NO_RESPONSE = "no_response", _("No response")


S = ReferralStatus
# The allowed steps. An outcome (completed, declined, no response) ends the referral.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PROPOSED: (S.AGREED, S.DECLINED),
    S.AGREED: (S.SENT, S.DECLINED),
    S.SENT: (S.APPOINTMENT, S.COMPLETED, S.DECLINED, S.NO_RESPONSE),
    S.APPOINTMENT: (S.ACCOMPANIED, S.COMPLETED, S.DECLINED, S.NO_RESPONSE),
    S.ACCOMPANIED: (S.COMPLETED, S.DECLINED, S.NO_RESPONSE),
    S.COMPLETED: (),
    S.DECLINED: (),
    S.NO_RESPONSE: (),
}
OUTCOMES = (S.COMPLETED, S.DECLINED, S.NO_RESPONSE)
OPEN_STATUSES = tuple(status for status in S.values if status not in OUTCOMES)


class Referral(ServiceOwnedModel):
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("person"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("partner")
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=ReferralKind.choices, default=ReferralKind.REFERRAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=S.PROPOSED
    )
    purpose = models.TextField(_("what for"), max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible worker"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    consent_at = models.DateTimeField(_("consent to share recorded"), null=True, blank=True)
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("consent recorded by"),
    )
    consent_scope = models.CharField(_("what may be shared"), max_length=500, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"))
    closed_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)
    # Transfer to the home municipality: where to, and when to check that it holds.
    home_municipality = models.CharField(_("home municipality"), max_length=80, blank=True)
    follow_up_on = models.DateField(_("follow-up check on"), null=True, blank=True)
    follow_up_done_at = models.DateTimeField(_("follow-up check done"), null=True, blank=True)
    follow_up_note = models.TextField(_("follow-up check"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_known_status"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReferralKind.values), name="referral_known_kind"
            ),
            # Nothing is sent on without the person's consent to share.
            models.CheckConstraint(
                condition=Q(status__in=[S.PROPOSED, S.AGREED, S.DECLINED])
                | Q(consent_at__isnull=False),
                name="referral_sent_needs_consent",
            ),
            # A transfer home always has a place and a date to check on it.
            models.CheckConstraint(
                condition=~Q(kind=ReferralKind.HOME_MUNICIPALITY)
                | (Q(follow_up_on__isnull=False) & ~Q(home_municipality="")),
                name="referral_transfer_has_follow_up",
            ),
        ]
        indexes = [
            # "My referrals": the owner's open referrals, oldest first.
            models.Index(fields=["service", "owner", "status"], name="referral_owner_idx"),
            # The person page's referral panel.
            models.Index(fields=["service", "person", "-created_at"], name="referral_person_idx"),
        ]

    def __str__(self):
        return f"{self.person} → {self.partner}"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def next_statuses(self):
        return [(value, ReferralStatus(value).label) for value in TRANSITIONS[self.status]]

    @property
    def is_transfer(self):
        return self.kind == ReferralKind.HOME_MUNICIPALITY


class ReferralEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    CONSENT = "consent", _("Consent to share recorded")
    FOLLOW_UP = "follow_up", _("Follow-up check done")


class ReferralEvent(ServiceOwnedModel):
    """One dated step of a referral, with who took it."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="events", verbose_name=_("referral")
    )
    kind = models.CharField(_("what"), max_length=12, choices=ReferralEventKind.choices)
    from_status = models.CharField(
        _("from"), max_length=20, choices=ReferralStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=ReferralStatus.choices, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    occurred_at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["occurred_at", "pk"]

    def __str__(self):
        return f"{self.referral_id} {self.kind} {self.to_status}"
