"""The offline outbox: apply a batch of entries, each exactly once (docs/sync-protocol.md).

Each entry is applied in its own savepoint through the field-work and people services, and
its receipt is written in that same savepoint: an entry and its receipt land together or not
at all. The audit events of a group of entries are appended to the chain in one step when
the group commits (`batched_chain`); a rolled-back entry leaves none. A replay of a key
returns the stored receipt unchanged and writes nothing.

Everything an entry refers to is loaded for the whole batch up front (a fixed number of
queries per batch), so the work per entry does not grow with the size of the service's data.
A request that stores the same key or id at the same moment (a duplicate send) makes the
insert fail on a unique constraint: the entry is then answered from what that request stored.
"""

import datetime
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from pydantic import ValidationError

from feltbok.accounts.models import User
from feltbok.audit.models import AuditAction
from feltbok.audit.services import audited_savepoint, batched_chain, log_action
from feltbok.core.access import Actor, Perm, scoped
from feltbok.core.rows import insert_row
from feltbok.fieldwork import services as fieldwork
from feltbok.fieldwork.models import (
    AreaVisit,
    Debrief,
    Encounter,
    EnvironmentObservation,
    IncidentNote,
    Patrol,
)
from feltbok.organisation.models import Environment, FieldArea, Place
from feltbok.people.models import AnonymityLevel, Person
from feltbok.people.services import PersonData, PersonError
from feltbok.privacy.models import REMOVED, Erasure
from feltbok.sync import schemas
from feltbok.sync.models import SyncReceipt

logger = logging.getLogger(__name__)

# How many values go into one `IN (…)` list (SQLite allows a limited number of parameters).
CHUNK = 500
# Entries applied per transaction (each in its own savepoint within it).
COMMIT_EVERY = 100
LOOKUP_DAYS = 90
LOOKUP_LIMIT = 500

# The same words whether the object is missing or belongs to another service.
NOT_FOUND = {
    "patrol": gettext_lazy("The patrol was not found."),
    "area": gettext_lazy("The field area was not found."),
    "place": gettext_lazy("The place was not found."),
    "visit": gettext_lazy("The area visit was not found."),
    "environment": gettext_lazy("The environment was not found."),
    "person": gettext_lazy("A person in this entry was not found."),
    "encounter": gettext_lazy("The contact was not found."),
    "id": gettext_lazy("The id of this entry was not found. Record the entry again."),
}

# Entity kinds whose id the phone chooses: the model holding the id.
CLIENT_ID_MODELS = {
    "visit": AreaVisit,
    "observation": EnvironmentObservation,
    "encounter": Encounter,
    "incident": IncidentNote,
    "person": Person,
}


