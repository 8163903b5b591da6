"""The shapes of the sync API (docs/sync-protocol.md), validated strictly.

Each entry is validated on its own (`ENVELOPE`, then `DATA_SCHEMAS[type]`): one malformed
entry is refused with a clear message while the rest of the batch is applied. The
discriminated union `SyncRequest` describes the whole body for the OpenAPI schema.
"""

import functools
import operator
import re
import uuid
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    create_model,
)
from pydantic_core import PydanticCustomError

from feltbok.fieldwork.models import (
    EncounterKind,
    IncidentAction,
    IncidentKind,
    Mood,
    OutreachMode,
    Substance,
    Topic,
)
from feltbok.fieldwork.services import MAX_FOLLOW_UPS, MAX_HEAD_COUNT, MAX_INCIDENT_PERSONS
from feltbok.people.models import AgeBand, AnonymityLevel, Gender

MAX_ENTRIES = 1000
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_PERSONS = 50

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# Control characters (tab and line breaks allowed) and lone surrogates: never stored.
_FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _uuid_text(value):
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise PydanticCustomError("uuid_text", "a UUID in its usual 8-4-4-4-12 form")
    return value


def _iso_time_text(value):
    if not isinstance(value, str) or not _ISO_TIME.match(value):
        raise PydanticCustomError("iso_time", "an ISO 8601 time with a time zone")
    return value


def _clean_text(value):
    if isinstance(value, str) and _FORBIDDEN_CHARACTERS.search(value):
        raise PydanticCustomError("forbidden_characters", "text without control characters")
    return value


def _choices(*values):
    return Literal[tuple(values)]


ClientId = Annotated[uuid.UUID, BeforeValidator(_uuid_text)]
ClientTime = Annotated[AwareDatetime, BeforeValidator(_iso_time_text)]
Version = Annotated[StrictInt, Field(ge=1, le=2_000_000_000)]


def Text(max_length: int):
    return Annotated[StrictStr, Field(max_length=max_length), BeforeValidator(_clean_text)]


