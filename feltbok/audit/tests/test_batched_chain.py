"""Appending a batch's audit events to the chain in one step (the offline sync)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from feltbok.audit.models import AuditAction, AuditChainHead, AuditEvent
from feltbok.audit.services import audited_savepoint, batched_chain, log_action, verify_chain
from feltbok.core.transactions import write_transaction
from feltbok.people.models import Person
from feltbok.people.services import PersonData, create_person


def test_held_events_are_chained_in_order_when_the_block_ends(actors, person):
    worker = actors["worker"]
    log_action(worker, AuditAction.READ, person)
    with transaction.atomic(), batched_chain(worker.service_id):
        for reason in ("one", "two", "three"):
            log_action(worker, AuditAction.READ, person, reason=reason)
        # Held: nothing is in the chain until the block ends.
        assert AuditEvent.objects.filter(reason__in=["one", "two", "three"]).count() == 0

    events = list(AuditEvent.objects.filter(service=worker.service).order_by("seq"))
    assert [event.reason for event in events[-3:]] == ["one", "two", "three"]
    assert [event.seq for event in events] == list(range(1, len(events) + 1))
    head = AuditChainHead.objects.get(service=worker.service)
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)
    assert verify_chain(worker.service_id) == []


def failing_entry(worker, person):
    """An entry that writes a person and an event, then fails."""
    with audited_savepoint():
        create_person(
            worker, PersonData(anonymity_level="nickname", nickname="Gone", gender="male")
        )
        log_action(worker, AuditAction.READ, person, reason="dropped")
        raise ValueError("the entry fails after its writes")


def test_a_rolled_back_unit_leaves_no_event_and_no_gap(actors, person):
    worker = actors["worker"]
    with transaction.atomic(), batched_chain(worker.service_id):
        with audited_savepoint():
            log_action(worker, AuditAction.READ, person, reason="kept")
        with pytest.raises(ValueError, match="fails after its writes"):
            failing_entry(worker, person)
        with audited_savepoint():
            log_action(worker, AuditAction.READ, person, reason="also kept")

    reasons = list(AuditEvent.objects.order_by("seq").values_list("reason", flat=True))
    assert reasons[-2:] == ["kept", "also kept"]
    assert "dropped" not in reasons
    assert not Person.objects.filter(nickname="Gone", gender="male").exists()
    assert verify_chain(worker.service_id) == []


def cut_off_batch(worker, person):
    with transaction.atomic(), batched_chain(worker.service_id):
        log_action(worker, AuditAction.READ, person)
        raise RuntimeError("cut off")


def test_an_error_in_the_block_appends_nothing(actors, person):
    worker = actors["worker"]
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError, match="cut off"):
        cut_off_batch(worker, person)
    assert AuditEvent.objects.count() == before
    assert verify_chain(worker.service_id) == []


def test_another_services_event_is_not_held(actors, person):
    worker, outsider = actors["worker"], actors["outsider"]
    with transaction.atomic(), batched_chain(worker.service_id):
        log_action(outsider, AuditAction.SEARCH, object_type="person")
        assert AuditEvent.objects.filter(service=outsider.service).count() == 1
    assert verify_chain(outsider.service_id) == []


@pytest.mark.django_db(transaction=True)
def test_batched_chain_needs_a_transaction(actors):
    chain = batched_chain(actors["worker"].service_id)
    with pytest.raises(RuntimeError, match="inside a transaction"):
        chain.__enter__()


def test_writes_inside_a_rollback_unit_take_no_savepoint_of_their_own(actors):
    worker = actors["worker"]
    log_action(worker, AuditAction.SEARCH, object_type="person")  # the chain head exists

    def savepoints(unit):
        with CaptureQueriesContext(connection) as queries, unit(), write_transaction():
            create_person(
                worker, PersonData(anonymity_level="nickname", nickname="S", gender="male")
            )
        return sum(query["sql"].startswith("SAVEPOINT") for query in queries)

    assert savepoints(audited_savepoint) == 1  # the unit's own
    assert savepoints(transaction.atomic) == 3  # the block, the write, create_person's
