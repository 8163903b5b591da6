"""Reads: a service's reports, sections and published versions (no file bytes in lists)."""

from django.db.models import Count, Max

from feltbok.core.access import Perm, get_scoped_or_404, scoped
from feltbok.reportbuilder.models import Report, ReportVersion, Section

# The listed columns of a version; the PDF and XLSX bytes are read only for a download.
VERSION_FIELDS = (
    "pk",
    "code",
    "service_id",
    "report_id",
    "number",
    "title",
    "language",
    "published_at",
    "published_by__first_name",
    "published_by__last_name",
    "published_by__email",
    "pdf_sha256",
    "xlsx_sha256",
)


def reports_for(actor):
    """The service's reports, last changed first, with section count and latest version: 1 query."""
    actor.require(Perm.BUILD_REPORTS)
    return list(
        scoped(actor, Report)
        .select_related("created_by")
        .annotate(section_count=Count("sections", distinct=True))
        .annotate(
            latest_version=Max("versions__number"), published_at=Max("versions__published_at")
        )
        .order_by("-edited_at")
    )


def report_for(actor, code) -> Report:
    actor.require(Perm.BUILD_REPORTS)
    return get_scoped_or_404(actor, Report, code=code)


def section_for(actor, report, code) -> Section:
    actor.require(Perm.BUILD_REPORTS)
    return get_scoped_or_404(
        actor, Section.objects.select_related("report"), report=report, code=code
    )


def sections_of(report):
    return list(report.sections.order_by("position"))


def versions_of(report):
    return list(
        report.versions.select_related("published_by").only(*VERSION_FIELDS).order_by("-number")
    )


def version_for(actor, code) -> ReportVersion:
    """One published version with its bytes (for a download); 404 for another service's."""
    actor.require(Perm.BUILD_REPORTS)
    return get_scoped_or_404(actor, ReportVersion.objects.select_related("report"), code=code)


def is_draft(report, versions) -> bool:
    """Changed since the latest published version (or never published)."""
    latest = max((v.published_at for v in versions), default=None)
    return latest is None or report.edited_at > latest
