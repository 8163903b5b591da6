"""Writing to and checking the audit chain."""

import contextlib
import contextvars
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from feltbok.audit.models import AuditAction, AuditChainHead, AuditEvent
from feltbok.core.rows import insert_row
from feltbok.core.transactions import rollback_unit

GENESIS_HASH = "0" * 64


@dataclass
class _PendingEvents:
    """Events logged inside `batched_chain`, appended to the chain when it closes."""

    service_id: int
    events: list[AuditEvent] = field(default_factory=list)


_pending: contextvars.ContextVar[_PendingEvents | None] = contextvars.ContextVar(
    "feltbok_audit_pending", default=None
)


def log_action(
    actor, action: AuditAction, obj=None, *, object_type="", object_id="", reason="", detail=None
) -> AuditEvent:
    """Append one event to the actor's service chain, inside the caller's transaction.

    Called from the same transaction as the change it records, so both land or neither.
    `obj` (a model instance with a `code`) fills object type and id. Inside
    `batched_chain` the event is held and appended with the rest of the batch.
    """
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or str(getattr(obj, "code", obj.pk))
    event = AuditEvent(
        service_id=actor.service_id,
        actor=actor.user,
        actor_label=actor.user.email,
        role=actor.role,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason[:200],
        detail=detail or {},
        created_at=timezone.now(),
    )
    pending = _pending.get()
    if pending is not None and pending.service_id == actor.service_id:
        pending.events.append(event)
    else:
        _append(actor.service_id, [event])
    return event


APPEND_ATTEMPTS = 3


def _append(service_id, events: list[AuditEvent]) -> None:
    """Chain and insert events in order, holding the service's chain head while doing it.

    The head row is locked (PostgreSQL) or the transaction holds the write lock (SQLite). Where
    SQLite still lets two writers read the same head (its shared-cache memory database, used by
    the browser tests), the later insert hits the unique (service, seq) constraint and is
    chained again from the new head; SQLite keeps the transaction usable after that statement.
    """
    if not events:
        return
    # No savepoint of its own: the caller's transaction decides whether these rows land.
    with transaction.atomic(savepoint=False):
        for attempt in range(APPEND_ATTEMPTS):
            try:
                _chain_and_insert(service_id, events)
                return
            except IntegrityError:
                if connection.vendor != "sqlite" or attempt == APPEND_ATTEMPTS - 1:
                    raise


def _chain_and_insert(service_id, events):
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(service_id=service_id)
    for event in events:
        event.seq = head.seq + 1
        event.prev_hash = head.hash
        event.hash = event.compute_hash()
        head.seq, head.hash = event.seq, event.hash
    for event in events:
        # A plain INSERT: a failed one leaves an SQLite transaction usable for the retry.
        insert_row(event)
    head.save(update_fields=["seq", "hash"])


@contextlib.contextmanager
def batched_chain(service_id):
    """Hold the events logged for this service and append them in one step at the end.

    Used by bulk writes (an offline sync batch): one lock of the chain head and one insert
    instead of three queries per event. Must run inside the transaction of the writes: the
    events are appended when the block ends, before that transaction commits. Wrap each
    unit that may fail in `audited_savepoint`, so a rolled-back unit leaves no event.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("batched_chain must run inside a transaction")
    pending = _PendingEvents(service_id)
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    _append(service_id, pending.events)


@contextlib.contextmanager
def audited_savepoint():
    """A rollback unit whose held audit events are dropped with it when it rolls back."""
    pending = _pending.get()
    mark = len(pending.events) if pending is not None else 0
    try:
        with rollback_unit():
            yield
    except BaseException:
        if pending is not None:
            del pending.events[mark:]
        raise


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