Key = Annotated[StrictStr, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
AgeBandChoice = _choices(*AgeBand.values)
GenderChoice = _choices(*Gender.values)
TopicChoice = _choices(*Topic.values)
ENTRY_TYPES = (
    "visit.start",
    "visit.end",
    "observation",
    "encounter",
    "tally",
    "encounter.update",
    "incident",
    "patrol.end",
    "debrief",
)
EntryType = _choices(*ENTRY_TYPES)


def _unique(values):
    if values is not None and len(set(values)) != len(values):
        raise PydanticCustomError("duplicates", "each id once")
    return values


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VisitStartIn(Strict):
    id: ClientId
    patrol: ClientId
    area: ClientId
    place: ClientId | None = None
    arrived_at: ClientTime


class VisitEndIn(Strict):
    id: ClientId
    left_at: ClientTime
    version: Version


class ObservationIn(Strict):
    id: ClientId
    visit: ClientId
    environment: ClientId | None = None
    observed_at: ClientTime
    people_present: Annotated[StrictInt, Field(ge=0, le=1000)] | None = None
    age_mix: Annotated[list[AgeBandChoice], Field(max_length=len(AgeBand.values))] = []
    mood: _choices(*Mood.values) | None = None
    substances: Annotated[
        list[_choices(*Substance.values)], Field(max_length=len(Substance.values))
    ] = []
    note: Text(1000) = ""


class NewPersonIn(Strict):
    """Only what the phone may hold: a nickname or a description, never an identity."""

    id: ClientId
    anonymity_level: _choices(AnonymityLevel.NICKNAME.value, AnonymityLevel.DESCRIPTION.value)
    nickname: Text(60) = ""
    description: Text(300) = ""
    gender: GenderChoice
    age_band: AgeBandChoice


class PositionIn(Strict):
    """Where the phone was: sent only where the service stores exact locations."""

    # Numbers, not strings; a whole number of degrees is a number too.
    lat: Annotated[StrictFloat, Field(ge=-90, le=90, allow_inf_nan=False)]
    lon: Annotated[StrictFloat, Field(ge=-180, le=180, allow_inf_nan=False)]


class EncounterIn(Strict):
    id: ClientId
    patrol: ClientId
    area: ClientId
    visit: ClientId | None = None
    place: ClientId | None = None
    occurred_at: ClientTime
    kind: _choices(*EncounterKind.values)
    persons: Annotated[list[ClientId], Field(max_length=MAX_PERSONS), BeforeValidator(_unique)] = []
    new_person: NewPersonIn | None = None
    head_count: Annotated[StrictInt, Field(ge=0, le=MAX_HEAD_COUNT)] = 0
    topics: Annotated[list[TopicChoice], Field(max_length=len(Topic.values))] = []
    outreach_mode: _choices(*OutreachMode.values) = OutreachMode.OPEN.value
    note: Text(500) = ""
    position: PositionIn | None = None


class TallyCount(Strict):
    age_band: AgeBandChoice
    gender: GenderChoice
    count: Annotated[StrictInt, Field(ge=0, le=MAX_HEAD_COUNT)]


class TallyIn(Strict):
    patrol: ClientId
    area: ClientId
    visit: ClientId | None = None
    place: ClientId | None = None
    occurred_at: ClientTime
    counts: Annotated[
        list[TallyCount], Field(min_length=1, max_length=len(AgeBand.values) * len(Gender.values))
    ]


class EncounterUpdateIn(Strict):
    id: ClientId
    version: Version
    note: Text(500) | None = None
    topics: Annotated[list[TopicChoice], Field(max_length=len(Topic.values))] | None = None


class IncidentIn(Strict):
    id: ClientId
    patrol: ClientId
    area: ClientId
    visit: ClientId | None = None
    occurred_at: ClientTime
    kind: _choices(*IncidentKind.values)
    note: Text(1000)
    place: ClientId | None = None
    actions: Annotated[
        list[_choices(*IncidentAction.values)],
        Field(max_length=len(IncidentAction.values)),
        BeforeValidator(_unique),
    ] = []
    persons: Annotated[
        list[ClientId], Field(max_length=MAX_INCIDENT_PERSONS), BeforeValidator(_unique)
    ] = []
    # The codes of patrol members affected (threatened, hurt).
    staff_affected: Annotated[list[ClientId], Field(max_length=10), BeforeValidator(_unique)] = []


class PatrolEndIn(Strict):
    patrol: ClientId
    ended_at: ClientTime


class DebriefIn(Strict):
    patrol: ClientId
    text: Text(4000)
    follow_ups: Annotated[list[Text(200)], Field(max_length=MAX_FOLLOW_UPS)] = []
    version: Annotated[StrictInt, Field(ge=0, le=2_000_000_000)] | None = None


DATA_SCHEMAS: dict[str, type[Strict]] = {
    "visit.start": VisitStartIn,
    "visit.end": VisitEndIn,
    "observation": ObservationIn,
    "encounter": EncounterIn,
    "tally": TallyIn,
    "encounter.update": EncounterUpdateIn,
    "incident": IncidentIn,
    "patrol.end": PatrolEndIn,
    "debrief": DebriefIn,
}


class Envelope(Strict):
    """An entry before its data is read: the key and type decide how the data is read."""

    key: Key
    type: EntryType
    data: dict[str, Any]


# --- The OpenAPI description of the body --------------------------------------------------


def _entry_schema(entry_type, data_schema):
    return create_model(
        data_schema.__name__.removesuffix("In") + "Entry",
        __base__=Strict,
        key=(Key, ...),
        type=(Literal[entry_type], ...),
        data=(data_schema, ...),
    )


ENTRY_SCHEMAS = tuple(_entry_schema(t, schema) for t, schema in DATA_SCHEMAS.items())
Entry = Annotated[functools.reduce(operator.or_, ENTRY_SCHEMAS), Field(discriminator="type")]


class SyncRequest(Schema):
    entries: Annotated[list[Entry], Field(max_length=MAX_ENTRIES)]


# --- Answers --------------------------------------------------------------------------------


class ErrorOut(Schema):
    code: str
    message: str


class ResultOut(Schema):
    key: str
    status: Literal[200, 201, 400, 403, 404, 409, 422]
    result: dict[str, Any] | None = None
    error: ErrorOut | None = None
    current: dict[str, Any] | None = None


class SyncResponse(Schema):
    results: list[ResultOut]


class LookupPerson(Schema):
    id: uuid.UUID
    name: str
    flags: list[str]


class LookupResponse(Schema):
    persons: list[LookupPerson]
    # Persons erased in the last 90 days: a phone drops them from any copy it keeps.
    removed: list[uuid.UUID] = []


class Problem(Schema):
    """A refused request as a whole (the entries were not read)."""

    detail: str


# --- Messages -------------------------------------------------------------------------------


def _field(loc) -> str:
    parts = [str(part) for part in loc if not isinstance(part, int)]
    name = ".".join(parts) or "entry"
    return name if re.fullmatch(r"[A-Za-z0-9_.\-]{1,80}", name) else "?"


def describe(error: dict) -> str:
    """One pydantic error as a translated sentence for the worker (and the developer)."""
    field = _field(error.get("loc", ()))
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    values = {"field": field, **{k: v for k, v in ctx.items() if isinstance(v, int | str)}}
    if kind == "missing":
        return _("%(field)s is missing.") % values
    if kind == "extra_forbidden":
        return _("%(field)s is not a field of this entry.") % values
    if kind == "string_too_long":
        return _("%(field)s can be at most %(max_length)s characters.") % values
    if kind == "too_long":
        return _("%(field)s can have at most %(max_length)s items.") % values
    if kind == "too_short":
        return _("%(field)s needs at least %(min_length)s items.") % values
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return _("%(field)s is out of range.") % values
    if kind in {"literal_error", "enum"}:
        return _("%(field)s is not one of the allowed values.") % values
    if kind in {"uuid_text", "uuid_parsing", "uuid_type"}:
        return _("%(field)s must be a UUID.") % values
    if kind in {"iso_time", "timezone_aware", "datetime_parsing", "datetime_from_date_parsing"}:
        return _("%(field)s must be an ISO 8601 time with a time zone.") % values
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return _("%(field)s must be a whole number.") % values
    if kind == "forbidden_characters":
        return _("%(field)s contains characters that are not allowed.") % values
    if kind == "duplicates":
        return _("%(field)s lists the same id twice.") % values
    if kind == "string_pattern_mismatch" and field == "key":
        return _("The key must be 8–64 letters, digits, - or _.")
    if kind in {"string_type", "list_type", "dict_type", "model_type", "model_attributes_type"}:
        return _("%(field)s has the wrong type.") % values
    return _("%(field)s is not valid.") % values
