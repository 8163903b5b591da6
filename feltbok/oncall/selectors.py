"""Reads of the on-call line. Reads of inquiries are audited; opening hours are public."""

import datetime
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q
from django.db.models.signals import post_delete, post_save
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_noop

from feltbok.accounts.models import Role, User
from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, scoped
from feltbok.fieldwork.models import Patrol, PatrolStatus
from feltbok.oncall.models import (
    OPEN_STATUSES,
    URGENCY_RANK,
    Inquiry,
    InquiryEvent,
    LineKind,
    OncallSettings,
    OpeningException,
    OpeningHours,
    WalkInVisit,
)
from feltbok.oncall.services import ASSIGNEE_ROLES, settings_for
from feltbok.organisation.models import Service

UTC = datetime.UTC


# -- Opening hours -------------------------------------------------------------------------


def _zone(service) -> ZoneInfo:
    row = OncallSettings.objects.filter(service=service).values_list("time_zone", flat=True)
    return ZoneInfo(row.first() or timezone.get_default_timezone_name())


def _periods_of_day(day, weekly, exceptions, zone):
    """The (start, end) periods in UTC that open on local date `day`."""
    exception = exceptions.get(day)
    if exception is not None:
        times = [] if exception.closed else [(exception.opens, exception.closes)]
    else:
        times = [(row.opens, row.closes) for row in weekly.get(day.weekday(), [])]
    periods = []
    for opens, closes in times:
        end_day = day + datetime.timedelta(days=1) if closes <= opens else day
        start = datetime.datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
        end = datetime.datetime.combine(end_day, closes, tzinfo=zone).astimezone(UTC)
        periods.append((start, end))
    return periods


def open_periods(service, kind, first, last, zone=None):
    """Opening periods (UTC start, UTC end) that begin on local days first..last, in order."""
    zone = zone or _zone(service)
    weekly: dict[int, list] = {}
    for row in OpeningHours.objects.filter(service=service, kind=kind).order_by("opens"):
        weekly.setdefault(row.weekday, []).append(row)
    exceptions = {
        row.date: row
        for row in OpeningException.objects.filter(
            service=service, kind=kind, date__gte=first, date__lte=last
        )
    }
    periods = []
    day = first
    while day <= last:
        periods.extend(_periods_of_day(day, weekly, exceptions, zone))
        day += datetime.timedelta(days=1)
    return periods


def is_open(service, kind, at=None) -> bool:
    """Whether the service's line (on-call or walk-in) is open at the moment `at`.

    Periods may close after midnight (Friday 08–04); a dated exception replaces the
    week's hours of the day it falls on, and so also what runs past that midnight.
    Computed in the service's time zone, so summer time changes are followed.
    """
    at = (at or timezone.now()).astimezone(UTC)
    zone = _zone(service)
    local_day = at.astimezone(zone).date()
    periods = open_periods(
        service, kind, local_day - datetime.timedelta(days=1), local_day, zone=zone
    )
    return any(start <= at < end for start, end in periods)


UPCOMING_DAYS = 14


@dataclass
class PublicHours:
    on_call_open: bool
    on_call_hours: list
    walk_in_hours: list
    exceptions: list


def public_hours(settings_row, at=None) -> PublicHours:
    """What the public pages show: the week's hours, "open now" and the coming exceptions."""
    from feltbok.oncall.models import Weekday

    zone = ZoneInfo(settings_row.time_zone or timezone.get_default_timezone_name())
    at = (at or timezone.now()).astimezone(UTC)
    local_day = at.astimezone(zone).date()
    rows, nearby = _public_rows(settings_row.service_id, local_day)
    week = {kind: {day: [] for day in range(7)} for kind in LineKind.values}
    on_call: dict[int, list] = {}
    for row in rows:
        week[row.kind][row.weekday].append((row.opens, row.closes))
        if row.kind == LineKind.ON_CALL:
            on_call.setdefault(row.weekday, []).append(row)
    yesterday = local_day - datetime.timedelta(days=1)
    exceptions = {
        row.date: row for row in nearby if row.kind == LineKind.ON_CALL and row.date <= local_day
    }
    periods = _periods_of_day(yesterday, on_call, exceptions, zone) + _periods_of_day(
        local_day, on_call, exceptions, zone
    )

    def days(kind):
        return [DayHours(day, Weekday(day).label, week[kind][day]) for day in range(7)]

    return PublicHours(
        on_call_open=any(start <= at < end for start, end in periods),
        on_call_hours=days(LineKind.ON_CALL),
        walk_in_hours=days(LineKind.WALK_IN),
        exceptions=[row for row in nearby if row.date >= local_day],
    )


def _public_rows(service_id, local_day):
    """The week's hours, and the exceptions from yesterday (which decide what runs past
    midnight) to two weeks ahead. Two queries, kept for a short while (see _cached)."""

    def fetch():
        rows = list(OpeningHours.objects.filter(service_id=service_id).order_by("opens"))
        nearby = list(
            OpeningException.objects.filter(
                service_id=service_id,
                date__gte=local_day - datetime.timedelta(days=1),
                date__lte=local_day + datetime.timedelta(days=UPCOMING_DAYS),
            ).order_by("date", "kind")
        )
        return rows, nearby

    return _cached(("hours", service_id, local_day), fetch)


