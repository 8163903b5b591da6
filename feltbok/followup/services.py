"""Writes of follow-up: each checks the rules, writes in one transaction with its audit entry.

A rule broken → FollowUpError with a translated message, and nothing is stored.
A role or access level that may not → PermissionDenied (403).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feltbok.accounts.models import Membership, Role
from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, scoped
from feltbok.followup.models import (
    MAX_CONTACT_PERSONS,
    Commission,
    CommissionStatus,
    ContactAssignment,
    DeclinedContact,
    EndReason,
    Episode,
    FollowUpSettings,
    Goal,
    GoalStatus,
    Need,
    NeedChange,
    NeedKind,
    NeedStatus,
    Note,
    Participation,
    PlanVersion,
    Programme,
    SessionAttendance,
    Task,
    TaskKind,
)
from feltbok.followup.selectors import Access, access_to
from feltbok.organisation.models import Place

CONTACT_PERSON_ROLES = (Role.WORKER, Role.TEAM_LEAD)
TASK_OWNER_ROLES = (Role.WORKER, Role.TEAM_LEAD, Role.PEER_WORKER)


class FollowUpError(ValueError):
    """A rule of follow-up was broken; the message is shown to the user."""


class PlanConflict(FollowUpError):
    """The plan was changed by someone else since the editor loaded it."""

    def __init__(self, message, current_version):
        super().__init__(message)
        self.current_version = current_version


def _today():
    return timezone.localdate()


def _not_in_future(day, what):
    if day > _today():
        raise FollowUpError(_("%(what)s cannot be in the future.") % {"what": what})


def _require_details(actor, episode):
    """Writes on needs, goals, plan, tasks and commissions: contact persons and team leads."""
    actor.require(Perm.MANAGE_FOLLOWUP)
    if access_to(actor, episode) != Access.DETAILS:
        raise PermissionDenied


def _require_open(episode):
    if not episode.is_open:
        raise FollowUpError(_("This follow-up has ended. Start a new one to record more."))


def _lock(episode) -> Episode:
    """The episode row, locked for the rest of the transaction (check-then-act safely)."""
    return Episode.objects.select_for_update().get(pk=episode.pk)


def _staff_ids(actor, users, roles):
    ids = {user.pk for user in users}
    found = set(
        Membership.objects.filter(
            service_id=actor.service_id, user_id__in=ids, role__in=roles, is_active=True
        ).values_list("user_id", flat=True)
    )
    return ids, found


# --- Episodes -------------------------------------------------------------------------------


def start_episode(actor, person, *, contact_persons, started_on=None) -> Episode:
    """Start following a person up, with one or two contact persons."""
    actor.require(Perm.MANAGE_FOLLOWUP)
    if person.service_id != actor.service_id:
        raise PermissionDenied
    started_on = started_on or _today()
    _not_in_future(started_on, _("The start date"))
    contact_persons = list({user.pk: user for user in contact_persons}.values())
    if not contact_persons:
        raise FollowUpError(_("Choose one or two contact persons."))
    if len(contact_persons) > MAX_CONTACT_PERSONS:
        raise FollowUpError(_("A person can have at most two contact persons. Choose one or two."))
    ids, found = _staff_ids(actor, contact_persons, CONTACT_PERSON_ROLES)
    if ids != found:
        raise FollowUpError(_("A contact person must be a worker or team lead of this service."))
    try:
        with transaction.atomic():
            if Episode.objects.filter(person=person, ended_on__isnull=True).exists():
                raise FollowUpError(_("This person is already in follow-up."))
            episode = Episode.objects.create(
                service_id=actor.service_id,
                person=person,
                started_on=started_on,
                started_by=actor.user,
            )
            for user in contact_persons:
                ContactAssignment.objects.create(
                    service_id=actor.service_id,
                    episode=episode,
                    user=user,
                    assigned_from=started_on,
                    assigned_by=actor.user,
                )
            log_action(
                actor,
                AuditAction.CREATE,
                episode,
                detail={
                    "person": str(person.code),
                    "contact_persons": [str(user.code) for user in contact_persons],
                },
            )
    except IntegrityError as error:
        # Two starts at once: the database's one-open-episode rule decides.
        raise FollowUpError(_("This person is already in follow-up.")) from error
    return episode


def end_episode(actor, episode, *, reason, ended_on=None, note="") -> Episode:
    """End the follow-up; current contact persons end with it. Declined contact is recorded."""
    _require_details(actor, episode)
    ended_on = ended_on or _today()
    if reason not in EndReason.values:
        raise FollowUpError(_("Choose why the follow-up ends."))
    _not_in_future(ended_on, _("The end date"))
    if ended_on < episode.started_on:
        raise FollowUpError(_("A follow-up cannot end before it started."))
    with transaction.atomic():
        episode = _lock(episode)
        _require_open(episode)
        episode.ended_on = ended_on
        episode.end_reason = reason
        episode.end_note = note.strip()[:500]
        episode.save(update_fields=["ended_on", "end_reason", "end_note", "updated_at"])
        episode.assignments.filter(assigned_to__isnull=True).update(
            assigned_to=ended_on, updated_at=timezone.now()
        )
        if reason == EndReason.DECLINED:
            DeclinedContact.objects.create(
                service_id=actor.service_id,
                person_id=episode.person_id,
                episode=episode,
                declined_on=ended_on,
                note=episode.end_note,
                recorded_by=actor.user,
            )
        log_action(
            actor,
            AuditAction.UPDATE,
            episode,
            reason="end",
            detail={"ended_on": ended_on.isoformat(), "reason": reason},
        )
    return episode


def record_declined(actor, person, *, declined_on=None, note="") -> DeclinedContact:
    """The person says no. An open follow-up ends; the door stays ajar for a new one later."""
    actor.require(Perm.MANAGE_FOLLOWUP)
    if person.service_id != actor.service_id:
        raise PermissionDenied
    declined_on = declined_on or _today()
    _not_in_future(declined_on, _("The date"))
    current = Episode.objects.filter(person=person, ended_on__isnull=True).first()
    if current is not None:
        if access_to(actor, current) != Access.DETAILS:
            raise FollowUpError(
                _(
                    "The person is in follow-up. Ask one of the contact persons to record that "
                    "the person declines."
                )
            )
        end_episode(actor, current, reason=EndReason.DECLINED, ended_on=declined_on, note=note)
        return current.declines.get()
    with transaction.atomic():
        declined = DeclinedContact.objects.create(
            service_id=actor.service_id,
            person=person,
            declined_on=declined_on,
            note=note.strip()[:500],
            recorded_by=actor.user,
        )
        log_action(
            actor,
            AuditAction.CREATE,
            declined,
            detail={"person": str(person.code), "declined_on": declined_on.isoformat()},
        )
    return declined


# --- Contact persons ------------------------------------------------------------------------


def add_contact_person(actor, episode, user, *, on=None) -> ContactAssignment:
    _require_details(actor, episode)
    on = on or _today()
    _ids, found = _staff_ids(actor, [user], CONTACT_PERSON_ROLES)
    if user.pk not in found:
        raise FollowUpError(_("A contact person must be a worker or team lead of this service."))
    with transaction.atomic():
        episode = _lock(episode)
        _require_open(episode)
        current = list(episode.assignments.filter(assigned_to__isnull=True))
        if any(a.user_id == user.pk for a in current):
            raise FollowUpError(_("%(name)s is already a contact person.") % {"name": user})
        if len(current) >= MAX_CONTACT_PERSONS:
            raise FollowUpError(
                _(
                    "A person can have at most two contact persons. End one of the current "
                    "assignments first."
                )
            )
        assignment = ContactAssignment.objects.create(
            service_id=actor.service_id,
            episode=episode,
            user=user,
            assigned_from=max(on, episode.started_on),
            assigned_by=actor.user,
        )
        log_action(
            actor,
            AuditAction.CREATE,
            assignment,
            detail={"episode": str(episode.code), "user": str(user.code)},
        )
    return assignment


def end_contact_person(actor, assignment, *, on=None) -> ContactAssignment:
    episode = assignment.episode
    _require_details(actor, episode)
    on = on or _today()
    with transaction.atomic():
        episode = _lock(episode)
        _require_open(episode)
        assignment = ContactAssignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.assigned_to is not None:
            raise FollowUpError(_("This assignment has already ended."))
        if episode.assignments.filter(assigned_to__isnull=True).count() <= 1:
            raise FollowUpError(
                _("A follow-up needs a contact person. Add the new one before ending this one.")
            )
        assignment.assigned_to = max(on, assignment.assigned_from)
        assignment.save(update_fields=["assigned_to", "updated_at"])
        log_action(
            actor,
            AuditAction.UPDATE,
            assignment,
            reason="end",
            detail={"episode": str(episode.code), "to": assignment.assigned_to.isoformat()},
        )
    return assignment


# --- Needs, goals, plan, notes --------------------------------------------------------------


def add_need(actor, episode, *, kind, description="", on=None) -> Need:
    _require_details(actor, episode)
    _require_open(episode)
    on = on or _today()
    if kind not in NeedKind.values:
        raise FollowUpError(_("Choose a need."))
    _not_in_future(on, _("The date"))
    with transaction.atomic():
        need = Need.objects.create(
            service_id=actor.service_id,
            episode=episode,
            kind=kind,
            description=description.strip()[:300],
            recorded_on=on,
            recorded_by=actor.user,
        )
        NeedChange.objects.create(
            service_id=actor.service_id,
            need=need,
            status=NeedStatus.OPEN,
            changed_on=on,
            changed_by=actor.user,
        )
        log_action(
            actor, AuditAction.CREATE, need, detail={"episode": str(episode.code), "kind": kind}
        )
    return need


def change_need_status(actor, need, *, status, on=None, note="") -> Need:
    episode = need.episode
    _require_details(actor, episode)
    _require_open(episode)
    on = on or _today()
    if status not in NeedStatus.values:
        raise FollowUpError(_("Choose a status."))
    _not_in_future(on, _("The date"))
    if on < need.recorded_on:
        raise FollowUpError(_("A change cannot be dated before the need was recorded."))
    if status == need.status:
        raise FollowUpError(_("The need already has this status."))
    with transaction.atomic():
        old = need.status
        need.status = status
        need.save(update_fields=["status", "updated_at"])
        NeedChange.objects.create(
            service_id=actor.service_id,
            need=need,
            status=status,
            changed_on=on,
            note=note.strip()[:300],
            changed_by=actor.user,
        )
        log_action(
            actor,
            AuditAction.UPDATE,
            need,
            detail={"episode": str(episode.code), "from": old, "to": status},
        )
    return need


def add_goal(actor, episode, *, own_words) -> Goal:
    _require_details(actor, episode)
    _require_open(episode)
    own_words = own_words.strip()
    if not own_words:
        raise FollowUpError(_("Write the goal in the person's own words."))
    with transaction.atomic():
        goal = Goal.objects.create(
            service_id=actor.service_id,
            episode=episode,
            own_words=own_words[:500],
            status_changed_on=_today(),
            recorded_by=actor.user,
        )
        log_action(actor, AuditAction.CREATE, goal, detail={"episode": str(episode.code)})
    return goal


def change_goal_status(actor, goal, *, status) -> Goal:
    episode = goal.episode
    _require_details(actor, episode)
    _require_open(episode)
    if status not in GoalStatus.values:
        raise FollowUpError(_("Choose a status."))
    if status == goal.status:
        raise FollowUpError(_("The goal already has this status."))
    with transaction.atomic():
        old = goal.status
        goal.status = status
        goal.status_changed_on = _today()
        goal.save(update_fields=["status", "status_changed_on", "updated_at"])
        log_action(
            actor,
            AuditAction.UPDATE,
            goal,
            detail={"episode": str(episode.code), "from": old, "to": status},
        )
    return goal


def edit_plan(actor, episode, *, text, version) -> Episode:
    """Save a new version of the plan; an edit made from an older version is refused."""
    _require_details(actor, episode)
    text = text.strip()
    with transaction.atomic():
        episode = _lock(episode)
        _require_open(episode)
        if version != episode.plan_version:
            raise PlanConflict(
                _(
                    "Someone else changed the plan while you were editing. Your text was not "
                    "saved: read the newest version and make your change again."
                ),
                current_version=episode.plan_version,
            )
        if text == episode.plan:
            raise FollowUpError(_("The plan is unchanged."))
        episode.plan = text
        episode.plan_version += 1
        episode.save(update_fields=["plan", "plan_version", "updated_at"])
        PlanVersion.objects.create(
            service_id=actor.service_id,
            episode=episode,
            version=episode.plan_version,
            text=text,
            edited_by=actor.user,
            edited_at=timezone.now(),
        )
        log_action(
            actor,
            AuditAction.UPDATE,
            episode,
            reason="plan",
            detail={"plan_version": episode.plan_version},
        )
    return episode


def add_note(actor, episode, *, text, written_on=None, was_contact=True) -> Note:
    """A note on the follow-up. Peer workers may write notes (and see only their own)."""
    actor.require(Perm.VIEW_FOLLOWUP)
    if actor.can(Perm.MANAGE_FOLLOWUP) and access_to(actor, episode) != Access.DETAILS:
        raise PermissionDenied
    _require_open(episode)
    text = text.strip()
    written_on = written_on or _today()
    if not text:
        raise FollowUpError(_("Write the note."))
    _not_in_future(written_on, _("The date"))
    if written_on < episode.started_on:
        raise FollowUpError(_("A note cannot be dated before the follow-up started."))
    with transaction.atomic():
        note = Note.objects.create(
            service_id=actor.service_id,
            episode=episode,
            text=text[:4000],
            written_on=written_on,
            was_contact=was_contact,
            written_by=actor.user,
        )
        log_action(
            actor,
            AuditAction.CREATE,
            note,
            detail={"episode": str(episode.code), "contact": was_contact},
        )
    return note


# --- Tasks and commissions ------------------------------------------------------------------


@dataclass
class TaskData:
    title: str
    due_on: datetime.date
    owner: object
    kind: str = TaskKind.FOLLOW_UP
    places: tuple = ()
    usual_times: str = ""


def create_task(actor, episode, data: TaskData) -> Task:
    _require_details(actor, episode)
    _require_open(episode)
    if data.kind not in TaskKind.values:
        raise FollowUpError(_("Choose the kind of task."))
    title = data.title.strip()
    if not title:
        raise FollowUpError(_("Say what is to be done."))
    if data.owner is None:
        raise FollowUpError(_("Choose who owns the task."))
    _ids, found = _staff_ids(actor, [data.owner], TASK_OWNER_ROLES)
    if data.owner.pk not in found:
        raise FollowUpError(_("The owner of a task must be a staff member of this service."))
    place_ids = {place.pk for place in data.places}
    if place_ids and scoped(actor, Place).filter(pk__in=place_ids).count() != len(place_ids):
        raise FollowUpError(_("Choose places of this service."))
    usual_times = data.usual_times.strip()
    if data.kind == TaskKind.OUTREACH and not (place_ids or usual_times):
        raise FollowUpError(_("A targeted outreach task needs the person's usual places or times."))
    with transaction.atomic():
        task = Task.objects.create(
            service_id=actor.service_id,
            episode=episode,
            kind=data.kind,
            title=title[:200],
            due_on=data.due_on,
            owner=data.owner,
            usual_times=usual_times[:200],
            created_by=actor.user,
        )
        if place_ids:
            task.places.set(place_ids)
        log_action(
            actor,
            AuditAction.CREATE,
            task,
            detail={
                "episode": str(episode.code),
                "kind": data.kind,
                "owner": str(data.owner.code),
                "due_on": data.due_on.isoformat(),
            },
        )
    return task


def complete_task(actor, task, *, on=None) -> Task:
    """Mark a task done: its owner, or whoever sees the episode's details."""
    actor.require(Perm.VIEW_FOLLOWUP)
    if task.owner_id != actor.user.pk:
        _require_details(actor, task.episode)
    on = on or _today()
    _not_in_future(on, _("The date"))
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        if task.done_on is not None:
            raise FollowUpError(_("This task is already done."))
        task.done_on = on
        task.done_by = actor.user
        task.save(update_fields=["done_on", "done_by", "updated_at"])
        log_action(actor, AuditAction.UPDATE, task, reason="done", detail={"on": on.isoformat()})
    return task


