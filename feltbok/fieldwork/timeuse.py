"""Time use: field hours against follow-up hours, per worker and per team.

Field time comes from ended patrols: every member (first, second and further members) is
credited with the patrol's duration from start to end. Follow-up time is what staff register
themselves (`FollowUpTime`). The seeds say outreach workers spend about half their time in
the field and half on follow-up; this view shows how close a team is to that.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from feltbok.accounts.models import Membership, Role
from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, scoped
from feltbok.fieldwork.models import FollowUpTime, Patrol, PatrolStatus

MIN_MINUTES = 1
MAX_MINUTES = 960  # 16 hours: also the most one person can register for one day
MAX_NOTE = 200
EARLIEST_DATE = datetime.date(2000, 1, 1)
# Roles whose time use is shown even when they have no hours in the period.
TIME_ROLES = (Role.WORKER, Role.PEER_WORKER, Role.TEAM_LEAD)


class TimeUseError(ValueError):
    """Input that breaks a rule of time registration; the message is shown to the user."""


# -- Writes -------------------------------------------------------------------------------


def register_follow_up_time(actor, *, date, minutes, note="") -> FollowUpTime:
    """Register the actor's own follow-up time for one day, audited in the same transaction."""
    actor.require(Perm.RECORD_TIME)
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise TimeUseError(_("Enter the date the work was done."))
    if date > timezone.localdate():
        raise TimeUseError(_("Time can only be registered for today or earlier."))
    if date < EARLIEST_DATE:
        raise TimeUseError(_("Enter the date the work was done."))
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TimeUseError(_("Enter the time as whole minutes."))
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise TimeUseError(
            _("Enter between %(low)s and %(high)s minutes (16 hours).")
            % {"low": MIN_MINUTES, "high": MAX_MINUTES}
        )
    note = (note or "").strip()
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in note) or "\x7f" in note:
        raise TimeUseError(_("The text contains characters that cannot be stored."))
    if len(note) > MAX_NOTE:
        raise TimeUseError(_("The note can be at most %(max)s characters.") % {"max": MAX_NOTE})
    with transaction.atomic():
        # One writer per person at a time, so two quick submissions cannot pass 16 hours.
        Membership.objects.select_for_update().filter(pk=actor.membership.pk).first()
        already = (
            scoped(actor, FollowUpTime)
            .filter(user=actor.user, date=date)
            .aggregate(total=Sum("minutes"))["total"]
            or 0
        )
        if already + minutes > MAX_MINUTES:
            raise TimeUseError(
                _(
                    "You have already registered %(hours)s for that day; "
                    "one day can hold at most 16 hours."
                )
                % {"hours": format_minutes(already)}
            )
        entry = FollowUpTime.objects.create(
            service_id=actor.service_id, user=actor.user, date=date, minutes=minutes, note=note
        )
        # The note stays out of the audit log: it may describe a person.
        log_action(
            actor,
            AuditAction.CREATE,
            entry,
            detail={"date": date.isoformat(), "minutes": minutes},
        )
    return entry


def format_minutes(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}


# -- Reads --------------------------------------------------------------------------------


def recent_entries(actor, limit=20) -> list[FollowUpTime]:
    """The actor's own latest registrations."""
    actor.require(Perm.RECORD_TIME)
    return list(
        scoped(actor, FollowUpTime).filter(user=actor.user).order_by("-date", "-created_at")[:limit]
    )


@dataclass
class TimeUse:
    """Minutes in the field and on follow-up for one worker, one team or everyone."""

    field_minutes: int = 0
    follow_up_minutes: int = 0

    @property
    def total_minutes(self) -> int:
        return self.field_minutes + self.follow_up_minutes

    @property
    def field_hours(self) -> float:
        return round(self.field_minutes / 60, 1)

    @property
    def follow_up_hours(self) -> float:
        return round(self.follow_up_minutes / 60, 1)

    @property
    def field_share(self) -> int | None:
        """Per cent of the time in the field, or None with no time at all."""
        if not self.total_minutes:
            return None
        return round(100 * self.field_minutes / self.total_minutes)

    def add(self, other: "TimeUse") -> None:
        self.field_minutes += other.field_minutes
        self.follow_up_minutes += other.follow_up_minutes


@dataclass
class WorkerTimeUse(TimeUse):
    user: object = None
    team: object = None
    role_label: str = ""


@dataclass
class TeamTimeUse(TimeUse):
    team: object = None
    workers: list[WorkerTimeUse] = field(default_factory=list)


@dataclass
class TimeUseReport:
    start: datetime.date
    end: datetime.date
    teams: list[TeamTimeUse]
    total: TimeUse


def field_seconds_by_user(actor, start, end) -> dict[int, int]:
    """Seconds on ended patrols dated in [start, end], per member; two queries in all.

    The service's own patrols and the joint patrols other services ran with it as a partner:
    its staff's hours there are field hours too.
    """
    ended = Patrol.objects.filter(
        Q(service_id=actor.service_id) | Q(partner_services=actor.service_id),
        status=PatrolStatus.ENDED,
        date__gte=start,
        date__lte=end,
    )
    patrols = list(
        ended.values_list(
            "pk", "first_member_id", "second_member_id", "started_at", "ended_at"
        ).distinct()
    )
    others: dict[int, set[int]] = {}
    through = Patrol.other_members.through.objects.filter(patrol__in=ended)
    for patrol_id, user_id in through.values_list("patrol_id", "user_id"):
        others.setdefault(patrol_id, set()).add(user_id)
    seconds: dict[int, int] = {}
    for pk, first, second, started_at, ended_at in patrols:
        duration = int((ended_at - started_at).total_seconds())
        # A set, so nobody is credited twice for one patrol.
        for user_id in {first, second} | others.get(pk, set()):
            seconds[user_id] = seconds.get(user_id, 0) + duration
    return seconds


def time_use(actor, start: datetime.date, end: datetime.date) -> TimeUseReport:
    """Field and follow-up time per worker and per team in the period (both days included).

    Workers are the service's members in field roles, and any other member with time in
    the period; staff of other services on joint patrols count in their own service, and
    this service's staff on other services' joint patrols count here.
    """
    actor.require(Perm.VIEW_TIME_USE)
    field_seconds = field_seconds_by_user(actor, start, end)
    follow_up = {
        row["user_id"]: row["minutes"]
        for row in scoped(actor, FollowUpTime)
        .filter(date__gte=start, date__lte=end)
        .values("user_id")
        .annotate(minutes=Sum("minutes"))
        .order_by()
    }
    memberships = (
        Membership.objects.filter(service_id=actor.service_id)
        .select_related("user", "team")
        .order_by("team__name", "user__first_name", "user__last_name", "user__email")
    )
    teams: dict[int | None, TeamTimeUse] = {}
    total = TimeUse()
    for membership in memberships:
        user_id = membership.user_id
        row = WorkerTimeUse(
            user=membership.user,
            team=membership.team,
            role_label=membership.get_role_display(),
            field_minutes=round(field_seconds.get(user_id, 0) / 60),
            follow_up_minutes=follow_up.get(user_id, 0),
        )
        in_field_role = membership.is_active and membership.role in TIME_ROLES
        if not in_field_role and not row.total_minutes:
            continue
        team = teams.setdefault(membership.team_id, TeamTimeUse(team=membership.team))
        team.workers.append(row)
        team.add(row)
        total.add(row)
    # Teams by name; workers without a team last.
    ordered = sorted(teams.values(), key=lambda t: (t.team is None, t.team.name if t.team else ""))
    return TimeUseReport(start=start, end=end, teams=ordered, total=total)