# The public pages are the ones anybody can load many times a second, and what they read
# (settings, opening hours) changes a few times a year. Each process keeps it for
# PUBLIC_CACHE_SECONDS; a change made in this process clears it at once (signals below), one
# made in another worker is seen within that time.
PUBLIC_CACHE_SECONDS = 30
_public_cache: dict[tuple, tuple[float, object]] = {}


def _cached(key, fetch):
    now = time.monotonic()
    hit = _public_cache.get(key)
    if hit is not None and now - hit[0] < PUBLIC_CACHE_SECONDS:
        return hit[1]
    value = fetch()
    _public_cache[key] = (now, value)
    return value


def clear_public_cache(**_kwargs):
    _public_cache.clear()


for _model in (Service, OncallSettings, OpeningHours, OpeningException):
    post_save.connect(clear_public_cache, sender=_model, dispatch_uid=f"public-{_model.__name__}")
    post_delete.connect(
        clear_public_cache, sender=_model, dispatch_uid=f"public-del-{_model.__name__}"
    )


@dataclass
class DayHours:
    weekday: int
    label: str
    periods: list  # (opens, closes) local times


def weekly_hours(service, kind) -> list[DayHours]:
    """The week's hours for the public page: Monday first, closed days included."""
    from feltbok.oncall.models import Weekday

    rows: dict[int, list] = {day: [] for day in range(7)}
    for row in OpeningHours.objects.filter(service=service, kind=kind).order_by("opens"):
        rows[row.weekday].append((row.opens, row.closes))
    return [DayHours(day, Weekday(day).label, rows[day]) for day in range(7)]


def upcoming_exceptions(service, days=60):
    today = timezone.localdate()
    return list(
        OpeningException.objects.filter(
            service=service, date__gte=today, date__lte=today + datetime.timedelta(days=days)
        ).order_by("date", "kind")
    )


@dataclass
class LineStatus:
    kind: str
    label: str
    is_open: bool
    hours: list


def line_status(service, at=None) -> list[LineStatus]:
    return [
        LineStatus(kind, label, is_open(service, kind, at), weekly_hours(service, kind))
        for kind, label in LineKind.choices
    ]


def public_services():
    """Services that take concerns through the public form."""
    return (
        OncallSettings.objects.filter(public_form_enabled=True)
        .select_related("service")
        .order_by("service__name")
    )


def public_settings(slug) -> OncallSettings:
    def fetch():
        return (
            OncallSettings.objects.filter(public_slug=slug, public_form_enabled=True)
            .select_related("service")
            .first()
        )

    row = _cached(("settings", slug), fetch)
    if row is None:
        raise Http404
    return row


# -- Inquiries -----------------------------------------------------------------------------


def _with_related(queryset):
    return queryset.select_related(
        "person", "patrol", "patrol__first_member", "patrol__second_member", "assignee"
    )


def _visible(actor, queryset):
    """Triage staff see all of their service's inquiries; others only what was sent to them."""
    queryset = scoped(actor, queryset)
    if actor.can(Perm.TRIAGE_INQUIRIES):
        return queryset
    actor.require(Perm.HANDLE_INQUIRIES)
    user = actor.user
    mine = (
        Q(patrol__first_member=user) | Q(patrol__second_member=user) | Q(patrol__other_members=user)
    )
    if actor.role != Role.PEER_WORKER:
        mine |= Q(assignee=user)
    ids = scoped(actor, Inquiry).filter(mine).values("pk")
    return queryset.filter(pk__in=ids)


def open_inquiry(actor, code) -> Inquiry:
    """An inquiry page: 404 outside the service or when not sent to the actor; audited."""
    actor.require(Perm.HANDLE_INQUIRIES)
    queryset = _with_related(Inquiry.objects.all()).prefetch_related(
        "patrol__other_members",
        Prefetch(
            "events",
            queryset=InquiryEvent.objects.select_related("by", "patrol", "assignee").order_by(
                "occurred_at", "pk"
            ),
        ),
    )
    try:
        inquiry = _visible(actor, queryset).get(code=code)
    except Inquiry.DoesNotExist as exc:
        raise Http404 from exc
    detail = {"person": str(inquiry.person.code)} if inquiry.person_id else {}
    log_action(actor, AuditAction.READ, inquiry, detail=detail)
    return inquiry


def inquiry_for_update(actor, code) -> Inquiry:
    actor.require(Perm.HANDLE_INQUIRIES)
    queryset = Inquiry.objects.select_related("patrol").prefetch_related("patrol__other_members")
    try:
        return _visible(actor, queryset).get(code=code)
    except Inquiry.DoesNotExist as exc:
        raise Http404 from exc