def create_commission(actor, episode, *, requested_by, organisation, what, due_on) -> Commission:
    _require_details(actor, episode)
    _require_open(episode)
    requested_by, organisation, what = requested_by.strip(), organisation.strip(), what.strip()
    if not (requested_by and organisation and what):
        raise FollowUpError(_("Say who asked, from which organisation, and what is asked."))
    with transaction.atomic():
        commission = Commission.objects.create(
            service_id=actor.service_id,
            episode=episode,
            requested_by=requested_by[:120],
            requested_by_organisation=organisation[:120],
            what=what[:500],
            due_on=due_on,
            recorded_by=actor.user,
        )
        log_action(
            actor,
            AuditAction.CREATE,
            commission,
            detail={"episode": str(episode.code), "due_on": due_on.isoformat()},
        )
    return commission


def update_commission(actor, commission, *, status, outcome="") -> Commission:
    _require_details(actor, commission.episode)
    if status not in CommissionStatus.values:
        raise FollowUpError(_("Choose a status."))
    outcome = outcome.strip()
    if status in (CommissionStatus.DONE, CommissionStatus.DECLINED) and not outcome:
        raise FollowUpError(_("Say what came of the commission before closing it."))
    with transaction.atomic():
        old = commission.status
        commission.status = status
        commission.outcome = outcome[:500]
        commission.save(update_fields=["status", "outcome", "updated_at"])
        log_action(actor, AuditAction.UPDATE, commission, detail={"from": old, "to": status})
    return commission


