"""Writes of partners and referrals, each in one transaction with its audit entry."""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feltbok.accounts.models import Membership, Role
from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm
from feltbok.referrals.models import (
    OUTCOMES,
    TRANSITIONS,
    Partner,
    PartnerType,
    Referral,
    ReferralEvent,
    ReferralEventKind,
    ReferralKind,
    ReferralSettings,
    ReferralStatus,
)

DEFAULT_OVERDUE_DAYS = 14
# Who may own a referral: staff who follow persons up.
OWNER_ROLES = (Role.WORKER, Role.TEAM_LEAD)


class ReferralError(ValueError):
    """A rule of referrals was broken; the message is shown to the user."""


# -- Partners ------------------------------------------------------------------------------


@dataclass
class PartnerData:
    name: str
    partner_type: str
    municipality: str = ""
    contact: str = ""
    is_active: bool = True


def _check_partner(data: PartnerData):
    if not data.name.strip():
        raise ReferralError(_("Give the partner a name."))
    if data.partner_type not in PartnerType.values:
        raise ReferralError(_("Choose the kind of partner."))


def create_partner(actor, data: PartnerData) -> Partner:
    actor.require(Perm.MANAGE_PARTNERS)
    _check_partner(data)
    try:
        with transaction.atomic():
            partner = Partner.objects.create(
                service_id=actor.service_id,
                name=data.name.strip(),
                partner_type=data.partner_type,
                municipality=data.municipality.strip(),
                contact=data.contact.strip(),
                is_active=data.is_active,
            )
            log_action(actor, AuditAction.CREATE, partner)
    except IntegrityError as exc:
        raise ReferralError(_("The directory already has a partner with that name.")) from exc
    return partner


def update_partner(actor, partner: Partner, data: PartnerData) -> Partner:
    actor.require(Perm.MANAGE_PARTNERS)
    if partner.service_id != actor.service_id:
        raise ReferralError(_("Choose a partner of this service."))
    _check_partner(data)
    partner.name = data.name.strip()
    partner.partner_type = data.partner_type
    partner.municipality = data.municipality.strip()
    partner.contact = data.contact.strip()
    partner.is_active = data.is_active
    try:
        with transaction.atomic():
            partner.save(
                update_fields=[
                    "name",
                    "partner_type",
                    "municipality",
                    "contact",
                    "is_active",
                    "updated_at",
                ]
            )
            log_action(actor, AuditAction.UPDATE, partner)
    except IntegrityError as exc:
        raise ReferralError(_("The directory already has a partner with that name.")) from exc
    return partner


# -- Settings ------------------------------------------------------------------------------


def overdue_days(service_id) -> int:
    """The service's "overdue after N days", or the default when it has set none."""
    value = (
        ReferralSettings.objects.filter(service_id=service_id)
        .values_list("overdue_after_days", flat=True)
        .first()
    )
    return value or DEFAULT_OVERDUE_DAYS


def set_overdue_days(actor, days: int) -> ReferralSettings:
    actor.require(Perm.CONFIGURE_REFERRALS)
    if not isinstance(days, int) or not 1 <= days <= 365:
        raise ReferralError(_("Give a number of days from 1 to 365."))
    with transaction.atomic():
        row, _created = ReferralSettings.objects.select_for_update().get_or_create(
            service_id=actor.service_id
        )
        before = row.overdue_after_days
        row.overdue_after_days = days
        row.save(update_fields=["overdue_after_days", "updated_at"])
        log_action(
            actor,
            AuditAction.UPDATE,
            row,
            detail={"overdue_after_days": [before, days]},
        )
    return row


# -- Referrals -----------------------------------------------------------------------------


@dataclass
class ReferralData:
    person: object
    partner: Partner
    purpose: str
    kind: str = ReferralKind.REFERRAL
    owner: object = None  # the acting user when not given
    home_municipality: str = ""
    follow_up_on: datetime.date | None = None


def _check_referral(actor, data: ReferralData):
    if data.person is None or data.person.service_id != actor.service_id:
        raise ReferralError(_("Choose a person of this service."))
    if data.partner is None or data.partner.service_id != actor.service_id:
        raise ReferralError(
            _("That partner belongs to another service. Choose a partner from your directory.")
        )
    if not data.partner.is_active:
        raise ReferralError(_("That partner is no longer in use. Choose another."))
    if data.kind not in ReferralKind.values:
        raise ReferralError(_("Choose the kind of referral."))
    if not data.purpose.strip():
        raise ReferralError(_("Say what the referral is for."))
    if data.kind == ReferralKind.HOME_MUNICIPALITY:
        if not data.home_municipality.strip():
            raise ReferralError(_("A transfer needs the home municipality."))
        if data.follow_up_on is None:
            raise ReferralError(_("A transfer needs a date to check that the follow-up holds."))
        if data.follow_up_on < timezone.localdate():
            raise ReferralError(_("The follow-up check cannot be in the past."))
    owner = data.owner or actor.user
    if not Membership.objects.filter(
        user=owner, service_id=actor.service_id, role__in=OWNER_ROLES, is_active=True
    ).exists():
        raise ReferralError(_("The responsible worker must be staff of this service."))
    return owner


