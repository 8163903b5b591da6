"""Backups and restores of a whole installation: the database and the files it keeps.

A backup is one tar file holding the database (SQLite: a copy made with SQLite's online backup
API; PostgreSQL: a `pg_dump --format=custom` dump), the files under MEDIA_ROOT, and a manifest
with the row count and a SHA-256 checksum of every table. The checksums are taken from the same
snapshot as the copy (the copy itself on SQLite; on PostgreSQL an exported snapshot that
pg_dump reads too), so a restore can prove it brought back every row exactly.

A restore goes into an empty database only, and fails loudly when a table's count or checksum
differs from the manifest.
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
MEDIA_DIR = "media"
FETCH = 2000


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


# --- Table summaries: what a restore must bring back ------------------------------------------


def _canonical(value):
    """A stable text form of a column value, the same for the copy and the restore."""
    if isinstance(value, memoryview | bytes | bytearray):
        return "b:" + bytes(value).hex()
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def _tables_and_keys(cursor, vendor) -> dict[str, list[str]]:
    """Every table with its primary-key columns (all columns where it has none)."""
    tables = {}
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'PRAGMA table_info("{table}")')
            columns = cursor.fetchall()
            keys = [row[1] for row in sorted(columns, key=lambda row: row[5]) if row[5]]
            tables[table] = keys or [row[1] for row in columns]
        return tables
    cursor.execute(
        "SELECT c.relname, a.attname, a.attnum, i.indisprimary "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary "
        "AND a.attnum = ANY(i.indkey) "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname, a.attnum"
    )
    for table, column, _position, is_key in cursor.fetchall():
        keys, columns = tables.setdefault(table, ([], []))
        columns.append(column)
        if is_key:
            keys.append(column)
    return {table: keys or columns for table, (keys, columns) in tables.items()}


def table_summaries(cursor, vendor) -> dict[str, dict]:
    """Row count and checksum of every table, rows in primary-key order."""
    summaries = {}
    for table, keys in sorted(_tables_and_keys(cursor, vendor).items()):
        order = ", ".join(f'"{key}"' for key in keys)
        # Names from the database's own catalogue, never from input.
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY {order}')  # noqa: S608  # nosec B608
        digest, rows = hashlib.sha256(), 0
        while batch := cursor.fetchmany(FETCH):
            for row in batch:
                digest.update(json.dumps([_canonical(v) for v in row], default=str).encode())
                digest.update(b"\n")
                rows += 1
        summaries[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return summaries


# --- Backup --------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    tables: int
    rows: int
    files: int


def backup(output_dir: Path) -> BackupResult:
    """Write a backup archive into `output_dir`; readable by the owner only."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    target = output_dir / f"feltbok-backup-{stamp}.tar"
    vendor = connection.vendor
    with tempfile.TemporaryDirectory(prefix="feltbok-backup-") as work:
        work = Path(work)
        if vendor == "sqlite":
            database_file, summaries = _sqlite_copy(work / SQLITE_FILE)
        elif vendor == "postgresql":
            database_file, summaries = _pg_dump(work / PG_FILE)
        else:
            raise BackupError(f"Backups of {vendor} databases are not supported.")
        media = _media_files()
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "vendor": vendor,
            "database_file": database_file.name,
            "tables": summaries,
            "media": [str(path.relative_to(settings.MEDIA_ROOT)) for path in media],
        }
        partial = target.with_suffix(".tar.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as archive:
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o600
            archive.addfile(info, io.BytesIO(data))
            archive.add(database_file, arcname=database_file.name)
            for path in media:
                archive.add(path, arcname=f"{MEDIA_DIR}/{path.relative_to(settings.MEDIA_ROOT)}")
            raw.flush()
            os.fsync(raw.fileno())
        # Only a whole archive gets the final name.
        os.replace(partial, target)
    return BackupResult(
        path=target,
        tables=len(summaries),
        rows=sum(table["rows"] for table in summaries.values()),
        files=len(media),
    )


def _sqlite_copy(path: Path):
    """SQLite's online backup: a consistent copy while the app keeps writing."""
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        connection.connection.backup(copy)
        summaries = table_summaries(copy.cursor(), "sqlite")
    finally:
        copy.close()
    return path, summaries


def _pg_environment():
    database = connection.settings_dict
    environment = {**os.environ, "PGDATABASE": database["NAME"]}
    for key, variable in (("USER", "PGUSER"), ("HOST", "PGHOST"), ("PORT", "PGPORT")):
        if database.get(key):
            environment[variable] = str(database[key])
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = database["PASSWORD"]
    return environment


def _pg_dump(path: Path):
    """pg_dump and the checksums read the same exported snapshot."""
    import psycopg

    database = connection.settings_dict["NAME"]
    environment = _pg_environment()
    environment["PGDATABASE"] = database
    # A connection of its own whose transaction holds the snapshot while pg_dump reads it.
    with psycopg.connect(_pg_conninfo(database)) as snapshot_holder:
        with snapshot_holder.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            _run(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}"],
                environment,
            )
            summaries = table_summaries(cursor, "postgresql")
        snapshot_holder.rollback()
    return path, summaries


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


