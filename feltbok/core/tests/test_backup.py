"""`manage.py backup` and `restore`: a restore into a fresh database brings back every row."""

import io
import json
import tarfile
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from feltbok.audit.models import AuditEvent
from feltbok.core import backup as backups
from feltbok.fieldwork.models import Encounter
from feltbok.fieldwork.services import EncounterData, record_encounter
from feltbok.people.models import Person
from feltbok.people.services import PersonData, create_person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def data(worker, patrol, area, settings, tmp_path):
    """Person-level data (an identified person, an encounter, audit rows) and a stored file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "exports").mkdir(parents=True)
    (settings.MEDIA_ROOT / "exports" / "report.pdf").write_bytes(b"%PDF-1.7 synthetic")
    person = create_person(
        worker,
        PersonData(
            anonymity_level="identified",
            nickname="Kråka",
            full_name="Kari Nordkvinne",
            gender="female",
        ),
    )
    record_encounter(worker, patrol, EncounterData(kind="individual", area=area, persons=[person]))
    return person


@pytest.fixture
def fresh_database():
    """An empty database to restore into: a new SQLite file or a new PostgreSQL database."""
    if connection.vendor == "sqlite":
        yield {}
        return
    import psycopg

    name = f"feltbok_restore_{uuid.uuid4().hex[:12]}"
    conninfo = backups._pg_conninfo("postgres")
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"pg_database": name}
    finally:
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def target(fresh_database, tmp_path):
    if connection.vendor == "sqlite":
        return {"sqlite_path": tmp_path / "restored" / "feltbok.sqlite3"}
    return fresh_database


def live_rows():
    with connection.cursor() as cursor:
        summaries = backups.table_summaries(cursor, connection.vendor)
    return {name: table["rows"] for name, table in summaries.items()}


def test_backup_then_restore_into_a_fresh_database(data, tmp_path, fresh_database, capsys):
    call_command("backup", output=str(tmp_path / "backups"))
    [archive] = (tmp_path / "backups").glob("feltbok-backup-*.tar")
    assert "Backup written to" in capsys.readouterr().out
    assert archive.stat().st_mode & 0o777 == 0o600

    manifest = backups.read_manifest(archive)
    assert manifest["vendor"] == connection.vendor
    assert manifest["media"] == ["exports/report.pdf"]
    tables = manifest["tables"]
    assert tables["people_person"]["rows"] == 1
    assert tables["fieldwork_encounter"]["rows"] == 1
    assert tables["audit_auditevent"]["rows"] == AuditEvent.objects.count()
    # Every table, with the rows the live database holds.
    assert {name: table["rows"] for name, table in tables.items()} == live_rows()

    restored_media = tmp_path / "restored-media"
    result = backups.restore(archive, media_root=restored_media, **target(fresh_database, tmp_path))

    assert result.tables == len(tables)
    assert result.rows == sum(table["rows"] for table in tables.values())
    assert (restored_media / "exports" / "report.pdf").read_bytes() == b"%PDF-1.7 synthetic"
    # The live database is untouched.
    assert (Person.objects.count(), Encounter.objects.count()) == (1, 1)


def test_restore_refuses_a_database_that_is_not_empty(data, tmp_path):
    call_command("backup", output=str(tmp_path))
    [archive] = tmp_path.glob("feltbok-backup-*.tar")
    before = (live_rows(), list(Person.objects.values_list("pk", "nickname", "updated_at")))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))
    assert (live_rows(), list(Person.objects.values_list("pk", "nickname", "updated_at"))) == before


def test_a_restore_that_differs_from_the_backup_fails_loudly(
    data, tmp_path, fresh_database, settings
):
    call_command("backup", output=str(tmp_path))
    [archive] = tmp_path.glob("feltbok-backup-*.tar")
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w") as copy:
        for member in source.getmembers():
            content = source.extractfile(member).read()
            if member.name == backups.MANIFEST:
                manifest = json.loads(content)
                manifest["tables"]["people_person"]["rows"] += 1
                content = json.dumps(manifest).encode()
                member.size = len(content)
            copy.addfile(member, io.BytesIO(content))

    with pytest.raises(
        backups.BackupError, match="people_person: 1 rows restored, 2 in the backup"
    ):
        backups.restore(tampered, media_root=tmp_path / "m", **target(fresh_database, tmp_path))


def test_not_a_backup_is_refused_with_a_clear_message(tmp_path, db):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar file at all")
    with pytest.raises(CommandError, match="is not a Feltbok backup"):
        call_command("restore", str(junk))