# --- Settings and programmes ----------------------------------------------------------------


def save_settings(actor, *, inactive_after_days, share_details_with_workers) -> FollowUpSettings:
    actor.require(Perm.CONFIGURE_FOLLOWUP)
    if not 1 <= inactive_after_days <= 3650:
        raise FollowUpError(_("Enter a number of days between 1 and 3650."))
    with transaction.atomic():
        settings, _created = FollowUpSettings.objects.select_for_update().get_or_create(
            service_id=actor.service_id
        )
        settings.inactive_after_days = inactive_after_days
        settings.share_details_with_workers = share_details_with_workers
        settings.save()
        log_action(
            actor,
            AuditAction.UPDATE,
            settings,
            object_type="followupsettings",
            object_id=str(actor.service_id),
            detail={
                "inactive_after_days": inactive_after_days,
                "share_details_with_workers": share_details_with_workers,
            },
        )
    return settings


def create_programme(actor, *, name, description="") -> Programme:
    actor.require(Perm.CONFIGURE_FOLLOWUP)
    name = name.strip()
    if not name:
        raise FollowUpError(_("Give the programme a name."))
    if scoped(actor, Programme).filter(name__iexact=name).exists():
        raise FollowUpError(_("The service already has a programme with this name."))
    with transaction.atomic():
        programme = Programme.objects.create(
            service_id=actor.service_id, name=name[:120], description=description.strip()[:500]
        )
        log_action(actor, AuditAction.CREATE, programme, detail={"name": programme.name})
    return programme


