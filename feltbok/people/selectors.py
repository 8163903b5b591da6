"""Audited reads of persons: every view or search of person data is logged."""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db.models import Q
from django.utils.translation import gettext_noop

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, get_scoped_or_404, scoped
from feltbok.core.crypto import blind_index
from feltbok.people.models import AnonymityLevel, Gender, Person
from feltbok.people.services import normalise_nickname, phonetic_key


def find_likely_matches(actor, *, nickname, age_band, gender, limit=8):
    """Persons who may be the same: a similar nickname, the same age band and gender.

    Shown before a new person is created, so one person does not become two.
    """
    actor.require(Perm.SEARCH_PERSON)
    norm = normalise_nickname(nickname)
    if not norm:
        return []
    key = phonetic_key(nickname)
    candidates = scoped(actor, Person).filter(age_band=age_band)
    if gender != Gender.UNKNOWN:
        candidates = candidates.filter(gender__in=[gender, Gender.UNKNOWN])
    candidates = candidates.filter(
        Q(nickname_key=key) | Q(nickname_norm__startswith=norm[:3]) | Q(nickname_norm=norm)
    ).only("code", "nickname", "nickname_norm", "description", "gender", "age_band", "flags")[:200]
    scored = []
    for person in candidates:
        ratio = SequenceMatcher(None, norm, person.nickname_norm).ratio()
        if ratio >= 0.6 or person.nickname_norm.startswith(norm):
            scored.append((ratio, person))
    scored.sort(key=lambda pair: -pair[0])
    matches = [person for _ratio, person in scored[:limit]]
    log_action(
        actor,
        AuditAction.SEARCH,
        object_type="person",
        reason=gettext_noop("search before create"),
        detail={"results": [str(p.code) for p in matches]},
    )
    return matches


def open_person(actor, code) -> Person:
    """A person page: 404 outside the service, 403 without the right, audited as a read."""
    actor.require(Perm.VIEW_PERSON)
    person = get_scoped_or_404(actor, Person, code=code)
    log_action(actor, AuditAction.READ, person)
    return person


@dataclass(frozen=True)
class Identity:
    full_name: str
    birth_date: str
    national_id: str


def read_identity(actor, person) -> Identity | None:
    """Decrypt identifying fields for a role that may see them (audited by open_person)."""
    if not actor.can(Perm.VIEW_IDENTITY) or person.anonymity_level != AnonymityLevel.IDENTIFIED:
        return None
    return Identity(
        full_name=person.decrypt_field("full_name"),
        birth_date=person.decrypt_field("birth_date"),
        national_id=person.decrypt_field("national_id"),
    )


def search_persons(actor, query: str, limit=20):
    """Find persons by nickname (prefix, then part) or exactly by identity (blind index)."""
    actor.require(Perm.SEARCH_PERSON)
    query = query.strip()[:100]
    if not query:
        return []
    persons = scoped(actor, Person).only(
        "code", "nickname", "description", "gender", "age_band", "flags", "last_contact_at"
    )
    digits = re.sub(r"[\s-]", "", query)
    if digits.isdigit() and len(digits) >= 6 and actor.can(Perm.VIEW_IDENTITY):
        kind = "national_id"
        found = list(persons.filter(national_id_bidx=blind_index(digits, "person.national_id")))
    else:
        kind = "nickname"
        norm = normalise_nickname(query)
        prefix = list(
            persons.filter(nickname_norm__startswith=norm).order_by("nickname_norm")[:limit]
        )
        seen = {p.pk for p in prefix}
        more = persons.filter(nickname_norm__contains=norm).exclude(pk__in=seen)
        found = prefix + list(more.order_by("nickname_norm")[: max(0, limit - len(prefix))])
        if actor.can(Perm.VIEW_IDENTITY):
            by_name = persons.filter(full_name_bidx=blind_index(query, "person.full_name"))
            found += [p for p in by_name if p.pk not in {f.pk for f in found}]
    found = found[:limit]
    log_action(
        actor,
        AuditAction.SEARCH,
        object_type="person",
        detail={"kind": kind, "results": [str(p.code) for p in found]},
    )
    return found


def recent_candidates(actor, limit=30):
    """Persons met recently, as a queryset for choosing group members (audited on display)."""
    actor.require(Perm.SEARCH_PERSON)
    codes = [str(p.code) for p in recently_met(actor, limit=limit)]
    return scoped(actor, Person).filter(code__in=codes).order_by("nickname_norm")


def recently_met(actor, limit=12):
    """Persons the service met most recently: the quick list in patrol mode."""
    actor.require(Perm.SEARCH_PERSON)
    persons = list(
        scoped(actor, Person)
        .filter(last_contact_at__isnull=False)
        .only("code", "nickname", "description", "gender", "age_band", "flags", "last_contact_at")
        .order_by("-last_contact_at")[:limit]
    )
    if persons:
        log_action(
            actor,
            AuditAction.SEARCH,
            object_type="person",
            reason=gettext_noop("recently met"),
            detail={"results": [str(p.code) for p in persons]},
        )
    return persons


def timeline(actor, person, limit=200):
    """The person's encounters, newest first, in a fixed number of queries."""
    from feltbok.fieldwork.models import Encounter

    actor.require(Perm.VIEW_PERSON)
    return list(
        scoped(actor, Encounter)
        .filter(persons=person)
        .select_related("area", "patrol", "recorded_by")
        .order_by("-occurred_at")[:limit]
    )
