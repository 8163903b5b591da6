"""Writes of protected exports: create the encrypted ZIP, expire it, discard it on erasure.

Every bulk export of person-level data goes through `create_protected_export`; the caller
gathers the files (already checked for the actor's rights) and the persons they hold.
"""

import datetime
import hashlib
import io
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

import pyzipper
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.exports.models import ExportStatus, ProtectedExport

logger = logging.getLogger(__name__)

# No look-alike characters (0/O, 1/l/I): the password is read off the screen and typed.
UNAMBIGUOUS_SYMBOLS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 24  # about 138 bits


@dataclass(frozen=True)
class CreatedExport:
    """The export and its password: the only time the password exists outside the ZIP."""

    export: ProtectedExport
    password: str


def export_dir() -> Path:
    return Path(settings.VAR_DIR) / "exports"


def file_path(export: ProtectedExport) -> Path:
    return export_dir() / export.file_name


def expiry_days() -> int:
    return settings.FELTBOK_EXPORT_DAYS


def new_password() -> str:
    return "".join(secrets.choice(UNAMBIGUOUS_SYMBOLS) for _ in range(PASSWORD_LENGTH))


def encrypted_zip(files: dict[str, bytes], password: str) -> bytes:
    """An AES-256 (WinZip AE-2) ZIP: 7-Zip, WinZip and macOS' Archive Utility open it."""
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(password.encode("utf-8"))
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def create_protected_export(
    actor,
    *,
    kind: str,
    title: str,
    files: dict[str, bytes],
    person_ids,
    reason="",
    detail=None,
    now=None,
) -> CreatedExport:
    """Write the files as an encrypted ZIP and record who exported what about whom (audited).

    The caller has checked the actor's rights to the data. The file is written first and
    removed again if the row cannot be stored, so no file exists without its record.
    """
    now = now or timezone.now()
    person_ids = sorted(set(person_ids))
    password = new_password()
    content = encrypted_zip(files, password)
    export = ProtectedExport(
        service_id=actor.service_id,
        requested_by=actor.user,
        kind=kind,
        title=title[:200],
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        person_count=len(person_ids),
        expires_at=now + datetime.timedelta(days=expiry_days()),
    )
    export.file_name = f"{actor.service_id}/{export.code}.zip"
    path = file_path(export)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_bytes(content)
    path.chmod(0o600)
    try:
        with transaction.atomic():
            export.save()
            export.persons.through.objects.bulk_create(
                [
                    export.persons.through(protectedexport_id=export.pk, person_id=pk)
                    for pk in person_ids
                ],
                batch_size=500,
            )
            log_action(
                actor,
                AuditAction.EXPORT,
                export,
                reason=reason,
                detail={
                    **(detail or {}),
                    "kind": kind,
                    "persons": len(person_ids),
                    "expires_at": export.expires_at.isoformat(),
                },
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    transaction.on_commit(lambda: schedule_expiry(export))
    return CreatedExport(export=export, password=password)


def schedule_expiry(export):
    """Queue the deletion for the export's expiry time (where the task backend can defer)."""
    from feltbok.exports.tasks import expire_exports_task

    if expire_exports_task.get_backend().supports_defer:
        expire_exports_task.using(run_after=export.expires_at).enqueue()


def log_download(actor, export):
    log_action(actor, AuditAction.READ, export, detail={"download": True, "kind": export.kind})


def _delete_file(export, status, reason, now):
    file_path(export).unlink(missing_ok=True)
    export.status = status
    export.deleted_at = now
    export.deleted_reason = reason[:200]
    export.save(update_fields=["status", "deleted_at", "deleted_reason", "updated_at"])


def expire_exports(now=None) -> int:
    """Delete every export file past its expiry; the rows stay as the record. Returns a count."""
    now = now or timezone.now()
    count = 0
    due = ProtectedExport.objects.filter(status=ExportStatus.READY, expires_at__lte=now)
    for export in due.order_by("pk").iterator(chunk_size=200):
        with transaction.atomic():
            _delete_file(export, ExportStatus.EXPIRED, gettext_noop("expired"), now)
        count += 1
    if count:
        logger.info("expired %s protected export(s)", count)
    return count


def discard_exports_for_person(person, actor=None, reason="", now=None) -> int:
    """Delete every export file still on disk that holds this person (erasure reaches copies).

    Each export row records the deletion; with an actor, each is also written to the audit
    log. Returns how many files were deleted.
    """
    now = now or timezone.now()
    reason = reason or gettext_noop("erasure of a person in the export")
    exports = ProtectedExport.objects.filter(persons=person, status=ExportStatus.READY)
    count = 0
    for export in exports.order_by("pk"):
        with transaction.atomic():
            _delete_file(export, ExportStatus.DISCARDED, reason, now)
            if actor is not None:
                log_action(
                    actor,
                    AuditAction.DELETE,
                    export,
                    reason=reason,
                    detail={"person": str(person.code), "kind": export.kind},
                )
        count += 1
    return count