def enrol(actor, programme, person, *, started_on=None) -> Participation:
    actor.require(Perm.MANAGE_FOLLOWUP)
    if programme.service_id != actor.service_id or person.service_id != actor.service_id:
        raise PermissionDenied
    started_on = started_on or _today()
    _not_in_future(started_on, _("The start date"))
    if not programme.is_active:
        raise FollowUpError(_("This programme is not running."))
    try:
        with transaction.atomic():
            if programme.participations.filter(person=person, ended_on__isnull=True).exists():
                raise FollowUpError(_("The person already takes part in this programme."))
            participation = Participation.objects.create(
                service_id=actor.service_id,
                programme=programme,
                person=person,
                started_on=started_on,
                recorded_by=actor.user,
            )
            log_action(
                actor,
                AuditAction.CREATE,
                participation,
                detail={"programme": str(programme.code), "person": str(person.code)},
            )
    except IntegrityError as error:
        raise FollowUpError(_("The person already takes part in this programme.")) from error
    return participation


def end_participation(actor, participation, *, ended_on=None) -> Participation:
    actor.require(Perm.MANAGE_FOLLOWUP)
    ended_on = ended_on or _today()
    _not_in_future(ended_on, _("The end date"))
    if participation.ended_on is not None:
        raise FollowUpError(_("This participation has already ended."))
    if ended_on < participation.started_on:
        raise FollowUpError(_("A participation cannot end before it started."))
    with transaction.atomic():
        participation.ended_on = ended_on
        participation.save(update_fields=["ended_on", "updated_at"])
        log_action(
            actor,
            AuditAction.UPDATE,
            participation,
            reason="end",
            detail={"ended_on": ended_on.isoformat()},
        )
    return participation


