"""Rendering a report: figures counted and suppressed now, for the actor; then PDF and XLSX.

Everything is rendered in the report's language. Figures come only from `statistics.run`, so
the suppression of the statistics page applies to every figure, at every render; a hidden
figure is the same mark there and here (`statistics.HIDDEN`).
"""

import datetime
import io
import logging
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from feltbok.core.access import Perm, scoped
from feltbok.organisation.models import FieldArea, Team
from feltbok.reportbuilder.charts import svg_chart
from feltbok.reports import statistics

# WeasyPrint logs every step and fontTools every glyph at INFO: keep the log for what matters.
for _name in ("weasyprint.progress", "fontTools"):
    logging.getLogger(_name).setLevel(logging.WARNING)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class RenderedSection:
    kind: str
    heading: str
    body: str = ""
    number: int = 0  # figures are numbered 1, 2, … in the order they appear
    filters: str = ""  # "Field area: Vaterland · Shift: Evening"
    result: object = None  # statistics.Result
    svg: str = ""
    error: str = ""


@dataclass
class Document:
    title: str
    language: str
    audience: str
    service: str
    start: datetime.date
    end: datetime.date
    rendered_at: datetime.datetime
    threshold: int
    sections: list[RenderedSection] = field(default_factory=list)

    @property
    def figures(self):
        return [s for s in self.sections if s.kind == "figure"]

    @property
    def hidden_mark(self):
        return statistics.HIDDEN

    def note(self) -> str:
        return _(
            "Figures from 1 to %(upper)s, and figures from which they could be worked out, are "
            'shown as "%(mark)s".'
        ) % {"upper": self.threshold - 1, "mark": statistics.HIDDEN}


def figure_query(report, figure: dict) -> statistics.Query:
    """The statistics query a stored figure stands for (the report's period unless its own)."""
    start = figure.get("start")
    end = figure.get("end")
    return statistics.Query(
        start=datetime.date.fromisoformat(start) if start else report.period_start,
        end=datetime.date.fromisoformat(end) if end else report.period_end,
        measure=figure.get("measure", ""),
        bucket=figure.get("bucket", "month"),
        rows=tuple(figure.get("rows") or ()),
        filters=dict(figure.get("filters") or {}),
        compare=figure.get("compare") or "",
    )


def describe_filters(actor, filters: dict) -> str:
    parts = []
    for key, value in filters.items():
        dimension = statistics.DIMENSIONS.get(key)
        if dimension is None:
            continue
        if key in ("team", "area"):
            model = Team if key == "team" else FieldArea
            label = scoped(actor, model).filter(pk=value).values_list("name", flat=True).first()
        else:
            label = dict(dimension.choices).get(value)
        parts.append(f"{dimension.label}: {label or value}")
    return " · ".join(parts)


def _figure(actor, report, section, number) -> RenderedSection:
    figure = section.figure or {}
    rendered = RenderedSection(kind="figure", heading=section.heading, number=number)
    rendered.filters = describe_filters(actor, figure.get("filters") or {})
    try:
        result = statistics.run(actor, figure_query(report, figure))
    except statistics.StatisticsError as error:
        # A figure that can no longer be shown (the engine refuses it now) says so; never a
        # stack trace, never the figures.
        rendered.error = _("This figure cannot be shown: %(reason)s") % {"reason": error}
        rendered.heading = rendered.heading or _("Figure %(n)s") % {"n": number}
        return rendered
    table = result.table
    rendered.result = result
    rendered.heading = rendered.heading or table.measure_label
    if any(cell is not None for row in table.rows for cell in row.cells):
        series = [(" · ".join(row.labels), row.cells) for row in table.rows]
        rendered.svg = svg_chart(
            figure.get("chart") or "bar",
            table.columns,
            series,
            y_label=table.measure_label,
            x_label=str(statistics.BUCKETS[table.query.bucket][0]),
        )
    return rendered


