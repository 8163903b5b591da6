"""Reads of partners and referrals. Reads of person-level referral data are audited."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_noop

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, get_scoped_or_404, scoped
from feltbok.referrals.models import (
    OPEN_STATUSES,
    Partner,
    Referral,
    ReferralEvent,
    ReferralKind,
)
from feltbok.referrals.services import overdue_days


def partners(actor, *, include_inactive=True):
    actor.require(Perm.VIEW_PARTNERS)
    queryset = scoped(actor, Partner)
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return queryset.order_by("partner_type", "name")


def partner_for(actor, code) -> Partner:
    actor.require(Perm.VIEW_PARTNERS)
    return get_scoped_or_404(actor, Partner, code=code)


def overdue_cutoff(service_id, now=None) -> datetime.datetime:
    """Referrals created before this moment without an outcome are overdue."""
    now = now or timezone.now()
    return now - datetime.timedelta(days=overdue_days(service_id))


def _mark(referrals, cutoff, today):
    for referral in referrals:
        referral.is_overdue = referral.is_open and referral.created_at < cutoff
        referral.follow_up_due = (
            referral.kind == ReferralKind.HOME_MUNICIPALITY
            and referral.follow_up_done_at is None
            and referral.follow_up_on is not None
            and referral.follow_up_on <= today
        )
    return referrals


def open_referral(actor, code) -> Referral:
    """A referral page: 404 outside the service, 403 without the right, audited as a read."""
    actor.require(Perm.MANAGE_REFERRALS)
    queryset = Referral.objects.select_related(
        "person", "partner", "owner", "consent_by"
    ).prefetch_related(
        Prefetch("events", queryset=ReferralEvent.objects.select_related("by").order_by("pk"))
    )
    referral = get_scoped_or_404(actor, queryset, code=code)
    log_action(actor, AuditAction.READ, referral, detail={"person": str(referral.person.code)})
    _mark([referral], overdue_cutoff(actor.service_id), timezone.localdate())
    return referral


def referral_for_update(actor, code) -> Referral:
    actor.require(Perm.MANAGE_REFERRALS)
    return get_scoped_or_404(actor, Referral.objects.select_related("person"), code=code)


@dataclass
class MyReferrals:
    overdue: list
    open: list
    follow_up_due: list
    overdue_days: int


def my_referrals(actor, limit=200) -> MyReferrals:
    """The acting worker's open referrals (overdue first) and transfer checks that are due."""
    actor.require(Perm.MANAGE_REFERRALS)
    today = timezone.localdate()
    days = overdue_days(actor.service_id)
    cutoff = timezone.now() - datetime.timedelta(days=days)
    base = scoped(actor, Referral).filter(owner=actor.user).select_related("person", "partner")
    open_rows = list(base.filter(status__in=OPEN_STATUSES).order_by("created_at")[:limit])
    due = list(
        base.filter(
            kind=ReferralKind.HOME_MUNICIPALITY,
            follow_up_done_at__isnull=True,
            follow_up_on__lte=today,
        ).order_by("follow_up_on")[:limit]
    )
    _mark(open_rows, cutoff, today)
    _mark(due, cutoff, today)
    shown = {r.pk: r for r in open_rows + due}
    if shown:
        log_action(
            actor,
            AuditAction.SEARCH,
            object_type="referral",
            reason=gettext_noop("my referrals"),
            detail={"results": [str(r.code) for r in shown.values()]},
        )
    return MyReferrals(
        overdue=[r for r in open_rows if r.is_overdue],
        open=[r for r in open_rows if not r.is_overdue],
        follow_up_due=due,
        overdue_days=days,
    )


def person_panel(actor, person, limit=20):
    """The person page's referrals, or None for a role that may not see them."""
    if not actor.can(Perm.MANAGE_REFERRALS):
        return None
    referrals = list(
        scoped(actor, Referral)
        .filter(person=person)
        .select_related("partner", "owner")
        .order_by("-created_at")[:limit]
    )
    return _mark(referrals, overdue_cutoff(actor.service_id), timezone.localdate())
