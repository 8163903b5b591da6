"""Reads for the retention pages: the person's holds, the shredding record, what is due."""

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, get_scoped_or_404, scoped
from feltbok.people.models import Person
from feltbok.privacy.models import Erasure, LegalHold, ShreddingRecord

LOG_LIMIT = 200


def person_for_privacy(actor, code) -> Person:
    """The person (of the actor's service: else 404), read for a hold or an erasure, audited."""
    if not (actor.can(Perm.LEGAL_HOLD) or actor.can(Perm.ERASE_PERSON)):
        actor.require(Perm.ERASE_PERSON)
    person = get_scoped_or_404(actor, Person, code=code)
    log_action(actor, AuditAction.READ, person, reason="privacy")
    return person


def holds_of(person) -> list[LegalHold]:
    return list(
        LegalHold.objects.filter(person=person)
        .select_related("placed_by", "lifted_by")
        .order_by("-created_at")
    )


def erasure_of(person) -> Erasure | None:
    return (
        Erasure.objects.filter(person=person)
        .select_related("erased_by")
        .prefetch_related("records")
        .first()
    )


def hold_for_lift(actor, code) -> LegalHold:
    actor.require(Perm.LEGAL_HOLD)
    return get_scoped_or_404(actor, LegalHold.objects.select_related("person"), code=code)


def shredding_log(actor, limit=LOG_LIMIT) -> list[ShreddingRecord]:
    """The latest records of what was removed (never what the content was)."""
    actor.require(Perm.VIEW_SHREDDING)
    return list(
        scoped(actor, ShreddingRecord)
        .select_related("erasure__person")
        .order_by("-created_at", "pk")[:limit]
    )


def active_holds(actor) -> list[LegalHold]:
    actor.require(Perm.VIEW_SHREDDING)
    return list(
        scoped(actor, LegalHold)
        .filter(lifted_at__isnull=True)
        .select_related("person", "placed_by")
        .order_by("-created_at")
    )
