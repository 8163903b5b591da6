"""Writes: reports, their sections, published versions, and the audit of downloads.

Every write checks its input first and raises ReportError with a message for the user; nothing
is stored then. Each change to a report or its sections sets `edited_at`, so a report changed
after its latest published version is a draft again.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, scoped
from feltbok.organisation.models import FieldArea, Team
from feltbok.reportbuilder import rendering
from feltbok.reportbuilder.models import (
    Audience,
    ChartKind,
    Report,
    ReportVersion,
    Section,
    SectionKind,
    checksum,
)
from feltbok.reports import statistics

TITLE_MAX = 200
BODY_MAX = 20_000
MAX_SECTIONS = 40


class ReportError(ValueError):
    """Refused: the message says why, in the user's language."""


# --- checks ---------------------------------------------------------------------------------


def _clean_title(title) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ReportError(_("Give the report a title."))
    if len(title) > TITLE_MAX:
        raise ReportError(_("The title can be at most %(n)s characters.") % {"n": TITLE_MAX})
    return title


def _check_period(start, end) -> None:
    if not start or not end:
        raise ReportError(_("Give the period's first and last day."))
    if end < start:
        raise ReportError(_("The end date must be after the start date."))
    if (end - start).days > statistics.MAX_YEARS * 366:
        raise ReportError(
            _("Choose a period of at most %(years)s years.") % {"years": statistics.MAX_YEARS}
        )


def _report_fields(actor, *, title, audience, language, period_start, period_end) -> dict:
    if audience not in Audience.values:
        raise ReportError(_("Choose who the report is for."))
    language = language or actor.service.language
    if language not in dict(settings.LANGUAGES):
        raise ReportError(_("Choose a language from the list."))
    _check_period(period_start, period_end)
    return {
        "title": _clean_title(title),
        "audience": audience,
        "language": language,
        "period_start": period_start,
        "period_end": period_end,
    }


def _date(value, what):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as error:
        raise ReportError(_("%(what)s is not a date.") % {"what": what}) from error


def clean_figure(actor, report, params) -> dict:
    """The figure's parameters as stored (plain JSON), checked against the statistics engine.

    Unknown measures, dimensions, filter values or comparisons are refused with the engine's
    own messages; a filter on a team or area must name one of the actor's service.
    """
    if not isinstance(params, dict):
        raise ReportError(_("Unknown measure."))
    rows = params.get("rows") or []
    filters = params.get("filters") or {}
    if not isinstance(rows, list | tuple) or not isinstance(filters, dict):
        raise ReportError(_("Unknown dimension."))
    chart = params.get("chart") or ChartKind.BAR
    if chart not in ChartKind.values:
        raise ReportError(_("Choose bars or lines."))
    clean = {
        "measure": str(params.get("measure") or ""),
        "bucket": str(params.get("bucket") or "month"),
        "rows": [str(key) for key in rows],
        "filters": {},
        "compare": str(params.get("compare") or ""),
        "chart": chart,
        "start": None,
        "end": None,
    }
    start, end = _date(params.get("start"), _("From")), _date(params.get("end"), _("To"))
    if bool(start) != bool(end):
        raise ReportError(_("Give both days of the figure's own period, or neither."))
    if start:
        _check_period(start, end)
        clean["start"], clean["end"] = start.isoformat(), end.isoformat()
    for key, value in filters.items():
        if key not in statistics.DIMENSIONS:
            raise ReportError(_("Unknown dimension."))
        if key in ("team", "area"):
            model = Team if key == "team" else FieldArea
            try:
                value = int(value)
            except (TypeError, ValueError) as error:
                raise ReportError(_("Unknown filter value.")) from error
            if not scoped(actor, model).filter(pk=value).exists():
                raise ReportError(_("Unknown filter value."))
        elif str(value) not in dict(statistics.DIMENSIONS[key].choices):
            raise ReportError(_("Unknown filter value."))
        clean["filters"][key] = value
    try:
        statistics.validate(rendering.figure_query(report, clean))
    except statistics.StatisticsError as error:
        raise ReportError(str(error)) from error
    return clean


# --- reports --------------------------------------------------------------------------------


def create_report(actor, *, title, audience, period_start, period_end, language=""):
    actor.require(Perm.BUILD_REPORTS)
    fields = _report_fields(
        actor,
        title=title,
        audience=audience,
        language=language,
        period_start=period_start,
        period_end=period_end,
    )
    with transaction.atomic():
        report = Report.objects.create(
            service_id=actor.service_id,
            created_by=actor.user,
            edited_at=timezone.now(),
            **fields,
        )
        log_action(actor, AuditAction.CREATE, report, detail={"title": report.title})
    return report


def update_report(actor, report, *, title, audience, period_start, period_end, language=""):
    actor.require(Perm.BUILD_REPORTS)
    _own(actor, report)
    fields = _report_fields(
        actor,
        title=title,
        audience=audience,
        language=language,
        period_start=period_start,
        period_end=period_end,
    )
    with transaction.atomic():
        for name, value in fields.items():
            setattr(report, name, value)
        report.edited_at = timezone.now()
        report.save(update_fields=[*fields, "edited_at", "updated_at"])
        log_action(actor, AuditAction.UPDATE, report, detail={"title": report.title})
    return report


def _own(actor, report):
    # Views fetch reports through selectors (404 for another service); this guards other callers.
    if report.service_id != actor.service_id:
        raise ReportError(_("This report is not in your service."))


