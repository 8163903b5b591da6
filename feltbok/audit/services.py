"""Writing to and checking the audit chain."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from feltbok.audit.models import AuditAction, AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def log_action(
    actor, action: AuditAction, obj=None, *, object_type="", object_id="", reason="", detail=None
) -> AuditEvent:
    """Append one event to the actor's service chain, inside the caller's transaction.

    Called from the same transaction as the change it records, so both land or neither.
    `obj` (a model instance with a `code`) fills object type and id.
    """
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or str(getattr(obj, "code", obj.pk))
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(
            service_id=actor.service_id
        )
        event = AuditEvent(
            service_id=actor.service_id,
            seq=head.seq + 1,
            actor=actor.user,
            actor_label=actor.user.email,
            role=actor.role,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            reason=reason[:200],
            detail=detail or {},
            created_at=timezone.now(),
            prev_hash=head.hash,
        )
        event.hash = event.compute_hash()
        event.save()
        head.seq = event.seq
        head.hash = event.hash
        head.save(update_fields=["seq", "hash"])
    return event


@dataclass
class ChainProblem:
    service_id: int
    seq: int
    problem: str


def verify_chain(service_id) -> list[ChainProblem]:
    """Every problem in one service's chain: changed rows, removed rows, a moved head."""
    problems = []
    expected_seq = 1
    prev_hash = GENESIS_HASH
    events = AuditEvent.objects.filter(service_id=service_id).order_by("seq")
    for event in events.iterator(chunk_size=2000):
        if event.seq != expected_seq:
            problems.append(
                ChainProblem(
                    service_id, expected_seq, f"rows {expected_seq}–{event.seq - 1} missing"
                )
            )
        if event.prev_hash != prev_hash:
            problems.append(ChainProblem(service_id, event.seq, "previous hash does not match"))
        if event.compute_hash() != event.hash:
            problems.append(ChainProblem(service_id, event.seq, "content changed"))
        prev_hash = event.hash
        expected_seq = event.seq + 1
    head = AuditChainHead.objects.filter(service_id=service_id).first()
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.hash != prev_hash):
        problems.append(
            ChainProblem(
                service_id,
                head.seq,
                f"last rows removed (head at {head.seq}, chain ends at {last_seq})",
            )
        )
    if head is None and last_seq:
        problems.append(ChainProblem(service_id, last_seq, "chain head missing"))
    return problems
