"""Protected exports: every bulk export of person-level data is an encrypted ZIP on disk.

The password is shown once to the requester and never stored. The row records who asked, what
it holds, which persons are in it (so erasure can find and remove every copy) and when the
file goes away. The row stays after the file is gone, as the record of what left the system.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import ServiceOwnedModel, TimestampedModel


class ExportStatus(models.TextChoices):
    READY = "ready", _("Ready to download")
    EXPIRED = "expired", _("Expired and deleted")
    DISCARDED = "discarded", _("Deleted (erasure)")


class ProtectedExport(ServiceOwnedModel):
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="protected_exports",
        verbose_name=_("requested by"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    file_name = models.CharField(_("file name"), max_length=200)
    size_bytes = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("checksum"), max_length=64)
    persons = models.ManyToManyField(
        "people.Person", related_name="protected_exports", blank=True, verbose_name=_("persons")
    )
    person_count = models.PositiveIntegerField(_("persons"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.READY
    )
    expires_at = models.DateTimeField(_("expires"))
    deleted_at = models.DateTimeField(_("file deleted"), null=True, blank=True)
    deleted_reason = models.CharField(_("why deleted"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("protected export")
        verbose_name_plural = _("protected exports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values), name="protectedexport_known_status"
            ),
            # A file that is gone has a time it went.
            models.CheckConstraint(
                condition=Q(status=ExportStatus.READY) | Q(deleted_at__isnull=False),
                name="protectedexport_deleted_has_time",
            ),
        ]
        indexes = [
            # The expiry sweep: ready exports past their time.
            models.Index(fields=["status", "expires_at"], name="export_expiry_idx"),
            # "My exports": the requester's list.
            models.Index(fields=["requested_by", "-created_at"], name="export_requester_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.code}"

    def is_downloadable(self, now) -> bool:
        return self.status == ExportStatus.READY and now < self.expires_at


class RotationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused (nothing changed)")
    FAILED = "failed", _("Stopped (run again to continue)")


class KeyRotationRun(TimestampedModel):
    """One background run of `rotate_keys`: its progress, batch by batch, for administrators.

    Not service data: rotation covers the whole installation. `progress` holds, per pass, rows
    and values done and the last primary key done, so a stopped run continues where it was.
    Never holds a value or a key.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RotationStatus.choices, default=RotationStatus.QUEUED
    )
    active_key = models.CharField(_("active key id"), max_length=32, blank=True)
    batch_size = models.PositiveIntegerField(_("batch size"), default=500)
    progress = models.JSONField(_("progress"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("key rotation run")
        verbose_name_plural = _("key rotation runs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RotationStatus.values), name="keyrotationrun_known_status"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.status}"

    def summary(self) -> str:
        parts = [
            f"{label}: {p.get('rows', 0)} rows, {p.get('values', 0)} values"
            for label, p in self.progress.items()
        ]
        return "; ".join(parts)
