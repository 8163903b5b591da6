"""Data-subject rights: rectification with history, and the access export (GDPR art. 15, 16).

Both are audited on the person, with the reason; neither audit row carries a value.
"""

import datetime
import json
import re

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm
from feltbok.core.crypto import blind_index
from feltbok.core.transactions import write_transaction
from feltbok.people.models import AgeBand, AnonymityLevel, Gender
from feltbok.people.selectors import read_identity
from feltbok.people.services import normalise_nickname, phonetic_key
from feltbok.subjectrights import selectors
from feltbok.subjectrights.models import (
    REASON_MIN_LENGTH,
    CorrectedField,
    PersonCorrection,
)

OLDEST_BIRTH_YEAR = 1900


class SubjectRightsError(ValueError):
    """Refused: the message says why, in the user's language; nothing was changed."""


def _clean_reason(reason):
    reason = " ".join((reason or "").split())
    if len(reason) < REASON_MIN_LENGTH:
        raise SubjectRightsError(
            _("Give the reason in at least %(n)s characters.") % {"n": REASON_MIN_LENGTH}
        )
    return reason[:300]


def current_values(actor, person) -> dict[str, str]:
    """The person's correctable values as text (identity only for those who may see it)."""
    values = {
        CorrectedField.NICKNAME: person.nickname,
        CorrectedField.DESCRIPTION: person.description,
        CorrectedField.GENDER: person.gender,
        CorrectedField.BIRTH_YEAR: str(person.birth_year or ""),
    }
    identity = read_identity(actor, person)
    if identity is not None:
        values[CorrectedField.FULL_NAME] = identity.full_name
        values[CorrectedField.BIRTH_DATE] = identity.birth_date
        values[CorrectedField.NATIONAL_ID] = identity.national_id
    return values


def _check(person, new, today):
    if new[CorrectedField.GENDER] not in Gender.values:
        raise SubjectRightsError(_("Choose a gender from the list."))
    year = new[CorrectedField.BIRTH_YEAR]
    if year and not (year.isdigit() and OLDEST_BIRTH_YEAR <= int(year) <= today.year):
        raise SubjectRightsError(
            _("The birth year must be between %(first)s and %(last)s.")
            % {"first": OLDEST_BIRTH_YEAR, "last": today.year}
        )
    if person.anonymity_level == AnonymityLevel.NICKNAME and not new[CorrectedField.NICKNAME]:
        raise SubjectRightsError(_("A person known by nickname needs a nickname."))
    if person.anonymity_level == AnonymityLevel.DESCRIPTION and not new[CorrectedField.DESCRIPTION]:
        raise SubjectRightsError(_("A person known by description needs a description."))
    if CorrectedField.FULL_NAME in new and not new[CorrectedField.FULL_NAME]:
        raise SubjectRightsError(_("An identified person needs a full name."))
    birth_date = new.get(CorrectedField.BIRTH_DATE)
    if birth_date:
        try:
            datetime.date.fromisoformat(birth_date)
        except ValueError:
            raise SubjectRightsError(_("Write the birth date as YYYY-MM-DD.")) from None