def build(actor, report) -> Document:
    """Count every figure now (suppressed, for this actor) in the report's language."""
    from feltbok.reportbuilder.models import Audience

    actor.require(Perm.BUILD_REPORTS)
    if report.service_id != actor.service_id:
        raise PermissionDenied  # views reach reports through selectors (404); this guards others
    with translation.override(report.language):
        document = Document(
            title=report.title,
            language=report.language,
            audience=str(Audience(report.audience).label),
            service=actor.service.name,
            start=report.period_start,
            end=report.period_end,
            rendered_at=timezone.localtime(),
            threshold=statistics.threshold_for(actor),
        )
        number = 0
        for section in report.sections.order_by("position"):
            if section.kind == "figure":
                number += 1
                document.sections.append(_figure(actor, report, section, number))
            else:
                document.sections.append(
                    RenderedSection(kind="text", heading=section.heading, body=section.body)
                )
    return document


def _no_fetching(url, *args, **kwargs):
    # The PDF is built from our own HTML only: no file or network access from WeasyPrint.
    raise ValueError(f"refused to fetch {url}")


def pdf_html(document: Document) -> str:
    with translation.override(document.language):
        return render_to_string("reportbuilder/pdf.html", {"doc": document})


def pdf_bytes(document: Document) -> bytes:
    from weasyprint import HTML

    html = pdf_html(document)
    return HTML(string=html, url_fetcher=_no_fetching).write_pdf()


def _sheet_name(text: str, used: set) -> str:
    name = "".join(c for c in text if c not in "[]:*?/\\")[:31] or "Sheet"
    base, n = name, 2
    while name in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name)
    return name


def xlsx_bytes(document: Document) -> bytes:
    """A sheet with the report's text, then one sheet per figure (its suppressed table)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    with translation.override(document.language):
        workbook = Workbook()
        used: set[str] = set()
        text = workbook.active
        text.title = _sheet_name(_("Report"), used)
        text.column_dimensions["A"].width = 100
        text.append([document.title])
        text["A1"].font = Font(bold=True, size=14)
        text.append([f"{document.service} · {document.audience}"])
        text.append([f"{document.start:%Y-%m-%d} – {document.end:%Y-%m-%d}"])
        text.append([])
        for section in document.sections:
            if section.kind == "figure":
                line = _("Figure %(n)s: %(heading)s (sheet %(sheet)s)") % {
                    "n": section.number,
                    "heading": section.heading,
                    "sheet": _("Figure %(n)s") % {"n": section.number},
                }
                text.append([line])
                text.cell(text.max_row, 1).font = Font(italic=True)
                continue
            if section.heading:
                text.append([section.heading])
                text.cell(text.max_row, 1).font = bold
            for paragraph in section.body.split("\n\n"):
                if paragraph.strip():
                    text.append([paragraph.strip()])
                    text.cell(text.max_row, 1).alignment = Alignment(wrap_text=True)
            text.append([])
        for section in document.figures:
            sheet = workbook.create_sheet(
                _sheet_name(_("Figure %(n)s") % {"n": section.number}, used)
            )
            sheet.append([section.heading])
            sheet["A1"].font = bold
            if section.filters:
                sheet.append([section.filters])
            if section.error:
                sheet.append([section.error])
                continue
            table = section.result.table
            sheet.append([f"{table.start:%Y-%m-%d} – {table.end:%Y-%m-%d}"])
            sheet.append([])
            for row in statistics.rows_for_export(section.result):
                sheet.append(row)
            comparison = section.result.comparison
            if comparison:
                sheet.append([])
                period = f"{comparison.start:%Y-%m-%d} – {comparison.end:%Y-%m-%d}"
                sheet.append([f"{comparison.label} ({period})"])
                sheet.append(
                    [" · ".join(table.row_headers), _("This period"), _("Compared period")]
                )
                for labels, this, other in comparison.lines:
                    sheet.append([" · ".join(labels), _mark(this), _mark(other)])
                sheet.append(
                    [_("Total"), _mark(comparison.this_total), _mark(comparison.other_total)]
                )
            sheet.append([])
            sheet.append([document.note()])
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()


def _mark(value):
    return statistics.HIDDEN if value is None else value
