import itertools

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from feltbok.audit.models import AppendOnlyError, AuditAction, AuditChainHead, AuditEvent
from feltbok.audit.services import log_action, verify_chain
from feltbok.people import selectors


def test_events_chain_per_service(actors, person):
    worker, outsider = actors["worker"], actors["outsider"]
    log_action(worker, AuditAction.READ, person)
    log_action(outsider, AuditAction.SEARCH, object_type="person")

    ours = list(AuditEvent.objects.filter(service=worker.service).order_by("seq"))
    theirs = list(AuditEvent.objects.filter(service=outsider.service).order_by("seq"))

    assert [e.seq for e in ours] == list(range(1, len(ours) + 1))
    assert [e.seq for e in theirs] == [1]
    assert theirs[0].prev_hash == "0" * 64
    for previous, event in itertools.pairwise(ours):
        assert event.prev_hash == previous.hash
    assert verify_chain(worker.service_id) == []


def test_event_records_who_what_when(actors, person):
    event = log_action(actors["team_lead"], AuditAction.READ, person, reason="review")
    event.refresh_from_db()

    assert event.actor == actors["team_lead"].user
    assert event.role == "team_lead"
    assert event.action == "read"
    assert event.object_type == "person"
    assert event.object_id == str(person.code)
    assert event.reason == "review"
    assert event.hash == event.compute_hash()


def test_rows_cannot_be_changed_or_deleted_through_the_orm(actors, person):
    event = log_action(actors["worker"], AuditAction.READ, person)

    event.reason = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.reason == ""


def test_admin_is_read_only(users):
    model_admin = admin.site._registry[AuditEvent]
    request = RequestFactory().get("/admin/")
    request.user = users["admin"]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers on PostgreSQL")
def test_database_refuses_update_and_delete(actors, person):
    from django.db import DatabaseError

    event = log_action(actors["worker"], AuditAction.READ, person)
    for sql in (
        "UPDATE audit_auditevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, reason="").exists()


def _tamper(sql, params):
    """Change the table behind the ORM's back, as an attacker with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # triggers off
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def _three_events(actors, person):
    return [log_action(actors["worker"], AuditAction.READ, person) for _ in range(3)]


def test_verify_detects_a_changed_row(actors, person):
    events = _three_events(actors, person)
    _tamper("UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["x@y", events[1].pk])

    problems = verify_chain(actors["worker"].service_id)

    assert [(p.seq, p.problem) for p in problems] == [(events[1].seq, "content changed")]
    with pytest.raises(CommandError, match="Audit chain broken"):
        call_command("audit_verify")


def test_verify_detects_a_removed_row(actors, person):
    events = _three_events(actors, person)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])

    problems = verify_chain(actors["worker"].service_id)

    assert {p.seq for p in problems} == {events[1].seq, events[2].seq}
    assert any("missing" in p.problem for p in problems)


def test_verify_detects_removed_last_rows(actors, person):
    events = _three_events(actors, person)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])

    problems = verify_chain(actors["worker"].service_id)

    assert len(problems) == 1
    assert "last rows removed" in problems[0].problem


def test_verify_command_reports_intact_chains(actors, person, capsys):
    _three_events(actors, person)
    call_command("audit_verify")
    assert "audit chain intact" in capsys.readouterr().out


def test_audit_is_in_the_same_transaction_as_the_change(actors, person):
    """A change that rolls back leaves no audit row, and the chain head does not move."""
    head_before = AuditChainHead.objects.get(service=actors["worker"].service).seq

    def change_that_crashes():
        with transaction.atomic():
            log_action(actors["worker"], AuditAction.UPDATE, person)
            raise RuntimeError("crash mid-write")

    with pytest.raises(RuntimeError):
        change_that_crashes()
    assert AuditChainHead.objects.get(service=actors["worker"].service).seq == head_before
    assert verify_chain(actors["worker"].service_id) == []


def test_viewing_and_searching_a_person_is_logged(login, person):
    client = login("worker")
    client.get(reverse("people:detail", kwargs={"code": person.code}))
    client.get(reverse("people:search") + "?q=Rav")

    actions = list(
        AuditEvent.objects.filter(actor__email="worker@test.example")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["read", "search"]


def test_team_lead_sees_who_opened_the_record(login, actors, person):
    selectors.open_person(actors["worker"], person.code)
    selectors.open_person(actors["coordinator"], person.code)

    response = login("team_lead").get(reverse("people:access_log", kwargs={"code": person.code}))

    page = response.content.decode()
    assert response.status_code == 200
    assert "worker@test.example" in page or "Test Outreach worker" in page
    assert "Test Coordinator" in page
    events = list(response.context["events"])
    # Newest first: the team lead's own opening of the log, then coordinator, then worker.
    assert [e.role for e in events[:3]] == ["team_lead", "coordinator", "worker"]