def record_session(actor, programme, *, date, attended_ids) -> list[SessionAttendance]:
    """Who came to a session on `date`: every current participant gets a row."""
    actor.require(Perm.VIEW_FOLLOWUP)
    if programme.service_id != actor.service_id:
        raise PermissionDenied
    _not_in_future(date, _("The session date"))
    participations = list(
        programme.participations.filter(started_on__lte=date, ended_on__isnull=True)
    )
    if not participations:
        raise FollowUpError(_("The programme had no participants on that date."))
    known = {p.pk for p in participations}
    if set(attended_ids) - known:
        raise FollowUpError(_("Choose among the programme's participants."))
    if SessionAttendance.objects.filter(participation__in=known, date=date).exists():
        raise FollowUpError(_("Attendance for this session is already recorded."))
    with transaction.atomic():
        rows = SessionAttendance.objects.bulk_create(
            [
                SessionAttendance(
                    service_id=actor.service_id,
                    participation=p,
                    date=date,
                    attended=p.pk in attended_ids,
                    recorded_by=actor.user,
                )
                for p in participations
            ]
        )
        log_action(
            actor,
            AuditAction.CREATE,
            programme,
            object_type="session",
            reason="attendance",
            detail={"date": date.isoformat(), "attended": len(set(attended_ids)), "of": len(rows)},
        )
    return rows
