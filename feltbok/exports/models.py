"""Protected exports: every bulk export of person-level data is an encrypted ZIP on disk.

The password is shown once to the requester and never stored. The row records who asked, what
it holds, which persons are in it (so erasure can find and remove every copy) and when the
file goes away. The row stays after the file is gone, as the record of what left the system.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import ServiceOwnedModel


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
