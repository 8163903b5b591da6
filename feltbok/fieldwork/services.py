"""Patrols and encounters: the writes of field work, each in one transaction with its audit."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feltbok.accounts.models import Membership, Role
from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, scoped
from feltbok.fieldwork.models import (
    Encounter,
    EncounterKind,
    EncounterPerson,
    Patrol,
    PatrolStatus,
    Shift,
    Topic,
)
from feltbok.organisation.models import FieldArea
from feltbok.people import services as people_services
from feltbok.people.models import Person

# Roles that go out on patrol.
PATROL_ROLES = (Role.WORKER, Role.PEER_WORKER, Role.TEAM_LEAD)
MAX_HEAD_COUNT = 200


class FieldworkError(ValueError):
    """A rule of field work was broken; the message is shown to the user."""


def shift_for(moment) -> str:
    """The shift a start time belongs to: day until 16, evening until 22, then night."""
    hour = timezone.localtime(moment).hour
    if 7 <= hour < 16:
        return Shift.DAY
    if 16 <= hour < 22:
        return Shift.EVENING
    return Shift.NIGHT


def start_patrol(
    actor,
    *,
    colleague,
    shift,
    areas,
    other_members=(),
    partner_services=(),
    high_visibility=False,
) -> Patrol:
    """Start a patrol of the actor and at least one colleague (the two-person rule).

    On a joint patrol, staff of the partner services may be members; each service keeps
    its own records of what its staff record.
    """
    actor.require(Perm.RECORD_FIELDWORK)
    if colleague is None or colleague.pk == actor.user.pk:
        raise FieldworkError(_("A patrol needs at least two staff: choose a colleague."))
    members = {actor.user.pk, colleague.pk} | {user.pk for user in other_members}
    services = {actor.service_id} | {service.pk for service in partner_services}
    allowed = set(
        Membership.objects.filter(
            service_id__in=services, user_id__in=members, role__in=PATROL_ROLES, is_active=True
        ).values_list("user_id", flat=True)
    )
    if allowed != members:
        raise FieldworkError(_("Every member must be field staff of this service."))
    if shift not in Shift.values:
        raise FieldworkError(_("Choose a shift."))
    areas = list(areas)
    if not areas:
        raise FieldworkError(_("Choose at least one field area."))
    today = timezone.localdate()
    valid = set(scoped(actor, FieldArea).valid_on(today).values_list("pk", flat=True))
    if any(area.pk not in valid for area in areas):
        raise FieldworkError(_("Choose field areas of this service that are in use."))
    if active_patrol_of(actor) is not None:
        raise FieldworkError(_("You already have a patrol under way. End it first."))
    now = timezone.now()
    with transaction.atomic():
        patrol = Patrol.objects.create(
            service_id=actor.service_id,
            team=actor.membership.team,
            date=timezone.localdate(now),
            shift=shift,
            started_at=now,
            first_member=actor.user,
            second_member=colleague,
            high_visibility=high_visibility,
        )
        patrol.other_members.set([u for u in other_members if u.pk != colleague.pk])
        patrol.areas.set(areas)
        patrol.partner_services.set(partner_services)
        log_action(actor, AuditAction.CREATE, patrol, detail={"members": len(members)})
    return patrol


def active_patrol_of(actor):
    """The actor's patrol under way, if any."""
    return (
        scoped(actor, Patrol)
        .filter(status=PatrolStatus.ACTIVE)
        .filter(
            Q(first_member=actor.user) | Q(second_member=actor.user) | Q(other_members=actor.user)
        )
        .first()
    )


def _require_member(actor, patrol):
    actor.require(Perm.RECORD_FIELDWORK)
    if actor.user.pk not in patrol.member_ids():
        raise FieldworkError(_("Only the members of a patrol can record in it."))
    if not patrol.is_active:
        raise FieldworkError(_("This patrol has ended."))


def end_patrol(actor, patrol) -> Patrol:
    _require_member(actor, patrol)
    with transaction.atomic():
        updated = Patrol.objects.filter(pk=patrol.pk, status=PatrolStatus.ACTIVE).update(
            status=PatrolStatus.ENDED, ended_at=timezone.now(), updated_at=timezone.now()
        )
        if not updated:
            raise FieldworkError(_("This patrol has ended."))
        patrol.refresh_from_db()
        log_action(actor, AuditAction.UPDATE, patrol, detail={"status": "ended"})
    return patrol


@dataclass
class EncounterData:
    kind: str
    area: FieldArea
    persons: list[Person] = field(default_factory=list)
    head_count: int = 0
    topics: list[str] = field(default_factory=list)
    note: str = ""


def record_encounter(actor, patrol, data: EncounterData, new_person=None) -> Encounter:
    """Record a contact in a patrol; a new person (search-before-create done) is created too."""
    _require_member(actor, patrol)
    _check_encounter(actor, patrol, data, has_new_person=new_person is not None)
    now = timezone.now()
    with transaction.atomic():
        persons = list(data.persons)
        if new_person is not None:
            persons.append(people_services.create_person(actor, new_person))
        contact_count = len(persons) + (
            data.head_count if data.kind != EncounterKind.INDIVIDUAL else 0
        )
        encounter = Encounter.objects.create(
            service_id=actor.service_id,
            patrol=patrol,
            occurred_at=now,
            area=data.area,
            kind=data.kind,
            head_count=data.head_count,
            contact_count=contact_count,
            topics=sorted(set(data.topics)),
            note=data.note.strip(),
            recorded_by=actor.user,
        )
        EncounterPerson.objects.bulk_create(
            [
                EncounterPerson(
                    service_id=actor.service_id,
                    encounter=encounter,
                    person=person,
                    first_contact=person.first_contact_at is None,
                )
                for person in persons
            ]
        )
        person_ids = [person.pk for person in persons]
        Person.objects.filter(pk__in=person_ids, first_contact_at__isnull=True).update(
            first_contact_at=now
        )
        Person.objects.filter(pk__in=person_ids).update(last_contact_at=now, updated_at=now)
        log_action(
            actor,
            AuditAction.CREATE,
            encounter,
            detail={"persons": [str(person.code) for person in persons], "kind": data.kind},
        )
    return encounter


def _check_encounter(actor, patrol, data: EncounterData, has_new_person: bool):
    if data.kind not in EncounterKind.values:
        raise FieldworkError(_("Choose the kind of contact."))
    if data.area is None or data.area.service_id != actor.service_id:
        raise FieldworkError(_("Choose a field area."))
    if not patrol.areas.filter(pk=data.area.pk).exists():
        raise FieldworkError(_("Choose one of this patrol's field areas."))
    if any(topic not in Topic.values for topic in data.topics):
        raise FieldworkError(_("Unknown topic."))
    if any(person.service_id != actor.service_id for person in data.persons):
        raise FieldworkError(_("Unknown person."))
    persons = len(data.persons) + (1 if has_new_person else 0)
    if data.kind == EncounterKind.INDIVIDUAL and persons != 1:
        raise FieldworkError(_("An individual contact is with exactly one person."))
    if data.kind == EncounterKind.ANONYMOUS and (persons or data.head_count < 1):
        raise FieldworkError(_("An anonymous head count needs at least one person counted."))
    if not 0 <= data.head_count <= MAX_HEAD_COUNT:
        raise FieldworkError(_("The head count must be between 1 and 200."))
    if data.kind == EncounterKind.GROUP and persons + data.head_count < 2:
        raise FieldworkError(_("A group contact is with two people or more."))
    if len(data.note) > 500:
        raise FieldworkError(_("The note can be at most 500 characters."))
