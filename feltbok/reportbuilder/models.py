"""Reports for the administration and the political level: written sections and figures.

A figure section stores a statistics query as JSON (the parameters `reports.statistics`
understands), never numbers: figures are counted and suppressed when the report is rendered,
for the actor who renders it. A published version freezes the rendered PDF and XLSX bytes.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import ServiceOwnedModel


class Audience(models.TextChoices):
    ADMINISTRATION = "administration", _("The administration")
    POLITICAL = "political", _("The political level")
    OTHER = "other", _("Other readers")


class SectionKind(models.TextChoices):
    TEXT = "text", _("Written section")
    FIGURE = "figure", _("Figure")


class ChartKind(models.TextChoices):
    BAR = "bar", _("Bars")
    LINE = "line", _("Lines")


class Report(ServiceOwnedModel):
    """The editable draft. Its published versions are frozen copies (ReportVersion)."""

    title = models.CharField(_("title"), max_length=200)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    language = models.CharField(_("language"), max_length=5)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Set by every change to the report or its sections: a change after the latest published
    # version makes the report a draft again.
    edited_at = models.DateTimeField(_("last changed"))

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-edited_at"]
        constraints = [
            # A period ends on or after the day it starts.
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="report_period_order"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values), name="report_known_audience"
            ),
            # A report has a title.
            models.CheckConstraint(condition=~Q(title=""), name="report_title_not_empty"),
        ]
        indexes = [
            # The list page: a service's reports, last changed first.
            models.Index(fields=["service", "-edited_at"], name="report_service_edited_idx"),
        ]

    def __str__(self):
        return self.title


class Section(ServiceOwnedModel):
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="sections", verbose_name=_("report")
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=SectionKind.choices)
    heading = models.CharField(_("heading"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    # For figures: {"measure", "bucket", "rows", "filters", "compare", "chart", "start", "end"}.
    figure = models.JSONField(_("figure"), default=dict, blank=True)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["report", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SectionKind.values), name="section_known_kind"
            ),
        ]
        indexes = [models.Index(fields=["report", "position"], name="section_report_order_idx")]

    def __str__(self):
        return self.heading or self.get_kind_display()


class FrozenError(Exception):
    """A published version is never changed or removed."""


class ReportVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise FrozenError("published report versions cannot be changed")

    def delete(self):
        raise FrozenError("published report versions cannot be removed")


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ReportVersion(ServiceOwnedModel):
    """A published version: the PDF and XLSX exactly as they were sent, with their checksums."""

    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, related_name="versions", verbose_name=_("report")
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=5)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published"))
    # In the database, so a backup of the database holds every version sent out.
    pdf = models.BinaryField(_("PDF"))
    pdf_sha256 = models.CharField(_("PDF checksum"), max_length=64)
    xlsx = models.BinaryField(_("spreadsheet"))
    xlsx_sha256 = models.CharField(_("spreadsheet checksum"), max_length=64)

    objects = ReportVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("published version")
        verbose_name_plural = _("published versions")
        ordering = ["report", "-number"]
        constraints = [
            # Version numbers count up once per report.
            models.UniqueConstraint(fields=["report", "number"], name="reportversion_unique"),
        ]

    def __str__(self):
        return f"{self.title} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise FrozenError("published report versions cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FrozenError("published report versions cannot be removed")
