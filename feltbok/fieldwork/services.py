"""Patrols and encounters: the writes of field work, each in one transaction with its audit."""

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feltbok.accounts.models import Membership, Role
from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, scoped
from feltbok.core.rows import insert_row
from feltbok.core.transactions import write_transaction
from feltbok.fieldwork.models import (
    AreaVisit,
    Debrief,
    Encounter,
    EncounterKind,
    EncounterPerson,
    EnvironmentObservation,
    IncidentAction,
    IncidentKind,
    IncidentNote,
    IncidentPerson,
    Mood,
    OutreachMode,
    Patrol,
    PatrolStatus,
    Shift,
    Substance,
    Topic,
)
from feltbok.organisation.models import Environment, FieldArea, Place
from feltbok.people import services as people_services
from feltbok.people.models import AgeBand, Gender, Person

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
    with write_transaction():
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
    """The actor's patrol under way, if any: of their service, or a joint one as partner."""
    return (
        Patrol.objects.filter(Q(service_id=actor.service_id) | Q(partner_services=actor.service_id))
        .filter(status=PatrolStatus.ACTIVE)
        .filter(
            Q(first_member=actor.user) | Q(second_member=actor.user) | Q(other_members=actor.user)
        )
        .first()
    )


def _has_area(patrol, area):
    """Whether `area` is one of the patrol's; uses the prefetched areas when loaded."""
    return any(candidate.pk == area.pk for candidate in patrol.areas.all())


def _require_member(actor, patrol, *, partner_records=False):
    """The actor is a member of the active patrol, and may record this in it.

    On a joint patrol, each service keeps its own records: partner staff record their own
    contacts, head counts and incidents (stored in their service); arrivals, observations,
    ending and the debrief are the records of the service that runs the patrol.
    """
    actor.require(Perm.RECORD_FIELDWORK)
    if actor.user.pk not in patrol.member_ids():
        raise FieldworkError(_("Only the members of a patrol can record in it."))
    foreign = patrol.service_id != actor.service_id
    if foreign and not (partner_records and is_partner_of(actor, patrol)):
        raise FieldworkError(_("This is recorded by the service that runs the joint patrol."))
    if not patrol.is_active:
        raise FieldworkError(_("This patrol has ended."))


def is_partner_of(actor, patrol) -> bool:
    """Whether the actor's service is a partner in this (joint) patrol."""
    return patrol.partner_services.filter(pk=actor.service_id).exists()