class Refused(Exception):
    """An entry refused with a status and code, before or instead of applying it."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class NotFound(Refused):
    def __init__(self, what: str):
        super().__init__(404, "not_found", str(NOT_FOUND[what]))


def refused(key, status, code, message) -> dict:
    return {"key": key, "status": status, "error": {"code": code, "message": message}}


def payload_hash(entry_type, data) -> str:
    """SHA-256 of the entry's type and data as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(
        {"type": entry_type, "data": data},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _describe(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    return " ".join(schemas.describe(error) for error in errors[:5])


@dataclass
class Parsed:
    """One entry as read from the body: valid data, or the answer refusing it."""

    key: str
    type: str = ""
    hash: str = ""
    data: schemas.Strict | None = None
    error: dict | None = None


def parse_entry(raw) -> Parsed:
    if not isinstance(raw, dict):
        return Parsed(
            key="",
            error=refused(
                "", 422, "malformed", _("An entry must be an object with key, type and data.")
            ),
        )
    echo = raw.get("key") if isinstance(raw.get("key"), str) else ""
    echo = echo[:64]
    try:
        envelope = schemas.Envelope.model_validate(raw)
    except ValidationError as exc:
        return Parsed(key=echo, error=refused(echo, 422, "malformed", _describe(exc)))
    try:
        digest = payload_hash(envelope.type, raw["data"])
    except (ValueError, RecursionError):
        message = _("The data of this entry cannot be read.")
        return Parsed(key=envelope.key, error=refused(envelope.key, 422, "malformed", message))
    parsed = Parsed(key=envelope.key, type=envelope.type, hash=digest)
    try:
        parsed.data = schemas.DATA_SCHEMAS[envelope.type].model_validate(envelope.data)
    except ValidationError as exc:
        # Not final: a stored receipt for this key still answers first (replay or reuse).
        parsed.error = refused(envelope.key, 422, "malformed", _describe(exc))
    return parsed


def apply_batch(actor: Actor, entries: list) -> list[dict]:
    """Apply the entries in order; one result per entry, in the same order.

    Committed every COMMIT_EVERY entries, so that a large batch does not hold the database
    (SQLite's write lock, the service's audit chain) for all of its length. A batch cut off
    half-way has stored a prefix of its entries, each with its receipt: the phone sends it
    all again and gets the stored answers for those.
    """
    actor.require(Perm.SYNC)
    parsed = [parse_entry(raw) for raw in entries]
    batch = Batch.load(actor, parsed)
    results = []
    for start in range(0, len(parsed), COMMIT_EVERY):
        with transaction.atomic(), batched_chain(actor.service_id):
            results += [batch.apply(entry) for entry in parsed[start : start + COMMIT_EVERY]]
    return results


def _chunks(values: Iterable) -> Iterable[list]:
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _by_code(queryset, codes, service_id=None) -> dict:
    """The rows with these codes (of one service, when given), by code.

    Filtered by code alone in SQL, then by service here: with the service in the WHERE clause
    SQLite may pick the service's index and read every row of a large service.
    """
    found = {}
    for chunk in _chunks(codes):
        found.update(
            (obj.code, obj)
            for obj in queryset.filter(code__in=chunk)
            if service_id is None or obj.service_id == service_id
        )
    return found


def _iso(moment):
    return moment.isoformat() if moment else None


@dataclass
class Batch:
    """One batch being applied: the actor, the receipts and everything the entries name."""

    actor: Actor
    receipts: dict[str, SyncReceipt] = field(default_factory=dict)
    patrols: dict = field(default_factory=dict)
    areas: dict = field(default_factory=dict)
    places: dict = field(default_factory=dict)
    environments: dict = field(default_factory=dict)
    visits: dict = field(default_factory=dict)
    persons: dict = field(default_factory=dict)
    encounters: dict = field(default_factory=dict)
    # For ids the phone chose: which service holds each one already, and its version.
    taken: dict = field(default_factory=lambda: {kind: {} for kind in CLIENT_ID_MODELS})
    # Changes to the maps above, kept until the entry's savepoint has committed.
    pending: list[Callable[[], None]] = field(default_factory=list)

    # --- Loading, once per batch ----------------------------------------------------------

    @classmethod
    def load(cls, actor, parsed: list[Parsed]) -> "Batch":
        batch = cls(actor=actor)
        batch._load_receipts({entry.key for entry in parsed if entry.type})
        refs = {name: set() for name in ("patrol", "area", "place", "visit", "environment")}
        refs |= {"person": set(), "encounter": set()}
        new_ids = {kind: set() for kind in CLIENT_ID_MODELS}
        for entry in parsed:
            if entry.data is not None and entry.key not in batch.receipts:
                _collect(entry.type, entry.data, refs, new_ids)
        batch._load_refs(refs)
        for kind, codes in new_ids.items():
            batch._load_taken(kind, codes)
        return batch

    def _load_receipts(self, keys):
        receipts = SyncReceipt.objects.filter(service_id=self.actor.service_id)
        for chunk in _chunks(keys):
            self.receipts.update(
                (receipt.key, receipt) for receipt in receipts.filter(key__in=chunk)
            )

    def _load_refs(self, refs):
        actor = self.actor
        # Each kind is read by its codes (the unique index), then only what the actor may use
        # is kept: the own service's rows, and on a joint patrol run by another service, that
        # patrol's areas, places and visits (partner staff record their own contacts there).
        # A filter "own OR joint" in SQL makes SQLite scan every row of the service.
        patrols = _by_code(
            Patrol.objects.prefetch_related("other_members", "areas", "partner_services"),
            refs["patrol"],
        )
        visits = _by_code(AreaVisit.objects.all(), refs["visit"])
        own = actor.service_id
        self.encounters = _by_code(Encounter.objects.all(), refs["encounter"], own)
        # Patrols named by the entries, and those of the visits and contacts they name.
        missing = {obj.patrol_id for obj in [*visits.values(), *self.encounters.values()]}
        missing -= {patrol.pk for patrol in patrols.values()}
        for chunk in _chunks(missing):
            for patrol in Patrol.objects.filter(pk__in=chunk).prefetch_related(
                "other_members", "areas", "partner_services"
            ):
                patrols[patrol.code] = patrol
        self.patrols = {code: p for code, p in patrols.items() if self._may_use_patrol(p)}
        usable = {patrol.pk: patrol for patrol in self.patrols.values()}
        joint_areas = {
            area.pk
            for patrol in self.patrols.values()
            if patrol.service_id != actor.service_id
            for area in patrol.areas.all()
        }
        self.visits = {
            code: visit
            for code, visit in visits.items()
            if visit.service_id == actor.service_id or visit.patrol_id in usable
        }
        self.areas = {
            code: area
            for code, area in _by_code(FieldArea.objects.all(), refs["area"]).items()
            if area.service_id == actor.service_id or area.pk in joint_areas
        }
        self.places = {
            code: place
            for code, place in _by_code(Place.objects.all(), refs["place"]).items()
            if place.service_id == actor.service_id or place.area_id in joint_areas
        }
        self.environments = _by_code(Environment.objects.all(), refs["environment"], own)
        self.persons = _by_code(
            Person.objects.only("id", "code", "service_id", "first_contact_at"),
            refs["person"],
            own,
        )
        # A contact or visit whose patrol the actor may no longer use is as good as unknown.
        self.visits = {c: v for c, v in self.visits.items() if v.patrol_id in usable}
        self.encounters = {c: e for c, e in self.encounters.items() if e.patrol_id in usable}
        for obj in [*self.visits.values(), *self.encounters.values()]:
            obj.patrol = usable[obj.patrol_id]

    def _may_use_patrol(self, patrol) -> bool:
        """The actor's service's patrol, or a joint patrol where it is a partner."""
        service_id = self.actor.service_id
        partners = patrol.partner_services.all()
        return patrol.service_id == service_id or any(s.pk == service_id for s in partners)

    def _load_taken(self, kind, codes):
        """Which of these ids exist already, in which service (a foreign one is a 404)."""
        model = CLIENT_ID_MODELS[kind]
        columns = ["code", "service_id"] + (["version"] if kind != "person" else [])
        for chunk in _chunks(codes):
            for row in model.objects.filter(code__in=chunk).values_list(*columns):
                self.taken[kind][row[0]] = (row[1], row[2] if len(row) > 2 else None)

    # --- Applying one entry ---------------------------------------------------------------

    def apply(self, entry: Parsed, retry=True) -> dict:
        if not entry.type:
            return entry.error
        receipt = self.receipts.get(entry.key)
        if receipt is not None:
            return self._replay(receipt, entry)
        if entry.error is not None:
            return entry.error
        handler = HANDLERS[entry.type]
        self.pending = []
        try:
            with audited_savepoint():
                outcome = {"key": entry.key, **handler(self, entry.data)}
                receipt = self._store(entry, outcome)
        except fieldwork.ConflictError as exc:
            self.pending = []
            outcome = {
                "key": entry.key,
                "status": 409,
                "error": {"code": "conflict", "message": str(exc)},
                "current": {**exc.current, **self._current(entry)},
            }
            try:
                with audited_savepoint():
                    receipt = self._store(entry, outcome)
            except IntegrityError:
                return self._after_race(entry, retry)
        except IntegrityError:
            return self._after_race(entry, retry)
        except Refused as exc:
            return refused(entry.key, exc.status, exc.code, exc.message)
        except (fieldwork.FieldworkError, PersonError) as exc:
            return refused(entry.key, 400, "invalid", str(exc))
        except DjangoValidationError as exc:
            return refused(entry.key, 400, "invalid", " ".join(exc.messages))
        except (Http404, ObjectDoesNotExist):
            return refused(entry.key, 404, "not_found", str(NOT_FOUND["id"]))
        except PermissionDenied:
            message = _("Your role may not record this.")
            return refused(entry.key, 403, "forbidden", message)
        except Exception:
            # A fault on our side must not hold up the rest of the outbox: the entry is
            # refused without a receipt, so the phone keeps it and sends it again later.
            logger.exception("sync entry %s (%s) failed", entry.key, entry.type)
            message = _("This entry could not be stored. It stays on the phone; try again later.")
            return refused(entry.key, 400, "error", message)
        finally:
            if entry.type == "patrol.end" and receipt is None:
                self._reload_patrol(entry.data.patrol)
        for change in self.pending:
            change()
        self.receipts[entry.key] = receipt
        return outcome

    def _replay(self, receipt, entry) -> dict:
        if receipt.payload_hash != entry.hash or receipt.user_id != self.actor.user.pk:
            message = _("This key was used for another entry. Send this entry with a new key.")
            return refused(entry.key, 422, "key_reused", message)
        return receipt.result

    def _store(self, entry, outcome) -> SyncReceipt:
        receipt = SyncReceipt(
            service_id=self.actor.service_id,
            key=entry.key,
            user=self.actor.user,
            payload_hash=entry.hash,
            status=outcome["status"],
            result=outcome,
        )
        return insert_row(receipt)

    def _after_race(self, entry, retry) -> dict:
        """Another request stored this key or id first (a duplicate send): read it again."""
        receipt = SyncReceipt.objects.filter(
            service_id=self.actor.service_id, key=entry.key
        ).first()
        if receipt is not None:
            self.receipts[entry.key] = receipt
            return self._replay(receipt, entry)
        if retry:
            for kind, codes in _new_ids(entry).items():
                self._load_taken(kind, codes)
            return self.apply(entry, retry=False)
        logger.warning("sync entry %s (%s) kept failing on a constraint", entry.key, entry.type)
        message = _("This entry could not be stored. It stays on the phone; try again later.")
        return refused(entry.key, 400, "error", message)

    def _reload_patrol(self, code):
        patrol = self.patrols.get(code)
        if patrol is not None:
            patrol.refresh_from_db(fields=["status", "ended_at"])

    def _current(self, entry) -> dict:
        """The server's version of a record in conflict, for the phone to show."""
        data = entry.data
        if entry.type == "visit.end":
            visit = AreaVisit.objects.get(pk=self.visits[data.id].pk)
            return {
                "id": str(visit.code),
                "version": visit.version,
                "arrived_at": _iso(visit.arrived_at),
                "left_at": _iso(visit.left_at),
            }
        if entry.type == "encounter.update":
            encounter = Encounter.objects.get(pk=self.encounters[data.id].pk)
            return {
                "id": str(encounter.code),
                "version": encounter.version,
                "note": encounter.note,
                "topics": encounter.topics,
            }
        if entry.type == "debrief":
            debrief = Debrief.objects.filter(patrol=self.patrols[data.patrol]).first()
            if debrief is None:
                return {"version": 0}
            return {
                "id": str(debrief.code),
                "version": debrief.version,
                "text": debrief.text,
                "follow_ups": debrief.follow_ups,
            }
        return {}

    # --- What the handlers share ----------------------------------------------------------

    def ref(self, mapping, code, what):
        if code is None:
            return None
        obj = mapping.get(code)
        if obj is None:
            raise NotFound(what)
        return obj

    def existing(self, kind, code, what="id", **extra) -> dict | None:
        """The answer for an id stored before (its receipt lost), or None for a new id."""
        found = self.taken[kind].get(code)
        if found is None:
            return None
        service_id, version = found
        if service_id != self.actor.service_id:
            raise NotFound(what)
        return {"status": 200, "result": {"id": str(code), "version": version, **extra}}

    def created(self, kind, obj, mapping=None):
        """Remember an entity made by this entry, once its savepoint has committed."""

        def remember():
            self.taken[kind][obj.code] = (obj.service_id, getattr(obj, "version", None))
            if mapping is not None:
                mapping[obj.code] = obj

        self.pending.append(remember)


def ok(status, obj, **extra) -> dict:
    return {"status": status, "result": {"id": str(obj.code), "version": obj.version, **extra}}


def _collect(entry_type, data, refs, new_ids):
    """The ids an entry names, by kind; and the ids it would create."""
    for name in ("patrol", "area", "place", "visit", "environment"):
        value = getattr(data, name, None)
        if isinstance(value, uuid.UUID):
            refs[name].add(value)
    if entry_type == "visit.end":
        refs["visit"].add(data.id)
    elif entry_type == "encounter.update":
        refs["encounter"].add(data.id)
    elif entry_type == "incident":
        refs["person"].update(data.persons)
    elif entry_type == "encounter":
        refs["person"].update(data.persons)
        if data.new_person is not None:
            refs["person"].add(data.new_person.id)
    for kind, codes in _new_ids_of(entry_type, data).items():
        new_ids[kind].update(codes)


def _new_ids_of(entry_type, data) -> dict:
    kind = {
        "visit.start": "visit",
        "observation": "observation",
        "encounter": "encounter",
        "incident": "incident",
    }.get(entry_type)
    if kind is None:
        return {}
    ids = {kind: {data.id}}
    if entry_type == "encounter" and data.new_person is not None:
        ids["person"] = {data.new_person.id}
    return ids


def _new_ids(entry: Parsed) -> dict:
    return _new_ids_of(entry.type, entry.data)


# --- The entry types ------------------------------------------------------------------------


def _visit_start(batch: Batch, data: schemas.VisitStartIn) -> dict:
    existing = batch.existing("visit", data.id)
    if existing:
        return existing
    patrol = batch.ref(batch.patrols, data.patrol, "patrol")
    area = batch.ref(batch.areas, data.area, "area")
    place = batch.ref(batch.places, data.place, "place")
    visit = fieldwork.start_visit(
        batch.actor, patrol, area=area, place=place, arrived_at=data.arrived_at, code=data.id
    )
    batch.created("visit", visit, batch.visits)
    return ok(201, visit)


def _visit_end(batch: Batch, data: schemas.VisitEndIn) -> dict:
    visit = batch.ref(batch.visits, data.id, "visit")
    ended = fieldwork.end_visit(batch.actor, visit, left_at=data.left_at, version=data.version)
    ended.patrol = visit.patrol
    batch.pending.append(lambda: batch.visits.__setitem__(ended.code, ended))
    return ok(200, ended)


def _observation(batch: Batch, data: schemas.ObservationIn) -> dict:
    existing = batch.existing("observation", data.id)
    if existing:
        return existing
    visit = batch.ref(batch.visits, data.visit, "visit")
    environment = batch.ref(batch.environments, data.environment, "environment")
    observation = fieldwork.record_observation(
        batch.actor,
        visit,
        fieldwork.ObservationData(
            environment=environment,
            people_present=data.people_present,
            age_mix=list(data.age_mix),
            mood=data.mood or "",
            substances=list(data.substances),
            note=data.note,
            observed_at=data.observed_at,
            code=data.id,
        ),
    )
    batch.created("observation", observation)
    return ok(201, observation)


def _encounter(batch: Batch, data: schemas.EncounterIn) -> dict:
    new = data.new_person
    extra = {"person": str(new.id)} if new is not None else {}
    existing = batch.existing("encounter", data.id, **extra)
    if existing:
        return existing
    patrol = batch.ref(batch.patrols, data.patrol, "patrol")
    area = batch.ref(batch.areas, data.area, "area")
    visit = batch.ref(batch.visits, data.visit, "visit")
    place = batch.ref(batch.places, data.place, "place")
    persons = [batch.ref(batch.persons, code, "person") for code in data.persons]
    person_data = None
    if new is not None:
        if new.id in data.persons:
            raise Refused(422, "malformed", _("The new person is also listed as known."))
        if batch.existing("person", new.id, what="person") is not None:
            # Created before by another entry with this id: a contact with that person.
            persons.append(batch.ref(batch.persons, new.id, "person"))
        else:
            person_data = PersonData(
                anonymity_level=new.anonymity_level,
                nickname=new.nickname,
                description=new.description,
                gender=new.gender,
                age_band=new.age_band,
                code=new.id,
            )
    encounter = fieldwork.record_encounter(
        batch.actor,
        patrol,
        fieldwork.EncounterData(
            kind=data.kind,
            area=area,
            persons=persons,
            head_count=data.head_count,
            topics=list(data.topics),
            note=data.note,
            outreach_mode=data.outreach_mode,
            visit=visit,
            place=place,
            occurred_at=data.occurred_at,
            code=data.id,
            position=(data.position.lat, data.position.lon) if data.position else None,
        ),
        new_person=person_data,
    )
    batch.created("encounter", encounter, batch.encounters)
    encounter.patrol = patrol
    if person_data is not None:
        batch.created("person", encounter.new_person, batch.persons)

    def met():
        for person in persons:
            if person.first_contact_at is None:
                person.first_contact_at = encounter.occurred_at

    batch.pending.append(met)
    return ok(201, encounter, **extra)


def _tally(batch: Batch, data: schemas.TallyIn) -> dict:
    patrol = batch.ref(batch.patrols, data.patrol, "patrol")
    area = batch.ref(batch.areas, data.area, "area")
    visit = batch.ref(batch.visits, data.visit, "visit")
    place = batch.ref(batch.places, data.place, "place")
    counts: dict[tuple[str, str], int] = {}
    for cell in data.counts:
        key = (cell.age_band, cell.gender)
        counts[key] = counts.get(key, 0) + cell.count
    encounters = fieldwork.record_tally(
        batch.actor,
        patrol,
        area=area,
        counts=counts,
        visit=visit,
        place=place,
        occurred_at=data.occurred_at,
    )
    return ok(201, encounters[0], ids=[str(encounter.code) for encounter in encounters])


def _encounter_update(batch: Batch, data: schemas.EncounterUpdateIn) -> dict:
    encounter = batch.ref(batch.encounters, data.id, "encounter")
    updated = fieldwork.update_encounter(
        batch.actor,
        encounter,
        version=data.version,
        note=data.note,
        topics=list(data.topics) if data.topics is not None else None,
    )
    updated.patrol = encounter.patrol
    batch.pending.append(lambda: batch.encounters.__setitem__(updated.code, updated))
    return ok(200, updated)


def _incident(batch: Batch, data: schemas.IncidentIn) -> dict:
    existing = batch.existing("incident", data.id)
    if existing:
        return existing
    patrol = batch.ref(batch.patrols, data.patrol, "patrol")
    area = batch.ref(batch.areas, data.area, "area")
    visit = batch.ref(batch.visits, data.visit, "visit")
    if visit is not None and visit.patrol_id != patrol.pk:
        raise fieldwork.FieldworkError(_("The visit belongs to another patrol."))
    staff = []
    if data.staff_affected:
        staff = list(User.objects.filter(code__in=data.staff_affected, pk__in=patrol.member_ids()))
        if len(staff) != len(data.staff_affected):
            raise fieldwork.FieldworkError(_("Staff affected must be members of this patrol."))
    incident = fieldwork.record_incident(
        batch.actor,
        patrol,
        fieldwork.IncidentData(
            kind=data.kind,
            area=area,
            note=data.note,
            visit=visit,
            occurred_at=data.occurred_at,
            code=data.id,
            actions=list(data.actions),
            place=batch.ref(batch.places, data.place, "place"),
            persons=[batch.ref(batch.persons, code, "person") for code in data.persons],
            staff_affected=staff,
        ),
    )
    batch.created("incident", incident)
    return ok(201, incident)


def _patrol_end(batch: Batch, data: schemas.PatrolEndIn) -> dict:
    patrol = batch.ref(batch.patrols, data.patrol, "patrol")
    patrol = fieldwork.end_patrol(batch.actor, patrol, ended_at=data.ended_at)
    # A patrol has no version number: it is ended once and never edited.
    return {"status": 200, "result": {"id": str(patrol.code), "ended_at": _iso(patrol.ended_at)}}


def _debrief(batch: Batch, data: schemas.DebriefIn) -> dict:
    patrol = batch.ref(batch.patrols, data.patrol, "patrol")
    # Absent or 0: the first debrief. An existing one is never overwritten unseen.
    version = data.version or 0
    debrief = fieldwork.write_debrief(
        batch.actor, patrol, text=data.text, follow_ups=list(data.follow_ups), version=version
    )
    return ok(201 if version == 0 else 200, debrief)


HANDLERS: dict[str, Callable[[Batch, schemas.Strict], dict]] = {
    "visit.start": _visit_start,
    "visit.end": _visit_end,
    "observation": _observation,
    "encounter": _encounter,
    "tally": _tally,
    "encounter.update": _encounter_update,
    "incident": _incident,
    "patrol.end": _patrol_end,
    "debrief": _debrief,
}


# --- The offline look-up list ---------------------------------------------------------------


def lookup_list(actor: Actor) -> list[dict]:
    """Persons met in the last 90 days (at most 500): name and safety flags, audited."""
    actor.require(Perm.SYNC)
    actor.require(Perm.SEARCH_PERSON)
    since = timezone.now() - datetime.timedelta(days=LOOKUP_DAYS)
    persons = list(
        scoped(actor, Person)
        .filter(last_contact_at__gte=since)
        # Erased or anonymised by retention: nothing left to find (privacy.services).
        .exclude(anonymity_level=AnonymityLevel.DESCRIPTION, description=REMOVED)
        .only("code", "nickname", "description", "flags", "last_contact_at")
        .order_by("-last_contact_at")[:LOOKUP_LIMIT]
    )
    log_action(
        actor,
        AuditAction.SEARCH,
        object_type="person",
        reason=gettext_noop("offline look-up list"),
        detail={"results": [str(person.code) for person in persons]},
    )
    return [
        {
            "id": person.code,
            "name": person.display_name,
            "flags": [flag for flag, _label in person.flag_items],
        }
        for person in persons
    ]


def lookup_removals(actor: Actor) -> list:
    """Persons erased in the last 90 days: a phone that keeps its list drops them at sync.

    The phone replaces its whole list on each fetch, so an erased person is gone anyway; the
    removal list tells any copy kept longer (or merged) to drop it too.
    """
    actor.require(Perm.SYNC)
    since = timezone.now() - datetime.timedelta(days=LOOKUP_DAYS)
    return list(
        Erasure.objects.filter(service_id=actor.service_id, created_at__gte=since).values_list(
            "person__code", flat=True
        )
    )
