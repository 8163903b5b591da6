"""Reads of follow-up data, and the rule of who sees how much of an episode.

- Contact persons of the episode and team leads see everything.
- Other workers of the service see that the person is in follow-up and with whom; the details
  only when the service's settings allow it.
- Peer workers see only what they have recorded themselves.
- Coordinators, analysts and administrators have no follow-up permission at all (403).
- Another service's episode is a 404.

Every episode or programme page read is audited.
"""

import datetime
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_noop

from feltbok.accounts.models import Role
from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, get_scoped_or_404, scoped
from feltbok.followup.models import (
    Commission,
    CommissionStatus,
    ContactAssignment,
    DeclinedContact,
    Episode,
    FollowUpSettings,
    NeedChange,
    Note,
    Participation,
    Programme,
    SessionAttendance,
    Task,
)


class Access(StrEnum):
    DETAILS = "details"  # needs, goals, plan, notes, tasks, commissions
    SUMMARY = "summary"  # in follow-up, since when, with whom
    OWN = "own"  # peer workers: only what they recorded


def settings_for(service_id) -> FollowUpSettings:
    """The service's follow-up settings, or the defaults (not saved) when none are stored."""
    found = FollowUpSettings.objects.filter(service_id=service_id).first()
    return found or FollowUpSettings(service_id=service_id)


def is_contact_person(actor, episode) -> bool:
    """The actor is a current contact person of the episode (of an ended one: at its end)."""
    if hasattr(episode, "all_assignments"):  # prefetched for many episodes at once
        until = episode.ended_on  # None for an open episode: assigned until further notice
        return any(
            a.user_id == actor.user.pk and a.assigned_to == until for a in episode.all_assignments
        )
    if episode.ended_on is not None:
        return ContactAssignment.objects.filter(
            episode=episode, user=actor.user, assigned_to=episode.ended_on
        ).exists()
    if hasattr(episode, "current_assignments"):
        return any(a.user_id == actor.user.pk for a in episode.current_assignments)
    return ContactAssignment.objects.filter(
        episode=episode, user=actor.user, assigned_to__isnull=True
    ).exists()


def access_to(actor, episode, settings=None) -> Access:
    """How much of the episode the actor sees (the actor already has VIEW_FOLLOWUP)."""
    if not actor.can(Perm.MANAGE_FOLLOWUP):
        return Access.OWN
    if actor.role == Role.TEAM_LEAD:
        return Access.DETAILS
    if is_contact_person(actor, episode):
        return Access.DETAILS
    settings = settings or settings_for(actor.service_id)
    return Access.DETAILS if settings.share_details_with_workers else Access.SUMMARY


def _current_assignments():
    return Prefetch(
        "assignments",
        queryset=ContactAssignment.objects.filter(assigned_to__isnull=True).select_related("user"),
        to_attr="current_assignments",
    )


def episode_for(actor, code) -> Episode:
    """An episode of the actor's service (404 otherwise), with its current contact persons."""
    actor.require(Perm.VIEW_FOLLOWUP)
    return get_scoped_or_404(
        actor,
        Episode.objects.select_related("person", "started_by").prefetch_related(
            _current_assignments()
        ),
        code=code,
    )


@dataclass
class EpisodePage:
    episode: Episode
    access: Access
    is_contact_person: bool
    assignments: list = field(default_factory=list)  # the whole history
    needs: list = field(default_factory=list)
    goals: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    commissions: list = field(default_factory=list)
    plan_versions: list = field(default_factory=list)
    participations: list = field(default_factory=list)
    declines: list = field(default_factory=list)

    @property
    def details(self):
        return self.access == Access.DETAILS


