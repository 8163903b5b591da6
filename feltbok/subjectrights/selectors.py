"""Reads for data-subject rights: a person's correction history, and everything held."""

from django.utils import timezone

from feltbok.core.access import Perm, scoped
from feltbok.subjectrights.models import PersonCorrection

# The access export reads the whole history, not the person page's newest 200 items.
ALL_ITEMS = 1_000_000


def correction_history(actor, person):
    """Earlier values of a person's details, newest first; identifying ones only for those
    who may see identity (one query)."""
    if not actor.can(Perm.VIEW_PERSON):
        return []
    corrections = list(
        scoped(actor, PersonCorrection).filter(person=person).select_related("corrected_by")
    )
    if not actor.can(Perm.VIEW_IDENTITY):
        corrections = [c for c in corrections if not c.is_identifying]
    return corrections


def _iso(value):
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def _name(user):
    return (user.get_full_name() or user.email) if user else ""


def everything_held(actor, person, now) -> dict:
    """All the service holds about one person, as plain data for the PDF and the JSON.

    A fixed number of queries whatever the history holds: the person timeline (each source
    in one or two queries), count observations, corrections, the access log and exports.
    """
    from feltbok.audit.models import AuditEvent
    from feltbok.counts.models import Observation
    from feltbok.exports.models import ProtectedExport
    from feltbok.people.selectors import read_identity
    from feltbok.people.timeline import person_timeline

    actor.require(Perm.SUBJECT_ACCESS)
    identity = read_identity(actor, person)
    record = {
        "code": str(person.code),
        "known_as": str(person.get_anonymity_level_display()),
        "nickname": person.nickname,
        "description": person.description,
        "gender": str(person.get_gender_display()),
        "birth_year": person.birth_year,
        "age_band": str(person.get_age_band_display()),
        "flags": [str(label) for label in person.flag_labels],
        "first_contact": _iso(person.first_contact_at),
        "last_contact": _iso(person.last_contact_at),
        "registered": _iso(person.created_at),
        "identity": (
            {
                "full_name": identity.full_name,
                "birth_date": identity.birth_date,
                "national_id": identity.national_id,
            }
            if identity
            else None
        ),
    }
    history = [
        {
            "time": _iso(item.at.date() if item.date_only else item.at),
            "kind": item.kind,
            "title": str(item.title),
            "text": item.text,
            "detail": str(item.meta),
        }
        for item in person_timeline(actor, person, limit=ALL_ITEMS)
    ]
    observations = [
        {
            "date": _iso(obs.observed_on),
            "count": obs.campaign.name,
            "source": str(obs.get_source_display()),
            "sleeping_situation": str(obs.category),
            "area": obs.area.name if obs.area_id else "",
            "recorded_by": _name(obs.recorded_by),
        }
        for obs in scoped(actor, Observation)
        .filter(person=person)
        .select_related("campaign", "category", "area", "recorded_by")
        .order_by("observed_on", "pk")
    ]
    corrections = [
        {
            "time": _iso(c.created_at),
            "field": str(c.get_field_display()),
            "earlier_value": c.read_old_value(),
            "corrected_by": _name(c.corrected_by),
            "reason": c.reason,
        }
        for c in scoped(actor, PersonCorrection)
        .filter(person=person)
        .select_related("corrected_by")
        .order_by("created_at", "field")
    ]
    access_log = [
        {
            "time": _iso(event.created_at),
            "who": event.actor_label,
            "role": str(event.role_label),
            "action": str(event.get_action_display()),
            "reason": event.reason,
            "emergency_access": bool(event.detail.get("emergency")),
        }
        for event in scoped(actor, AuditEvent)
        .filter(object_type="person", object_id=str(person.code))
        .order_by("seq")
    ]
    exports = [
        {
            "time": _iso(export.created_at),
            "what": export.title,
            "by": _name(export.requested_by),
            "status": str(export.get_status_display()),
        }
        for export in scoped(actor, ProtectedExport)
        .filter(persons=person)
        .select_related("requested_by")
        .order_by("created_at")
    ]
    return {
        "generated": _iso(now),
        "service": actor.service.name,
        "requested_by": _name(actor.user),
        "person": record,
        "history": history,
        "count_observations": observations,
        "corrections": corrections,
        "access_log": access_log,
        "exports": exports,
    }