def _audit_list(actor, rows, reason):
    if rows:
        log_action(
            actor,
            AuditAction.SEARCH,
            object_type="inquiry",
            reason=reason,
            detail={"results": [str(row.code) for row in rows]},
        )


@dataclass
class Board:
    inquiries: list
    closed_today: list
    now: datetime.datetime


def board(actor, limit=200) -> Board:
    """Open inquiries by urgency (acute first), then age (oldest first); closed today."""
    actor.require(Perm.TRIAGE_INQUIRIES)
    now = timezone.now()
    rows = list(
        _with_related(scoped(actor, Inquiry).filter(status__in=OPEN_STATUSES)).order_by(
            "received_at"
        )[:limit]
    )
    rows.sort(key=lambda row: (URGENCY_RANK.get(row.urgency, 9), row.received_at))
    for row in rows:
        row.age = now - row.received_at
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    closed = list(
        _with_related(
            scoped(actor, Inquiry).filter(status="closed", closed_at__gte=start_of_day)
        ).order_by("-closed_at")[:50]
    )
    _audit_list(actor, rows + closed, gettext_noop("dispatch board"))
    return Board(inquiries=rows, closed_today=closed, now=now)


def sent_to_me(actor, limit=100) -> list:
    """Open inquiries sent to the actor's patrols or to the actor."""
    actor.require(Perm.HANDLE_INQUIRIES)
    user = actor.user
    mine = (
        Q(patrol__first_member=user) | Q(patrol__second_member=user) | Q(patrol__other_members=user)
    )
    if actor.role != Role.PEER_WORKER:
        mine |= Q(assignee=user)
    ids = scoped(actor, Inquiry).filter(mine, status__in=OPEN_STATUSES).values("pk")
    rows = list(_with_related(Inquiry.objects.filter(pk__in=ids)).order_by("received_at")[:limit])
    rows.sort(key=lambda row: (URGENCY_RANK.get(row.urgency, 9), row.received_at))
    _audit_list(actor, rows, gettext_noop("inquiries sent to me"))
    return rows


def patrol_inquiries(actor, patrol) -> list:
    """Open inquiries sent to a patrol, for its members in patrol mode (audited)."""
    if actor is None or not actor.can(Perm.HANDLE_INQUIRIES):
        return []
    if patrol.service_id != actor.service_id or actor.user.pk not in patrol.member_ids():
        return []
    rows = list(
        Inquiry.objects.filter(patrol=patrol, status__in=OPEN_STATUSES)
        .select_related("person")
        .order_by("received_at")
    )
    rows.sort(key=lambda row: (URGENCY_RANK.get(row.urgency, 9), row.received_at))
    _audit_list(actor, rows, gettext_noop("patrol mode"))
    return rows


def patrols_on_duty(actor):
    """Patrols of the actor's service under way now: the only ones an inquiry can go to."""
    return (
        scoped(actor, Patrol)
        .filter(status=PatrolStatus.ACTIVE)
        .select_related("first_member", "second_member")
        .prefetch_related("areas")
        .order_by("started_at")
    )


def assignable_staff(actor):
    return (
        User.objects.filter(
            memberships__service_id=actor.service_id,
            memberships__role__in=ASSIGNEE_ROLES,
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name")
    )


# -- Walk-in visits ------------------------------------------------------------------------


def known_person_by_nickname(actor, nickname):
    """The one person of the service with exactly this nickname; (person, None) or (None, why).

    The look-up is audited as a search of persons, as the search page's is.
    """
    from feltbok.people.models import Person
    from feltbok.people.services import normalise_nickname

    actor.require(Perm.SEARCH_PERSON)
    norm = normalise_nickname(nickname)
    found = list(scoped(actor, Person).filter(nickname_norm=norm).only("code", "nickname")[:2])
    log_action(
        actor,
        AuditAction.SEARCH,
        object_type="person",
        detail={"kind": "nickname_exact", "results": [str(p.code) for p in found]},
    )
    if not found:
        return None, "none"
    if len(found) > 1:
        return None, "several"
    return found[0], None


def walk_ins_on(actor, day) -> list:
    """The walk-in visits of one local day (audited when any are shown)."""
    actor.require(Perm.RECORD_WALKINS)
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    rows = list(
        scoped(actor, WalkInVisit)
        .filter(occurred_at__gte=start, occurred_at__lt=end)
        .select_related("person", "recorded_by")
        .order_by("occurred_at")
    )
    if rows:
        log_action(
            actor,
            AuditAction.SEARCH,
            object_type="walkinvisit",
            reason=gettext_noop("walk-ins of the day"),
            detail={"date": day.isoformat(), "results": [str(row.code) for row in rows]},
        )
    return rows


def settings_page(actor):
    actor.require(Perm.CONFIGURE_ONCALL)
    service = actor.service
    return {
        "settings": settings_for(service),
        "hours": list(scoped(actor, OpeningHours).order_by("kind", "weekday", "opens")),
        "exceptions": list(
            scoped(actor, OpeningException)
            .filter(date__gte=timezone.localdate() - datetime.timedelta(days=7))
            .order_by("date", "kind")
        ),
    }
