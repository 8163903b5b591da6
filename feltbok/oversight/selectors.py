"""Reads for emergency access and the access-log review.

`in_normal_scope` is the one definition of a staff member's normal scope for a person (ADR 0011):

1. a team lead is always in scope (they supervise every record of the service);
2. the person is in the service's active caseload: registered or last met by the service within
   `FELTBOK_NORMAL_SCOPE_DAYS` (365 by default) — patrols meet anyone, colleagues cover for each
   other and the on-call line gets calls about anyone the service knows, so ordinary work is
   never blocked;
3. the staff member has a personal relation to the person, however old: they registered the
   person, recorded an encounter with them or were on its patrol, are or were their contact
   person, own a follow-up task or a referral for them;
4. they hold an emergency access for the person that has not expired.

Everything else (dormant records with no relation to the reader) needs a reason first.

The review (`review_findings`) is stricter than the scope: any read of a person page with no
personal relation (3) that explains it is listed as "unexplained", even inside the caseload.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feltbok.accounts.models import Membership, Role
from feltbok.audit.models import AuditAction, AuditEvent
from feltbok.core.access import Perm, get_scoped_or_404, scoped
from feltbok.oversight.models import EmergencyAccess
from feltbok.people.models import Person


def _now(now=None):
    return now or timezone.now()


def scope_days() -> int:
    return settings.FELTBOK_NORMAL_SCOPE_DAYS


def grant_hours() -> int:
    return settings.FELTBOK_EMERGENCY_ACCESS_HOURS


def burst_threshold() -> int:
    return settings.FELTBOK_REVIEW_BURST_THRESHOLD


# --- Normal scope ----------------------------------------------------------------------------


def relations(user_ids, person_ids) -> set[tuple[int, int]]:
    """(user, person) pairs among the given ones with a personal relation (rule 3).

    Six queries whatever the number of users and persons.
    """
    from feltbok.fieldwork.models import Encounter, Patrol
    from feltbok.followup.models import ContactAssignment, Task
    from feltbok.referrals.models import Referral

    user_ids, person_ids = set(user_ids), set(person_ids)
    if not user_ids or not person_ids:
        return set()
    found = set(
        Person.objects.filter(pk__in=person_ids, created_by_id__in=user_ids).values_list(
            "created_by_id", "pk"
        )
    )
    for person_id, *members in Encounter.persons.through.objects.filter(
        person_id__in=person_ids
    ).values_list(
        "person_id",
        "encounter__recorded_by_id",
        "encounter__patrol__first_member_id",
        "encounter__patrol__second_member_id",
    ):
        found |= {(user_id, person_id) for user_id in members if user_id in user_ids}
    found |= set(
        Patrol.other_members.through.objects.filter(
            user_id__in=user_ids, patrol__encounters__persons__in=person_ids
        ).values_list("user_id", "patrol__encounters__persons")
    )
    found |= set(
        ContactAssignment.objects.filter(
            episode__person_id__in=person_ids, user_id__in=user_ids
        ).values_list("user_id", "episode__person_id")
    )
    found |= set(
        Task.objects.filter(episode__person_id__in=person_ids, owner_id__in=user_ids).values_list(
            "owner_id", "episode__person_id"
        )
    )
    found |= set(
        Referral.objects.filter(person_id__in=person_ids, owner_id__in=user_ids).values_list(
            "owner_id", "person_id"
        )
    )
    return found


def current_grant(actor, person, *, now=None) -> EmergencyAccess | None:
    """The actor's emergency access to the person that has not expired, if any."""
    now = _now(now)
    return (
        scoped(actor, EmergencyAccess)
        .filter(user=actor.user, person=person, granted_at__lte=now, expires_at__gt=now)
        .order_by("-expires_at")
        .first()
    )


def in_normal_scope(actor, person, *, now=None) -> bool:
    """Whether the actor may open the person's page without giving a reason (see above)."""
    if actor.role == Role.TEAM_LEAD:
        return True
    since = _now(now) - datetime.timedelta(days=scope_days())
    if person.created_at >= since or (person.last_contact_at and person.last_contact_at >= since):
        return True
    return bool(relations([actor.user.pk], [person.pk]))


def needs_emergency_access(actor, code, *, now=None) -> bool:
    """The person-page gate: True when the actor must give a reason before the page opens.

    404 for a person of another service (as the page itself). Roles that may not break the
    glass are never sent to the reason page: their own rights decide (403 or the page).
    """
    if not actor.can(Perm.BREAK_GLASS):
        return False
    person = get_scoped_or_404(
        actor,
        Person.objects.only("pk", "service_id", "created_at", "last_contact_at", "created_by_id"),
        code=code,
    )
    if in_normal_scope(actor, person, now=now):
        return False
    return current_grant(actor, person, now=now) is None