def create_referral(actor, data: ReferralData) -> Referral:
    """Propose a referral of a person to a partner of the same service."""
    actor.require(Perm.MANAGE_REFERRALS)
    owner = _check_referral(actor, data)
    now = timezone.now()
    is_transfer = data.kind == ReferralKind.HOME_MUNICIPALITY
    with transaction.atomic():
        referral = Referral.objects.create(
            service_id=actor.service_id,
            person=data.person,
            partner=data.partner,
            kind=data.kind,
            purpose=data.purpose.strip(),
            owner=owner,
            created_by=actor.user,
            status=ReferralStatus.PROPOSED,
            status_changed_at=now,
            home_municipality=data.home_municipality.strip() if is_transfer else "",
            follow_up_on=data.follow_up_on if is_transfer else None,
        )
        ReferralEvent.objects.create(
            service_id=actor.service_id,
            referral=referral,
            kind=ReferralEventKind.CREATED,
            to_status=ReferralStatus.PROPOSED,
            occurred_at=now,
            by=actor.user,
        )
        log_action(
            actor,
            AuditAction.CREATE,
            referral,
            detail={"person": str(data.person.code), "partner": str(data.partner.code)},
        )
    return referral


def _locked(actor, referral) -> Referral:
    if referral.service_id != actor.service_id:
        raise ReferralError(_("Choose a referral of this service."))
    return Referral.objects.select_for_update().get(pk=referral.pk)


def record_consent(actor, referral: Referral, scope: str = "") -> Referral:
    """The person agrees that the partner may be told what is needed for the referral."""
    actor.require(Perm.MANAGE_REFERRALS)
    now = timezone.now()
    with transaction.atomic():
        current = _locked(actor, referral)
        if current.consent_at is not None:
            raise ReferralError(_("Consent to share is already recorded."))
        if not current.is_open:
            raise ReferralError(_("This referral has ended."))
        current.consent_at = now
        current.consent_by = actor.user
        current.consent_scope = scope.strip()[:500]
        current.save(update_fields=["consent_at", "consent_by", "consent_scope", "updated_at"])
        ReferralEvent.objects.create(
            service_id=actor.service_id,
            referral=current,
            kind=ReferralEventKind.CONSENT,
            note=current.consent_scope,
            occurred_at=now,
            by=actor.user,
        )
        log_action(actor, AuditAction.UPDATE, current, detail={"consent": True})
    return current


def change_status(
    actor,
    referral: Referral,
    to_status: str,
    *,
    note: str = "",
    appointment_at: datetime.datetime | None = None,
) -> Referral:
    """Take one allowed step; sending needs consent, an appointment needs its time."""
    actor.require(Perm.MANAGE_REFERRALS)
    if to_status not in ReferralStatus.values:
        raise ReferralError(_("Choose the next step."))
    now = timezone.now()
    with transaction.atomic():
        current = _locked(actor, referral)
        before = current.status
        if to_status not in TRANSITIONS[before]:
            raise ReferralError(
                _("A referral cannot go from “%(from)s” to “%(to)s”.")
                % {
                    "from": ReferralStatus(before).label,
                    "to": ReferralStatus(to_status).label,
                }
            )
        if to_status == ReferralStatus.SENT and current.consent_at is None:
            raise ReferralError(
                _("Record the person's consent to share before the referral is sent.")
            )
        fields = ["status", "status_changed_at", "updated_at"]
        if to_status == ReferralStatus.APPOINTMENT:
            if appointment_at is None:
                raise ReferralError(_("Give the time of the appointment."))
            current.appointment_at = appointment_at
            fields.append("appointment_at")
        if to_status in OUTCOMES:
            current.closed_at = now
            fields.append("closed_at")
        current.status = to_status
        current.status_changed_at = now
        current.save(update_fields=fields)
        ReferralEvent.objects.create(
            service_id=actor.service_id,
            referral=current,
            kind=ReferralEventKind.STATUS,
            from_status=before,
            to_status=to_status,
            note=note.strip()[:2000],
            occurred_at=now,
            by=actor.user,
        )
        log_action(actor, AuditAction.UPDATE, current, detail={"status": [before, to_status]})
    return current


def record_follow_up_check(actor, referral: Referral, note: str) -> Referral:
    """The check that a transfer home holds: what was found, and when."""
    actor.require(Perm.MANAGE_REFERRALS)
    if not note.strip():
        raise ReferralError(_("Write what the follow-up check found."))
    now = timezone.now()
    with transaction.atomic():
        current = _locked(actor, referral)
        if not current.is_transfer:
            raise ReferralError(
                _("Only a transfer to the home municipality has a follow-up check.")
            )
        if current.follow_up_done_at is not None:
            raise ReferralError(_("The follow-up check is already recorded."))
        current.follow_up_done_at = now
        current.follow_up_note = note.strip()[:2000]
        current.save(update_fields=["follow_up_done_at", "follow_up_note", "updated_at"])
        ReferralEvent.objects.create(
            service_id=actor.service_id,
            referral=current,
            kind=ReferralEventKind.FOLLOW_UP,
            note=current.follow_up_note,
            occurred_at=now,
            by=actor.user,
        )
        log_action(actor, AuditAction.UPDATE, current, detail={"follow_up_check": True})
    return current