def end_patrol(actor, patrol, ended_at=None) -> Patrol:
    _require_member(actor, patrol)
    ended_at = _client_time(patrol, ended_at)
    with write_transaction():
        # Open area visits end with the patrol.
        AreaVisit.objects.filter(patrol=patrol, left_at__isnull=True).update(
            left_at=ended_at, version=F("version") + 1, updated_at=timezone.now()
        )
        updated = Patrol.objects.filter(pk=patrol.pk, status=PatrolStatus.ACTIVE).update(
            status=PatrolStatus.ENDED, ended_at=ended_at, updated_at=timezone.now()
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
    outreach_mode: str = OutreachMode.OPEN
    visit: AreaVisit | None = None
    place: Place | None = None
    age_band: str = ""
    gender: str = ""
    # Set by the offline outbox: when it happened on the phone, and the phone's own id.
    occurred_at: datetime.datetime | None = None
    code: uuid.UUID | None = None
    # (latitude, longitude): only where the service stores exact locations.
    position: tuple[float, float] | None = None


def record_encounter(actor, patrol, data: EncounterData, new_person=None) -> Encounter:
    """Record a contact in a patrol; a new person (search-before-create done) is created too."""
    _require_member(actor, patrol, partner_records=True)
    _check_encounter(actor, patrol, data, has_new_person=new_person is not None)
    now = timezone.now()
    occurred_at = _client_time(patrol, data.occurred_at)
    created_person = None
    with write_transaction():
        persons = list(data.persons)
        if new_person is not None:
            persons.append(people_services.create_person(actor, new_person))
            # For the caller (the offline sync remembers it for later entries).
            created_person = persons[-1]
        contact_count = len(persons) + (
            data.head_count if data.kind != EncounterKind.INDIVIDUAL else 0
        )
        encounter = Encounter(
            code=data.code or uuid.uuid4(),
            service_id=actor.service_id,
            patrol=patrol,
            occurred_at=occurred_at,
            area=data.area,
            kind=data.kind,
            head_count=data.head_count,
            contact_count=contact_count,
            topics=sorted(set(data.topics)),
            note=data.note.strip(),
            recorded_by=actor.user,
            visit=data.visit,
            place=data.place,
            outreach_mode=data.outreach_mode,
            age_band=data.age_band,
            gender=data.gender,
            latitude=_degrees(data.position[0]) if data.position else None,
            longitude=_degrees(data.position[1]) if data.position else None,
            # What Encounter.save() would set; insert_row does not call it.
            local_date=timezone.localtime(occurred_at).date(),
        )
        insert_row(encounter)
        if persons:
            _note_contact(actor, encounter, persons, occurred_at, now)
        log_action(
            actor,
            AuditAction.CREATE,
            encounter,
            detail={"persons": [str(person.code) for person in persons], "kind": data.kind},
        )
    if created_person is not None:
        created_person.first_contact_at = occurred_at  # as just stored by _note_contact
    encounter.new_person = created_person
    return encounter


def _note_contact(actor, encounter, persons, occurred_at, now):
    """Link the persons met and move their first and last contact."""
    for person in persons:
        insert_row(
            EncounterPerson(
                service_id=actor.service_id,
                encounter=encounter,
                person=person,
                first_contact=person.first_contact_at is None,
            )
        )
    people_services.note_contact_times([person.pk for person in persons], occurred_at, now)


def _check_encounter(actor, patrol, data: EncounterData, has_new_person: bool):
    if data.kind not in EncounterKind.values:
        raise FieldworkError(_("Choose the kind of contact."))
    if data.area is None or data.area.service_id != patrol.service_id:
        raise FieldworkError(_("Choose a field area."))
    if not _has_area(patrol, data.area):
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
    if data.outreach_mode not in OutreachMode.values:
        raise FieldworkError(_("Choose open or targeted outreach."))
    if data.visit is not None and data.visit.patrol_id != patrol.pk:
        raise FieldworkError(_("The visit belongs to another patrol."))
    if data.place is not None and data.place.area_id != data.area.pk:
        raise FieldworkError(_("The place is not in the chosen field area."))
    if data.kind != EncounterKind.ANONYMOUS and (data.age_band or data.gender):
        raise FieldworkError(_("Age band and gender are recorded on persons, not on contacts."))
    if data.age_band and data.age_band not in AgeBand.values:
        raise FieldworkError(_("Choose an age band."))
    if data.gender and data.gender not in Gender.values:
        raise FieldworkError(_("Choose a gender."))
    if data.position is not None:
        _check_position(actor, data.position)


def _check_position(actor, position):
    """An exact position only where the service has turned it on, and a real one."""
    if not actor.service.exact_location_enabled:
        raise FieldworkError(
            _("This service does not store exact locations: record the area and place.")
        )
    latitude, longitude = position
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise FieldworkError(_("The position is not a place on earth."))


def _degrees(value) -> Decimal:
    """Five decimals: about a metre, more than a phone's fix."""
    return Decimal(str(value)).quantize(Decimal("0.00001"))


# How far a phone's clock may run ahead of the server before its times are refused.
CLOCK_SKEW = datetime.timedelta(minutes=5)


def _client_time(patrol, moment):
    """A time reported by a phone: never in the future, never before the patrol started."""
    now = timezone.now()
    if moment is None:
        return now
    if timezone.is_naive(moment):
        raise FieldworkError(_("Times must carry a time zone."))
    if moment > now + CLOCK_SKEW:
        raise FieldworkError(_("The time is in the future."))
    if moment < patrol.started_at - CLOCK_SKEW:
        raise FieldworkError(_("The time is before the patrol started."))
    return min(moment, now)


class ConflictError(FieldworkError):
    """Someone else changed the record first: shown for resolution, never overwritten."""

    def __init__(self, message, current):
        super().__init__(message)
        self.current = current


def _check_version(obj, version):
    if version is not None and version != obj.version:
        raise ConflictError(
            _("This was changed on another device. Check the newest version and try again."),
            current={"version": obj.version},
        )


def start_visit(actor, patrol, *, area, place=None, arrived_at=None, code=None) -> AreaVisit:
    """The patrol arrives in an area (or at a place in it); an open visit elsewhere ends."""
    _require_member(actor, patrol)
    if not _has_area(patrol, area):
        raise FieldworkError(_("Choose one of this patrol's field areas."))
    if place is not None and place.area_id != area.pk:
        raise FieldworkError(_("The place is not in the chosen field area."))
    arrived_at = _client_time(patrol, arrived_at)
    with write_transaction():
        open_visits = AreaVisit.objects.select_for_update().filter(
            patrol=patrol, left_at__isnull=True, arrived_at__lte=arrived_at
        )
        for visit in open_visits:
            visit.left_at = arrived_at
            visit.version += 1
            visit.save(update_fields=["left_at", "version", "updated_at"])
        visit = AreaVisit.objects.create(
            code=code or uuid.uuid4(),
            service_id=patrol.service_id,
            patrol=patrol,
            area=area,
            place=place,
            arrived_at=arrived_at,
        )
        log_action(actor, AuditAction.CREATE, visit, detail={"area": str(area.code)})
    return visit


def end_visit(actor, visit, *, left_at=None, version=None) -> AreaVisit:
    _require_member(actor, visit.patrol)
    left_at = _client_time(visit.patrol, left_at)
    with write_transaction():
        visit = AreaVisit.objects.select_for_update().get(pk=visit.pk)
        _check_version(visit, version)
        if left_at < visit.arrived_at:
            raise FieldworkError(_("The patrol cannot leave before it arrived."))
        visit.left_at = left_at
        visit.version += 1
        visit.save(update_fields=["left_at", "version", "updated_at"])
        log_action(actor, AuditAction.UPDATE, visit, detail={"left": True})
    return visit


@dataclass
class ObservationData:
    environment: Environment | None = None
    people_present: int | None = None
    age_mix: list[str] = field(default_factory=list)
    mood: str = ""
    substances: list[str] = field(default_factory=list)
    note: str = ""
    observed_at: datetime.datetime | None = None
    code: uuid.UUID | None = None


def record_observation(actor, visit, data: ObservationData) -> EnvironmentObservation:
    """What the patrol saw of an environment: how many, age mix, mood, substances, news."""
    _require_member(actor, visit.patrol)
    if data.environment is not None and data.environment.service_id != visit.service_id:
        raise FieldworkError(_("Unknown environment."))
    if data.people_present is not None and not 0 <= data.people_present <= 1000:
        raise FieldworkError(_("People present must be between 0 and 1000."))
    if any(band not in AgeBand.values for band in data.age_mix):
        raise FieldworkError(_("Choose an age band."))
    if data.mood and data.mood not in Mood.values:
        raise FieldworkError(_("Choose a mood."))
    if any(substance not in Substance.values for substance in data.substances):
        raise FieldworkError(_("Unknown substance."))
    if len(data.note) > 1000:
        raise FieldworkError(_("The note can be at most 1000 characters."))
    observed_at = _client_time(visit.patrol, data.observed_at)
    with write_transaction():
        observation = EnvironmentObservation.objects.create(
            code=data.code or uuid.uuid4(),
            service_id=visit.service_id,
            visit=visit,
            environment=data.environment,
            observed_at=observed_at,
            people_present=data.people_present,
            age_mix=sorted(set(data.age_mix)),
            mood=data.mood,
            substances=sorted(set(data.substances)),
            note=data.note.strip(),
            recorded_by=actor.user,
        )
        log_action(actor, AuditAction.CREATE, observation)
    return observation


def record_tally(actor, patrol, *, area, counts, visit=None, place=None, occurred_at=None):
    """Anonymous head counts by age band and gender (the +1 buttons): one row per cell.

    The cells are stored in one insert with one audit event for the tally.
    """
    _require_member(actor, patrol, partner_records=True)
    cells = {key: n for key, n in counts.items() if n}
    if not cells:
        raise FieldworkError(_("An anonymous head count needs at least one person counted."))
    occurred_at = _client_time(patrol, occurred_at)
    encounters = []
    for (age_band, gender), n in sorted(cells.items()):
        data = EncounterData(
            kind=EncounterKind.ANONYMOUS,
            area=area,
            head_count=n,
            visit=visit,
            place=place,
            age_band=age_band,
            gender=gender,
        )
        _check_encounter(actor, patrol, data, has_new_person=False)
        encounter = Encounter(
            service_id=actor.service_id,
            patrol=patrol,
            occurred_at=occurred_at,
            local_date=timezone.localtime(occurred_at).date(),
            area=area,
            kind=EncounterKind.ANONYMOUS,
            head_count=n,
            contact_count=n,
            recorded_by=actor.user,
            visit=visit,
            place=place,
            age_band=age_band,
            gender=gender,
        )
        encounters.append(encounter)
    with write_transaction():
        Encounter.objects.bulk_create(encounters)
        log_action(
            actor,
            AuditAction.CREATE,
            object_type="encounter",
            object_id=str(encounters[0].code),
            detail={
                "kind": EncounterKind.ANONYMOUS,
                "tally": [str(encounter.code) for encounter in encounters],
            },
        )
    return encounters


def update_encounter(actor, encounter, *, version, note=None, topics=None) -> Encounter:
    """Correct a contact's note or topics; an edit made elsewhere first is a conflict."""
    _require_member(actor, encounter.patrol, partner_records=True)
    if encounter.service_id != actor.service_id:
        raise FieldworkError(_("Unknown contact."))
    if note is not None and len(note) > 500:
        raise FieldworkError(_("The note can be at most 500 characters."))
    if topics is not None and any(topic not in Topic.values for topic in topics):
        raise FieldworkError(_("Unknown topic."))
    with write_transaction():
        encounter = Encounter.objects.select_for_update().get(pk=encounter.pk)
        _check_version(encounter, version)
        changed = []
        if note is not None:
            encounter.note = note.strip()
            changed.append("note")
        if topics is not None:
            encounter.topics = sorted(set(topics))
            changed.append("topics")
        encounter.version += 1
        encounter.save(update_fields=[*changed, "version", "updated_at"])
        log_action(actor, AuditAction.UPDATE, encounter, detail={"fields": changed})
    return encounter


@dataclass
class IncidentData:
    kind: str
    area: FieldArea
    note: str
    visit: AreaVisit | None = None
    occurred_at: datetime.datetime | None = None
    code: uuid.UUID | None = None
    actions: list[str] = field(default_factory=list)
    place: Place | None = None
    # Persons of the actor's service involved; staff affected must be members of the patrol.
    persons: list[Person] = field(default_factory=list)
    staff_affected: list = field(default_factory=list)


MAX_INCIDENT_PERSONS = 20


def record_incident(actor, patrol, data: IncidentData) -> IncidentNote:
    """What happened, what was done, who was involved and which staff were affected."""
    _require_member(actor, patrol, partner_records=True)
    _check_incident(actor, patrol, data)
    occurred_at = _client_time(patrol, data.occurred_at)
    with write_transaction():
        incident = IncidentNote.objects.create(
            code=data.code or uuid.uuid4(),
            service_id=actor.service_id,
            patrol=patrol,
            visit=data.visit,
            area=data.area,
            place=data.place,
            occurred_at=occurred_at,
            kind=data.kind,
            note=data.note.strip(),
            actions=sorted(set(data.actions)),
            recorded_by=actor.user,
        )
        persons = {person.pk: person for person in data.persons}.values()
        IncidentPerson.objects.bulk_create(
            [
                IncidentPerson(service_id=actor.service_id, incident=incident, person=person)
                for person in persons
            ]
        )
        if data.staff_affected:
            incident.staff_affected.set(data.staff_affected)
        log_action(
            actor,
            AuditAction.CREATE,
            incident,
            detail={
                "kind": data.kind,
                "actions": incident.actions,
                "persons": [str(person.code) for person in persons],
                "staff_affected": len({user.pk for user in data.staff_affected}),
            },
        )
    return incident


def _check_incident(actor, patrol, data: IncidentData):
    if data.kind not in IncidentKind.values:
        raise FieldworkError(_("Choose the kind of incident."))
    if not _has_area(patrol, data.area):
        raise FieldworkError(_("Choose one of this patrol's field areas."))
    if not data.note.strip() or len(data.note) > 1000:
        raise FieldworkError(_("Describe what happened in at most 1000 characters."))
    if data.visit is not None and data.visit.patrol_id != patrol.pk:
        raise FieldworkError(_("The visit belongs to another patrol."))
    if any(action not in IncidentAction.values for action in data.actions):
        raise FieldworkError(_("Unknown action."))
    if data.place is not None and data.place.area_id != data.area.pk:
        raise FieldworkError(_("The place is not in the chosen field area."))
    if len(data.persons) > MAX_INCIDENT_PERSONS:
        raise FieldworkError(_("At most 20 persons can be linked to one incident."))
    if any(person.service_id != actor.service_id for person in data.persons):
        raise FieldworkError(_("Unknown person."))
    members = patrol.member_ids()
    if any(user.pk not in members for user in data.staff_affected):
        raise FieldworkError(_("Staff affected must be members of this patrol."))


MAX_FOLLOW_UPS = 20


def write_debrief(actor, patrol, *, text, follow_ups=(), version=None) -> Debrief:
    """The pair's debrief; members write it during or after the patrol."""
    actor.require(Perm.RECORD_FIELDWORK)
    if actor.user.pk not in patrol.member_ids() or patrol.service_id != actor.service_id:
        raise FieldworkError(_("Only the members of a patrol can record in it."))
    follow_ups = [item.strip() for item in follow_ups if item.strip()]
    if len(text) > 4000:
        raise FieldworkError(_("The debrief can be at most 4000 characters."))
    if len(follow_ups) > MAX_FOLLOW_UPS or any(len(item) > 200 for item in follow_ups):
        raise FieldworkError(_("At most 20 follow-ups of at most 200 characters each."))
    with write_transaction():
        debrief = Debrief.objects.select_for_update().filter(patrol=patrol).first()
        if debrief is None:
            if version not in (None, 0):
                raise ConflictError(_("The debrief was removed."), current={"version": 0})
            debrief = Debrief.objects.create(
                service_id=patrol.service_id,
                patrol=patrol,
                text=text.strip(),
                follow_ups=follow_ups,
                written_by=actor.user,
            )
            log_action(actor, AuditAction.CREATE, debrief)
            return debrief
        _check_version(debrief, version)
        debrief.text = text.strip()
        debrief.follow_ups = follow_ups
        debrief.written_by = actor.user
        debrief.version += 1
        debrief.save(update_fields=["text", "follow_ups", "written_by", "version", "updated_at"])
        log_action(actor, AuditAction.UPDATE, debrief)
    return debrief
