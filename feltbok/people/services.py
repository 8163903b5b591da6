"""Writes of persons: creation with encrypted identity, always audited."""

import datetime
import re
import unicodedata
import uuid
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm
from feltbok.core.crypto import blind_index
from feltbok.core.transactions import write_transaction
from feltbok.people.models import AgeBand, AnonymityLevel, Gender, Person, PersonFlag

_PHONETIC_RULES = [
    ("ph", "f"),
    ("ck", "k"),
    ("ch", "k"),
    ("c", "k"),
    ("q", "k"),
    ("w", "v"),
    ("z", "s"),
    ("x", "ks"),
    ("y", "i"),
    ("j", "i"),
    ("h", ""),
]


def normalise_nickname(nickname: str) -> str:
    """Lower-case, accents and Nordic letters folded: "Åse" → "ase", "Bjørn" → "bjorn"."""
    value = nickname.casefold().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return " ".join(value.split())


def phonetic_key(nickname: str) -> str:
    """A rough sound-alike key: "Calle", "Kalle" and "Kahle" share one."""
    value = re.sub(r"[^a-z]", "", normalise_nickname(nickname))
    for old, new in _PHONETIC_RULES:
        value = value.replace(old, new)
    value = re.sub(r"(.)\1+", r"\1", value)  # doubled letters
    if len(value) > 1:
        value = value[0] + re.sub(r"[aeiou]", "", value[1:])
    return value[:60]


@dataclass
class PersonData:
    """Validated input for a new person (from a form or the API)."""

    anonymity_level: str
    gender: str
    age_band: str = AgeBand.UNKNOWN
    nickname: str = ""
    description: str = ""
    birth_year: int | None = None
    flags: list[str] = field(default_factory=list)
    full_name: str = ""
    birth_date: datetime.date | None = None
    national_id: str = ""
    # Set by the offline outbox: the id the phone gave the person.
    code: uuid.UUID | None = None


class PersonError(ValueError):
    """Input that breaks a rule of the domain; the message is shown to the user."""


def _check(data: PersonData):
    from django.utils.translation import gettext as _

    if data.anonymity_level not in AnonymityLevel.values:
        raise PersonError(_("Choose how anonymous the person is."))
    if data.gender not in Gender.values or data.age_band not in AgeBand.values:
        raise PersonError(_("Choose gender and age band."))
    if data.anonymity_level == AnonymityLevel.NICKNAME and not data.nickname.strip():
        raise PersonError(_("A person known by nickname needs a nickname."))
    if data.anonymity_level == AnonymityLevel.DESCRIPTION and not data.description.strip():
        raise PersonError(_("A person known by description needs a description."))
    if data.anonymity_level == AnonymityLevel.IDENTIFIED and not data.full_name.strip():
        raise PersonError(_("An identified person needs a full name."))
    if any(flag not in PersonFlag.values for flag in data.flags):
        raise PersonError(_("Unknown flag."))


def create_person(actor, data: PersonData) -> Person:
    actor.require(Perm.CREATE_PERSON)
    _check(data)
    now = timezone.now()
    age_band = data.age_band
    if data.birth_year:
        age_band = AgeBand.for_age(timezone.localdate(now).year - data.birth_year)
    person = Person(
        code=data.code or uuid.uuid4(),
        service_id=actor.service_id,
        anonymity_level=data.anonymity_level,
        nickname=data.nickname.strip(),
        nickname_norm=normalise_nickname(data.nickname),
        nickname_key=phonetic_key(data.nickname),
        description=data.description.strip(),
        gender=data.gender,
        birth_year=data.birth_year,
        age_band=age_band,
        flags=sorted(set(data.flags)),
        created_by=actor.user,
    )
    if data.anonymity_level == AnonymityLevel.IDENTIFIED:
        # Identity is stored only for persons who chose to be identified.
        _set_identity(person, data)
    with write_transaction():
        person.save()
        log_action(actor, AuditAction.CREATE, person)
    return person


def _set_identity(person, data: PersonData):
    person.encrypt_field("full_name", data.full_name.strip())
    person.encrypt_field("birth_date", data.birth_date.isoformat() if data.birth_date else "")
    national_id = re.sub(r"\D", "", data.national_id)
    person.encrypt_field("national_id", national_id)
    person.full_name_bidx = blind_index(data.full_name, "person.full_name")
    person.national_id_bidx = blind_index(national_id, "person.national_id")


def note_contact_times(person_ids, occurred_at, now):
    """A contact with these persons at `occurred_at`: the first contact is set once, and a
    contact synced late never moves the last contact backwards.

    One plain UPDATE (called for every contact, also from the offline sync's hot path).
    """
    if not person_ids:
        return
    moment = connection.ops.adapt_datetimefield_value(occurred_at)
    updated = connection.ops.adapt_datetimefield_value(now)
    table = connection.ops.quote_name(Person._meta.db_table)
    marks = ", ".join(["%s"] * len(person_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET first_contact_at = COALESCE(first_contact_at, %s), "  # noqa: S608  # nosec B608
            "last_contact_at = CASE WHEN last_contact_at IS NULL OR last_contact_at < %s "
            "THEN %s ELSE last_contact_at END, updated_at = %s "
            f"WHERE id IN ({marks})",
            [moment, moment, moment, updated, *person_ids],
        )