def _run(command, environment):
    try:
        # A fixed program with arguments built here, no shell.
        subprocess.run(command, env=environment, check=True, capture_output=True, text=True)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools).") from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()[:500]}") from exc


# --- Restore -------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    tables: int
    rows: int
    files: int


def read_manifest(archive_path: Path) -> dict:
    try:
        with tarfile.open(archive_path) as archive:
            manifest = json.load(archive.extractfile(MANIFEST))
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as exc:
        raise BackupError(f"{archive_path} is not a Feltbok backup: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def _extract(archive: tarfile.TarFile, target: Path) -> None:
    """Unpack only plain files and directories, and only inside `target`.

    tarfile's "data" filter does exactly this from Python 3.11.4 on; Debian 12's python3.11 is
    3.11.2, where `filter=` is an error, so the members are checked here instead.
    """
    if hasattr(tarfile, "data_filter"):
        archive.extractall(target, filter="data")
        return
    root = target.resolve()
    for member in archive.getmembers():
        inside = (root / member.name).resolve().is_relative_to(root)
        if not inside or not (member.isfile() or member.isdir()):
            raise BackupError(f"Refused archive member {member.name!r}: not a file in the backup.")
    # Every member was checked above.
    archive.extractall(target)  # noqa: S202  # nosec B202


def restore(archive_path: Path, *, sqlite_path=None, pg_database=None, media_root=None):
    """Restore into an empty database, then prove every table came back exactly.

    The target is the configured database unless `sqlite_path` / `pg_database` names another
    (a test, or a dry run of a restore next to the live one).
    """
    archive_path = Path(archive_path)
    manifest = read_manifest(archive_path)
    vendor = manifest["vendor"]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="feltbok-restore-") as work:
        work = Path(work)
        with tarfile.open(archive_path) as archive:
            _extract(archive, work)
        database_file = work / manifest["database_file"]
        if vendor == "sqlite":
            found = _sqlite_restore(database_file, Path(sqlite_path) if sqlite_path else None)
        elif vendor == "postgresql":
            found = _pg_restore(database_file, pg_database or connection.settings_dict["NAME"])
        else:
            raise BackupError(f"Backups of {vendor} databases are not supported.")
        _compare(manifest["tables"], found)
        files = _restore_media(work / MEDIA_DIR, media_root, manifest["media"])
    return RestoreResult(
        tables=len(found), rows=sum(table["rows"] for table in found.values()), files=files
    )


def _sqlite_restore(source: Path, target: Path | None):
    """Copy the backup into `target`, or into the configured database when it is None."""
    if target is None:
        connection.ensure_connection()
        restored, close = connection.connection, False
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        restored, close = sqlite3.connect(target), True
    try:
        tables = restored.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        ).fetchone()[0]
        if tables:
            raise BackupError("The database is not empty: restore into a new, empty database.")
        with sqlite3.connect(source) as backup_copy:
            backup_copy.backup(restored)
        # Checked through a plain connection (no type conversion), as the backup was.
        check = sqlite3.connect(target or connection.settings_dict["NAME"], uri=True)
        try:
            return table_summaries(check.cursor(), "sqlite")
        finally:
            check.close()
    finally:
        if close:
            restored.close()


def _pg_restore(source: Path, database: str):
    import psycopg

    environment = _pg_environment()
    environment["PGDATABASE"] = database
    with psycopg.connect(_pg_conninfo(database)) as target, target.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        if cursor.fetchone()[0]:
            raise BackupError(
                f"Database {database} is not empty: restore into a new, empty database."
            )
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={database}",
            str(source),
        ],
        environment,
    )
    with psycopg.connect(_pg_conninfo(database)) as target, target.cursor() as cursor:
        return table_summaries(cursor, "postgresql")


def _pg_conninfo(database):
    settings_dict = connection.settings_dict
    parts = {
        "dbname": database,
        "user": settings_dict.get("USER"),
        "host": settings_dict.get("HOST"),
        "port": settings_dict.get("PORT"),
        "password": settings_dict.get("PASSWORD"),
    }
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


def _compare(expected: dict, found: dict):
    problems = []
    for table in sorted(expected.keys() | found.keys()):
        want, got = expected.get(table), found.get(table)
        if want is None or got is None:
            problems.append(f"{table}: {'missing' if got is None else 'not in the backup'}")
        elif want != got:
            problems.append(
                f"{table}: {got['rows']} rows restored, {want['rows']} in the backup"
                if want["rows"] != got["rows"]
                else f"{table}: the rows differ from the backup (checksum)"
            )
    if problems:
        raise BackupError("The restore does not match the backup: " + "; ".join(problems))


def _restore_media(source: Path, target: Path, expected: list[str]) -> int:
    for name in expected:
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, destination)
    return len(expected)
