import datetime
import io

import pytest
import pyzipper
from django.core.management import call_command
from django.utils import timezone

from feltbok.audit.models import AuditAction, AuditEvent
from feltbok.exports import services
from feltbok.exports.models import ExportStatus, ProtectedExport

FILES = {"persons.csv": "nickname\nKråka\nSvalen\n".encode()}


def _create(actor, persons, **kwargs):
    return services.create_protected_export(
        actor,
        kind="test",
        title="Test export",
        files=FILES,
        person_ids=[p.pk for p in persons],
        **kwargs,
    )


def test_export_opens_with_the_password_and_not_without(actors, persons):
    created = _create(actors["team_lead"], persons)

    path = services.file_path(created.export)
    assert path.exists()
    with pyzipper.AESZipFile(io.BytesIO(path.read_bytes())) as archive:
        archive.setpassword(created.password.encode())
        assert archive.read("persons.csv") == FILES["persons.csv"]
    with pyzipper.AESZipFile(io.BytesIO(path.read_bytes())) as archive:
        with pytest.raises(RuntimeError):
            archive.read("persons.csv")  # no password
        archive.setpassword(b"wrong password")
        with pytest.raises(RuntimeError):
            archive.read("persons.csv")
    # The plaintext is nowhere in the file, and the password nowhere in the database.
    assert b"Svalen" not in path.read_bytes()
    export = ProtectedExport.objects.get()
    assert created.password not in str(export.__dict__)


def test_export_records_persons_expiry_and_audit(actors, persons, settings):
    settings.FELTBOK_EXPORT_DAYS = 3
    now = timezone.now()
    created = _create(actors["team_lead"], persons, now=now, reason="Monthly review")

    export = ProtectedExport.objects.get()
    assert set(export.persons.all()) == set(persons)
    assert export.person_count == 2
    assert export.expires_at == now + datetime.timedelta(days=3)
    assert export.requested_by == actors["team_lead"].user
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, object_id=str(export.code))
    assert event.detail["persons"] == 2
    assert event.detail["kind"] == "test"
    assert event.reason == "Monthly review"
    assert len(created.password) == services.PASSWORD_LENGTH


def test_expired_file_is_deleted_by_the_command_and_the_row_stays(actors, persons):
    now = timezone.now()
    old = _create(actors["team_lead"], persons, now=now - datetime.timedelta(days=8)).export
    fresh = _create(actors["team_lead"], persons, now=now).export

    call_command("expire_exports", stdout=io.StringIO())

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert not services.file_path(old).exists()
    assert old.status == ExportStatus.EXPIRED
    assert old.deleted_at is not None
    assert services.file_path(fresh).exists()
    assert fresh.status == ExportStatus.READY


def test_expiry_task_deletes_expired_files(actors, persons):
    from feltbok.exports.tasks import expire_exports_task

    old = _create(
        actors["team_lead"], persons, now=timezone.now() - datetime.timedelta(days=30)
    ).export

    result = expire_exports_task.enqueue()

    assert result.return_value == 1
    assert not services.file_path(old).exists()


def test_discard_exports_for_person_deletes_only_files_holding_them(actors, persons):
    kraka, svalen = persons
    with_both = _create(actors["team_lead"], persons).export
    only_svalen = _create(actors["team_lead"], [svalen]).export
    expired = _create(
        actors["team_lead"], [kraka], now=timezone.now() - datetime.timedelta(days=30)
    ).export
    services.expire_exports()

    count = services.discard_exports_for_person(kraka, actor=actors["team_lead"])

    assert count == 1
    with_both.refresh_from_db()
    only_svalen.refresh_from_db()
    assert with_both.status == ExportStatus.DISCARDED
    assert not services.file_path(with_both).exists()
    assert only_svalen.status == ExportStatus.READY
    assert services.file_path(only_svalen).exists()
    assert ProtectedExport.objects.get(pk=expired.pk).status == ExportStatus.EXPIRED
    event = AuditEvent.objects.get(action=AuditAction.DELETE, object_id=str(with_both.code))
    assert event.detail["person"] == str(kraka.code)
    # Nothing left to discard the second time.
    assert services.discard_exports_for_person(kraka) == 0