def open_episode(actor, code) -> EpisodePage:
    """The episode page: what the actor may see of it, in a fixed number of queries; audited."""
    episode = episode_for(actor, code)
    access = access_to(actor, episode)
    page = EpisodePage(
        episode=episode, access=access, is_contact_person=is_contact_person(actor, episode)
    )
    if access != Access.OWN:
        page.assignments = list(
            episode.assignments.select_related("user", "assigned_by").order_by(
                "assigned_from", "pk"
            )
        )
    if access == Access.DETAILS:
        page.needs = list(
            episode.needs.prefetch_related(
                Prefetch("changes", queryset=NeedChange.objects.select_related("changed_by"))
            )
        )
        page.goals = list(episode.goals.all())
        page.notes = list(episode.notes.select_related("written_by"))
        page.tasks = list(
            episode.tasks.select_related("owner", "done_by").prefetch_related("places")
        )
        page.commissions = list(episode.commissions.select_related("recorded_by"))
        page.plan_versions = list(episode.plan_versions.select_related("edited_by")[:20])
        page.participations = list(
            scoped(actor, Participation)
            .filter(person_id=episode.person_id)
            .select_related("programme")
            .annotate(
                sessions=Count("attendances"),
                attended=Count("attendances", filter=Q(attendances__attended=True)),
            )
        )
        page.declines = list(
            scoped(actor, DeclinedContact).filter(person_id=episode.person_id)[:10]
        )
    elif access == Access.OWN:
        page.notes = list(episode.notes.filter(written_by=actor.user).select_related("written_by"))
    log_action(actor, AuditAction.READ, episode, detail={"access": str(access)})
    return page


@dataclass
class PersonPanel:
    """The follow-up section of a person page."""

    visible: bool = False
    episode: Episode | None = None
    last_declined: DeclinedContact | None = None
    past_episodes: int = 0
    may_start: bool = False


def person_panel(actor, person) -> PersonPanel:
    """In follow-up or not, with whom, since when: three queries whatever the history."""
    if not actor.can(Perm.VIEW_FOLLOWUP) or not actor.can(Perm.VIEW_PERSON):
        return PersonPanel()
    episodes = (
        scoped(actor, Episode)
        .filter(person=person)
        .prefetch_related(_current_assignments())
        .order_by("-started_on", "-pk")
    )
    # NULL ordering differs between databases: pick the open one in Python.
    episodes = list(episodes)
    current = next((e for e in episodes if e.ended_on is None), None)
    last_declined = scoped(actor, DeclinedContact).filter(person=person).first()
    return PersonPanel(
        visible=True,
        episode=current,
        last_declined=last_declined,
        past_episodes=sum(1 for e in episodes if e.ended_on is not None),
        may_start=current is None and actor.can(Perm.MANAGE_FOLLOWUP),
    )


def _open_episodes(actor):
    return scoped(actor, Episode).filter(ended_on__isnull=True)


def _last_contact_note():
    return Subquery(
        Note.objects.filter(episode=OuterRef("pk"), was_contact=True)
        .order_by("-written_on")
        .values("written_on")[:1]
    )


@dataclass
class MyFollowUps:
    episodes: list
    tasks: list
    commissions: list
    today: datetime.date

    @property
    def overdue_tasks(self):
        return [task for task in self.tasks if task.due_on < self.today]


def my_followups(actor, today=None) -> MyFollowUps:
    """The contact person's list: my open follow-ups, my open tasks, commissions to answer."""
    actor.require(Perm.VIEW_FOLLOWUP)
    today = today or timezone.localdate()
    mine = ContactAssignment.objects.filter(
        episode=OuterRef("pk"), user=actor.user, assigned_to__isnull=True
    )
    episodes = list(
        _open_episodes(actor)
        .filter(Exists(mine))
        .select_related("person")
        .prefetch_related(_current_assignments())
        .annotate(
            open_needs=Count("needs", filter=Q(needs__status__in=["open", "in_progress"])),
            last_note_on=_last_contact_note(),
        )
        .order_by("started_on", "pk")
    )
    tasks = list(
        scoped(actor, Task)
        .filter(owner=actor.user, done_on__isnull=True, episode__ended_on__isnull=True)
        .select_related("episode__person", "owner")
        .prefetch_related("places")
        .order_by("due_on", "pk")
    )
    commissions = []
    if actor.can(Perm.MANAGE_FOLLOWUP):
        commissions = list(
            scoped(actor, Commission)
            .filter(
                episode__in=[e.pk for e in episodes],
                status__in=[CommissionStatus.RECEIVED, CommissionStatus.IN_PROGRESS],
            )
            .select_related("episode__person")
            .order_by("due_on", "pk")
        )
    _log_list(actor, gettext_noop("my follow-ups"), episodes + [task.episode for task in tasks])
    return MyFollowUps(episodes=episodes, tasks=tasks, commissions=commissions, today=today)