def person_for_emergency(actor, code) -> Person:
    """The person named on the reason page: nickname or description only, nothing else."""
    return get_scoped_or_404(
        actor,
        Person.objects.only(
            "pk",
            "code",
            "service_id",
            "nickname",
            "description",
            "created_at",
            "last_contact_at",
        ),
        code=code,
    )


# --- Lists of emergency accesses ---------------------------------------------------------


def _grants(actor):
    return scoped(actor, EmergencyAccess).select_related("person", "user")


def my_grants(actor, limit=200):
    """The actor's own emergency accesses, newest first."""
    if not (actor.can(Perm.BREAK_GLASS) or actor.can(Perm.REVIEW_ACCESS)):
        actor.require(Perm.BREAK_GLASS)
    return list(_grants(actor).filter(user=actor.user)[:limit])


def service_grants(actor, *, since, until, user=None, limit=500):
    """Every emergency access of the service in a period (team leads)."""
    actor.require(Perm.REVIEW_ACCESS)
    grants = _grants(actor).filter(granted_at__gte=since, granted_at__lt=until)
    if user is not None:
        grants = grants.filter(user=user)
    return list(grants[:limit])


def staff_choices(actor):
    """Staff of the service, for the review's user filter."""
    from feltbok.accounts.models import User

    user_ids = Membership.objects.filter(service_id=actor.service_id).values("user_id")
    return User.objects.filter(pk__in=user_ids).order_by("first_name", "last_name", "email")


# --- The access-log review ----------------------------------------------------------------


class FindingKind:
    UNEXPLAINED = "unexplained"
    BURST = "burst"
    EMERGENCY = "emergency"

    labels = {
        UNEXPLAINED: _("Opened with no contact, task or referral that explains it"),
        BURST: _("Many records opened in a short time"),
        EMERGENCY: _("Emergency access"),
    }
    choices = list(labels.items())


@dataclass
class Finding:
    kind: str
    at: datetime.datetime
    user_id: int
    user_label: str
    person_code: str = ""
    person_label: str = ""
    detail: str = ""
    count: int = 1

    @property
    def kind_label(self):
        return FindingKind.labels[self.kind]


@dataclass
class Review:
    findings: list[Finding]
    reads: int
    users: dict = field(default_factory=dict)


def _user_labels(user_ids):
    from feltbok.accounts.models import User

    return {
        user.pk: user.get_full_name() or user.email
        for user in User.objects.filter(pk__in=set(user_ids)).only(
            "pk", "first_name", "last_name", "email"
        )
    }


def _bursts(reads, threshold, window=datetime.timedelta(hours=1)):
    """Per user, windows of one hour in which more than `threshold` persons were opened.

    `reads` is a list of (user_id, time, person_code) sorted by user and time. A burst is
    reported once, from its first read to the read that ends it (no overlapping reports).
    """
    by_user = defaultdict(list)
    for user_id, at, code in reads:
        by_user[user_id].append((at, code))
    found = []
    for user_id, rows in by_user.items():
        start = 0
        index = 0
        while index < len(rows):
            while rows[index][0] - rows[start][0] >= window:
                start += 1
            distinct = {code for _at, code in rows[start : index + 1]}
            if len(distinct) > threshold:
                end = index
                while end + 1 < len(rows) and rows[end + 1][0] - rows[start][0] < window:
                    end += 1
                count = len({code for _at, code in rows[start : end + 1]})
                found.append((user_id, rows[start][0], rows[end][0], count))
                start = index = end + 1
                continue
            index += 1
    return found