def _touch(report):
    report.edited_at = timezone.now()
    report.save(update_fields=["edited_at", "updated_at"])


# --- sections -------------------------------------------------------------------------------


def _clean_text(heading, body):
    heading = " ".join((heading or "").split())[:TITLE_MAX]
    body = (body or "").strip()
    if not heading and not body:
        raise ReportError(_("Write a heading or some text."))
    if len(body) > BODY_MAX:
        raise ReportError(_("The text can be at most %(n)s characters.") % {"n": BODY_MAX})
    return heading, body


def _next_position(report) -> int:
    count = report.sections.count()
    if count >= MAX_SECTIONS:
        raise ReportError(_("A report can have at most %(n)s sections.") % {"n": MAX_SECTIONS})
    top = report.sections.aggregate(top=Max("position"))["top"]
    return 1 if top is None else top + 1


def add_text_section(actor, report, *, heading, body):
    actor.require(Perm.BUILD_REPORTS)
    _own(actor, report)
    heading, body = _clean_text(heading, body)
    with transaction.atomic():
        section = Section.objects.create(
            service_id=actor.service_id,
            report=report,
            position=_next_position(report),
            kind=SectionKind.TEXT,
            heading=heading,
            body=body,
        )
        _touch(report)
        log_action(actor, AuditAction.UPDATE, report, detail={"section": "added text"})
    return section


def add_figure_section(actor, report, *, heading, figure):
    actor.require(Perm.BUILD_REPORTS)
    _own(actor, report)
    figure = clean_figure(actor, report, figure)
    heading = " ".join((heading or "").split())[:TITLE_MAX]
    with transaction.atomic():
        section = Section.objects.create(
            service_id=actor.service_id,
            report=report,
            position=_next_position(report),
            kind=SectionKind.FIGURE,
            heading=heading,
            figure=figure,
        )
        _touch(report)
        log_action(
            actor, AuditAction.UPDATE, report, detail={"section": "added figure", "figure": figure}
        )
    return section


def update_section(actor, section, *, heading, body="", figure=None):
    actor.require(Perm.BUILD_REPORTS)
    report = section.report
    _own(actor, report)
    if section.kind == SectionKind.TEXT:
        section.heading, section.body = _clean_text(heading, body)
    else:
        section.figure = clean_figure(actor, report, figure)
        section.heading = " ".join((heading or "").split())[:TITLE_MAX]
    with transaction.atomic():
        section.save(update_fields=["heading", "body", "figure", "updated_at"])
        _touch(report)
        log_action(actor, AuditAction.UPDATE, report, detail={"section": "changed"})
    return section


def move_section(actor, section, direction: str):
    """Swap the section with its neighbour above ("up") or below ("down")."""
    actor.require(Perm.BUILD_REPORTS)
    report = section.report
    _own(actor, report)
    if direction not in ("up", "down"):
        raise ReportError(_("Move a section up or down."))
    with transaction.atomic():
        siblings = list(report.sections.select_for_update().order_by("position"))
        index = next(i for i, s in enumerate(siblings) if s.pk == section.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(siblings):
            return  # already first or last: nothing to do
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings, start=1):
            if sibling.position != position:
                sibling.position = position
                sibling.save(update_fields=["position", "updated_at"])
        _touch(report)
        log_action(actor, AuditAction.UPDATE, report, detail={"section": f"moved {direction}"})


def remove_section(actor, section):
    actor.require(Perm.BUILD_REPORTS)
    report = section.report
    _own(actor, report)
    with transaction.atomic():
        section.delete()
        _touch(report)
        log_action(actor, AuditAction.UPDATE, report, detail={"section": "removed"})


# --- published versions ---------------------------------------------------------------------


def publish_version(actor, report, *, now=None):
    """Render the report now and freeze the PDF and XLSX as the next version.

    Rendered before the transaction (WeasyPrint takes a moment); the number is taken under a
    lock on the report, so two publishers get two numbers.
    """
    actor.require(Perm.BUILD_REPORTS)
    _own(actor, report)
    if not report.sections.exists():
        raise ReportError(_("Add at least one section before publishing."))
    document = rendering.build(actor, report)
    pdf = rendering.pdf_bytes(document)
    xlsx = rendering.xlsx_bytes(document)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        number = (locked.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        version = ReportVersion.objects.create(
            service_id=actor.service_id,
            report=locked,
            number=number,
            title=report.title,
            language=report.language,
            published_by=actor.user,
            published_at=now,
            pdf=pdf,
            pdf_sha256=checksum(pdf),
            xlsx=xlsx,
            xlsx_sha256=checksum(xlsx),
        )
        log_action(
            actor,
            AuditAction.CREATE,
            version,
            detail={
                "report": str(report.code),
                "number": number,
                "pdf_sha256": version.pdf_sha256,
                "xlsx_sha256": version.xlsx_sha256,
            },
        )
    return version


def log_download(actor, report, *, fmt, version=None, sha256=""):
    """Figures leaving the system: which report, which version (or the draft), by whom."""
    with transaction.atomic():
        log_action(
            actor,
            AuditAction.EXPORT,
            version if version is not None else report,
            detail={
                "report": str(report.code),
                "format": fmt,
                "version": version.number if version is not None else "draft",
                "sha256": sha256,
            },
        )