def _log_list(actor, reason, episodes):
    """A list of persons in follow-up is a read of person-level data: logged when not empty."""
    codes = list(dict.fromkeys(str(episode.code) for episode in episodes))
    if codes:
        log_action(
            actor,
            AuditAction.SEARCH,
            object_type="episode",
            reason=reason,
            detail={"results": codes},
        )


def inactive_episodes(actor, today=None) -> tuple[list, FollowUpSettings]:
    """Open episodes without contact for the service's N days.

    Contact = an encounter with the person (Person.last_contact_at) or a follow-up note
    marked as contact; an episode younger than N days is not inactive yet.
    """
    actor.require(Perm.MANAGE_FOLLOWUP)
    settings = settings_for(actor.service_id)
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=settings.inactive_after_days)
    cutoff_moment = datetime.datetime.combine(
        cutoff, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    recent_note = Note.objects.filter(
        episode=OuterRef("pk"), was_contact=True, written_on__gte=cutoff
    )
    episodes = list(
        _open_episodes(actor)
        .filter(started_on__lt=cutoff)
        .filter(
            Q(person__last_contact_at__isnull=True) | Q(person__last_contact_at__lt=cutoff_moment)
        )
        .exclude(Exists(recent_note))
        .select_related("person")
        .prefetch_related(_current_assignments())
        .annotate(last_note_on=_last_contact_note())
        .order_by("started_on", "pk")
    )
    for episode in episodes:
        moments = [episode.started_on, episode.last_note_on]
        if episode.person.last_contact_at:
            moments.append(timezone.localtime(episode.person.last_contact_at).date())
        episode.last_contact_on = max(m for m in moments if m)
        episode.days_without_contact = (today - episode.last_contact_on).days
    _log_list(actor, gettext_noop("inactive follow-ups"), episodes)
    return episodes, settings


def programmes(actor):
    actor.require(Perm.VIEW_FOLLOWUP)
    return list(
        scoped(actor, Programme).annotate(
            participants=Count("participations", filter=Q(participations__ended_on__isnull=True))
        )
    )


def programme_for(actor, code) -> Programme:
    actor.require(Perm.VIEW_FOLLOWUP)
    return get_scoped_or_404(actor, Programme, code=code)


@dataclass
class ProgrammePage:
    programme: Programme
    participations: list
    sessions: list  # (date, {participation_id: attended}) newest first


def open_programme(actor, code, sessions=10) -> ProgrammePage:
    """Participants and recent sessions; peer workers see only attendance they recorded."""
    programme = programme_for(actor, code)
    attendances = SessionAttendance.objects.filter(participation__programme=programme)
    if not actor.can(Perm.MANAGE_FOLLOWUP):
        attendances = attendances.filter(recorded_by=actor.user)
    participations = list(
        programme.participations.filter(ended_on__isnull=True)
        .select_related("person")
        .order_by("started_on", "pk")
    )
    dates = list(attendances.values_list("date", flat=True).distinct().order_by("-date")[:sessions])
    by_date = {day: {} for day in dates}
    for row in attendances.filter(date__in=dates).values("date", "participation_id", "attended"):
        by_date[row["date"]][row["participation_id"]] = row["attended"]
    log_action(
        actor,
        AuditAction.READ,
        programme,
        detail={"persons": [str(p.person.code) for p in participations]},
    )
    return ProgrammePage(
        programme=programme,
        participations=participations,
        sessions=[(day, by_date[day]) for day in dates],
    )


def staff_choices(actor):
    """Staff who may be contact persons or own tasks: active workers and team leads."""
    from feltbok.accounts.models import Membership, User

    members = Membership.objects.filter(
        service_id=actor.service_id,
        is_active=True,
        role__in=[Role.WORKER, Role.TEAM_LEAD, Role.PEER_WORKER],
    )
    return User.objects.filter(pk__in=members.values("user_id")).order_by(
        "first_name", "last_name", "pk"
    )


def contact_person_choices(actor):
    from feltbok.accounts.models import Membership, User

    members = Membership.objects.filter(
        service_id=actor.service_id, is_active=True, role__in=[Role.WORKER, Role.TEAM_LEAD]
    )
    return User.objects.filter(pk__in=members.values("user_id")).order_by(
        "first_name", "last_name", "pk"
    )