def review_findings(actor, *, since, until, user=None, kind=None) -> Review:
    """Unusual access in a period, newest first, in a fixed number of queries.

    - unexplained: a person page opened by someone with no personal relation to the person
      (no encounter they recorded or were on the patrol of, no contact-person assignment, no
      task or referral they own, not registered by them) and no emergency access;
    - burst: more than `FELTBOK_REVIEW_BURST_THRESHOLD` persons opened by one user in an hour;
    - emergency: every emergency access granted.

    A colleague's own record cannot be found: Feltbok has no link between staff accounts and
    persons (ADR 0011).
    """
    actor.require(Perm.REVIEW_ACCESS)
    events = scoped(actor, AuditEvent).filter(
        action=AuditAction.READ,
        object_type="person",
        created_at__gte=since,
        created_at__lt=until,
        actor__isnull=False,
    )
    if user is not None:
        events = events.filter(actor=user)
    reads = list(
        events.order_by("actor_id", "created_at").values_list(
            "actor_id", "created_at", "object_id", "detail"
        )
    )
    grants = (
        scoped(actor, EmergencyAccess)
        .filter(granted_at__lt=until, expires_at__gt=since)
        .select_related("person")
    )
    if user is not None:
        grants = grants.filter(user=user)
    grants = list(grants.order_by("-granted_at"))

    findings: list[Finding] = []
    codes = {code for _u, _at, code, _d in reads}
    persons = (
        {
            str(p.code): p
            for p in scoped(actor, Person)
            .filter(code__in=codes)
            .only("pk", "code", "nickname", "description")
        }
        if codes
        else {}
    )

    if kind in (None, FindingKind.UNEXPLAINED):
        findings += _unexplained(reads, persons, grants)
    if kind in (None, FindingKind.BURST):
        for user_id, start, end, count in _bursts(
            [(u, at, code) for u, at, code, _d in reads], burst_threshold()
        ):
            findings.append(
                Finding(
                    FindingKind.BURST,
                    start,
                    user_id,
                    "",
                    detail=_("%(count)s persons opened between %(start)s and %(end)s")
                    % {
                        "count": count,
                        "start": timezone.localtime(start).strftime("%H:%M"),
                        "end": timezone.localtime(end).strftime("%H:%M"),
                    },
                    count=count,
                )
            )
    if kind in (None, FindingKind.EMERGENCY):
        for grant in grants:
            if not since <= grant.granted_at < until:
                continue
            findings.append(
                Finding(
                    FindingKind.EMERGENCY,
                    grant.granted_at,
                    grant.user_id,
                    "",
                    person_code=str(grant.person.code),
                    person_label=grant.person.display_name,
                    detail=f"{grant.get_reason_kind_display()}: {grant.reason_text}",
                )
            )
    labels = _user_labels([f.user_id for f in findings])
    for finding in findings:
        finding.user_label = labels.get(finding.user_id, "")
    findings.sort(key=lambda f: f.at, reverse=True)
    return Review(findings=findings, reads=len(reads))


def _unexplained(reads, persons, grants):
    """Reads with no personal relation and no emergency access, once per user and person."""
    pairs = defaultdict(list)
    for user_id, at, code, detail in reads:
        if code in persons and not (detail or {}).get("emergency"):
            pairs[(user_id, code)].append(at)
    explained = relations(
        {user_id for user_id, _code in pairs}, {persons[code].pk for _user, code in pairs}
    )
    covered = defaultdict(list)
    for grant in grants:
        covered[(grant.user_id, str(grant.person.code))].append(grant)
    found = []
    for (user_id, code), times in pairs.items():
        person = persons[code]
        if (user_id, person.pk) in explained:
            continue
        times = [
            at
            for at in times
            if not any(g.granted_at <= at < g.expires_at for g in covered[(user_id, code)])
        ]
        if not times:
            continue
        found.append(
            Finding(
                FindingKind.UNEXPLAINED,
                max(times),
                user_id,
                "",
                person_code=code,
                person_label=person.display_name,
                count=len(times),
            )
        )
    return found


@dataclass
class MonthRow:
    user_label: str
    reads: int = 0
    persons: int = 0
    unexplained: int = 0
    bursts: int = 0
    emergency: int = 0


_MONTH_COLUMN = {
    FindingKind.UNEXPLAINED: "unexplained",
    FindingKind.BURST: "bursts",
    FindingKind.EMERGENCY: "emergency",
}


def month_bounds(year, month):
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, month, 1, tzinfo=tz)
    end = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def monthly_report(actor, *, year, month) -> tuple[Review, list[MonthRow]]:
    """The review of one month with counts per user (reads, persons, findings by kind)."""
    actor.require(Perm.REVIEW_ACCESS)
    since, until = month_bounds(year, month)
    review = review_findings(actor, since=since, until=until)
    per_user = (
        scoped(actor, AuditEvent)
        .filter(
            action=AuditAction.READ,
            object_type="person",
            created_at__gte=since,
            created_at__lt=until,
            actor__isnull=False,
        )
        .values_list("actor_id", "object_id")
    )
    reads = defaultdict(list)
    for user_id, code in per_user:
        reads[user_id].append(code)
    user_ids = set(reads) | {f.user_id for f in review.findings}
    labels = _user_labels(user_ids)
    rows = {
        user_id: MonthRow(labels.get(user_id, ""), len(reads[user_id]), len(set(reads[user_id])))
        for user_id in user_ids
    }
    for finding in review.findings:
        row = rows[finding.user_id]
        column = _MONTH_COLUMN[finding.kind]
        setattr(row, column, getattr(row, column) + 1)
    return review, sorted(rows.values(), key=lambda r: r.user_label.lower())