def rectify_person(actor, person, changes: dict, reason: str, now=None) -> list[PersonCorrection]:
    """Correct a person's details; each changed field keeps its earlier value with who/why.

    `changes` maps field names (CorrectedField) to the new text. Identity fields are accepted
    only from a role that may see identity, for an identified person. Refused with a message
    (nothing changed) on bad input or when nothing differs.
    """
    actor.require(Perm.RECTIFY_PERSON)
    if person.service_id != actor.service_id:
        raise SubjectRightsError(_("This person is not in your service."))
    now = now or timezone.now()
    reason = _clean_reason(reason)
    old = current_values(actor, person)
    unknown = set(changes) - set(old)
    if unknown:
        raise SubjectRightsError(_("These details cannot be corrected here."))
    new = {field: " ".join(str(changes.get(field, value)).split()) for field, value in old.items()}
    if CorrectedField.NATIONAL_ID in new:
        new[CorrectedField.NATIONAL_ID] = re.sub(r"\D", "", new[CorrectedField.NATIONAL_ID])
    _check(person, new, timezone.localdate(now))
    changed = [field for field in old if new[field] != old[field]]
    if not changed:
        raise SubjectRightsError(_("Nothing was changed: the details are as before."))

    corrections = []
    for field in changed:
        correction = PersonCorrection(
            service_id=actor.service_id,
            person=person,
            field=field,
            corrected_by=actor.user,
            reason=reason,
        )
        correction.set_old_value(old[field])
        corrections.append(correction)
    _apply(person, new, changed, now)
    with write_transaction():
        PersonCorrection.objects.bulk_create(corrections)
        person.save()
        log_action(
            actor,
            AuditAction.UPDATE,
            person,
            reason=f"{gettext_noop('Rectification')}: {reason}",
            detail={"rectified": sorted(changed)},  # which fields, never the values
        )
    return corrections


def _apply(person, new, changed, now):
    if CorrectedField.NICKNAME in changed:
        person.nickname = new[CorrectedField.NICKNAME]
        person.nickname_norm = normalise_nickname(person.nickname)
        person.nickname_key = phonetic_key(person.nickname)
    if CorrectedField.DESCRIPTION in changed:
        person.description = new[CorrectedField.DESCRIPTION]
    if CorrectedField.GENDER in changed:
        person.gender = new[CorrectedField.GENDER]
    if CorrectedField.BIRTH_YEAR in changed:
        year = new[CorrectedField.BIRTH_YEAR]
        person.birth_year = int(year) if year else None
        if person.birth_year:
            person.age_band = AgeBand.for_age(timezone.localdate(now).year - person.birth_year)
    if CorrectedField.FULL_NAME in changed:
        person.encrypt_field("full_name", new[CorrectedField.FULL_NAME])
        person.full_name_bidx = blind_index(new[CorrectedField.FULL_NAME], "person.full_name")
    if CorrectedField.BIRTH_DATE in changed:
        person.encrypt_field("birth_date", new[CorrectedField.BIRTH_DATE])
    if CorrectedField.NATIONAL_ID in changed:
        person.encrypt_field("national_id", new[CorrectedField.NATIONAL_ID])
        person.national_id_bidx = blind_index(new[CorrectedField.NATIONAL_ID], "person.national_id")


def erase_corrections_for_person(person) -> int:
    """For erasure: remove the earlier values kept for a person (their history goes too)."""
    deleted, _rows = PersonCorrection.objects.filter(person=person).delete()
    return deleted


# The access export -------------------------------------------------------------------------


def make_access_export(actor, person, reason: str, now=None):
    """Everything held about one person, as a readable PDF and machine-readable JSON, in a
    protected export for the requesting team lead. Audited on the person with the reason."""
    from weasyprint import HTML

    from feltbok.exports.services import create_protected_export

    actor.require(Perm.SUBJECT_ACCESS)
    if person.service_id != actor.service_id:
        raise SubjectRightsError(_("This person is not in your service."))
    reason = _clean_reason(reason)
    now = now or timezone.now()
    data = selectors.everything_held(actor, person, now=now)
    document = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    html = render_to_string("subjectrights/access_export_print.html", {"data": data})
    pdf = HTML(string=html).write_pdf()
    stamp = f"{timezone.localtime(now):%Y%m%d}"
    with transaction.atomic():
        log_action(
            actor,
            AuditAction.EXPORT,
            person,
            reason=f"{gettext_noop('Access request')}: {reason}",
            detail={"subject_access": True},
        )
        created = create_protected_export(
            actor,
            kind="subject_access",
            title=_("Access export for %(person)s") % {"person": person},
            files={
                f"access-export-{stamp}.pdf": pdf,
                f"access-export-{stamp}.json": document.encode("utf-8"),
            },
            person_ids=[person.pk],
            reason=reason,
            now=now,
        )
    return created
