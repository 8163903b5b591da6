"""The report builder: rendering (exact figures in the PDF and XLSX), versions, bad input."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from feltbok.audit.models import AuditEvent
from feltbok.reportbuilder import rendering, services
from feltbok.reportbuilder.models import FrozenError, Report, ReportVersion, Section, checksum
from feltbok.reportbuilder.tests.conftest import WEEK, pdf_text
from feltbok.reports.tests.test_statistics import MONDAY, encounter

# The engine's table for FIGURE: Vaterland's 3 is hidden, and with it (so it cannot be worked
# out from the totals) the first and third week of both areas.
VATERLAND_ROW = ["Vaterland/Grønland", ":", 47, ":", 70]
OSLO_ROW = ["Oslo S og omegn", ":", 29, ":", 55]
TOTAL_ROW = ["Total", 14, 76, 35, 125]


def test_pdf_holds_title_text_and_exact_figures(analyst, built):
    text = pdf_text(rendering.pdf_bytes(rendering.build(analyst, built)))

    assert "Vaterland this autumn" in text
    assert "The political level" in text
    assert "More people sleep outside near the river." in text
    assert "Figure 1: Contacts per area" in text
    lines = text.splitlines()
    assert "Field area 2025-W36 2025-W37 2025-W38 Total" in lines
    assert "Oslo S og omegn : 29 : 55" in lines
    assert "Vaterland/Grønland : 47 : 70" in lines
    assert "Total 14 76 35 125" in lines
    # The plot is drawn in the PDF (its axis labels are text), not left to JavaScript.
    assert "Week" in lines
    assert "Contacts" in lines


def test_a_suppressed_cell_never_shows_in_pdf_or_xlsx(analyst, built):
    document = rendering.build(analyst, built)
    pdf = pdf_text(rendering.pdf_bytes(document))
    workbook = load_workbook(io.BytesIO(rendering.xlsx_bytes(document)))

    table_lines = [line for line in pdf.splitlines() if line.startswith(("Vaterland/", "Oslo S"))]
    table_lines = [line for line in table_lines if ":" in line]  # not the plot's legend
    assert table_lines == ["Oslo S og omegn : 29 : 55", "Vaterland/Grønland : 47 : 70"]
    values = [v for row in workbook["Figure 1"].iter_rows(values_only=True) for v in row]
    for hidden in (3, 11, 20, 15):
        assert hidden not in values
    # The plot leaves hidden figures out: only 29 and 47 are drawn as bars.
    assert document.figures[0].svg.count("<rect") == 2 + 2  # two bars, two legend keys


def test_xlsx_has_the_text_and_one_sheet_per_figure(analyst, built):
    services.add_figure_section(
        analyst, built, heading="", figure={"measure": "contacts", "bucket": "month"}
    )
    workbook = load_workbook(io.BytesIO(rendering.xlsx_bytes(rendering.build(analyst, built))))

    assert workbook.sheetnames == ["Report", "Figure 1", "Figure 2"]
    text = [row[0] for row in workbook["Report"].iter_rows(values_only=True)]
    assert text[0] == "Vaterland this autumn"
    assert "More people sleep outside near the river." in text
    assert "The mood is calm." in text
    assert "Figure 1: Contacts per area (sheet Figure 1)" in text
    rows = [list(row) for row in workbook["Figure 1"].iter_rows(values_only=True)]
    assert rows[0][0] == "Contacts per area"
    assert rows[3] == ["Field area", "2025-W36", "2025-W37", "2025-W38", "Total"]
    assert rows[4] == OSLO_ROW
    assert rows[5] == VATERLAND_ROW
    assert rows[6] == TOTAL_ROW
    assert rows[-1][0].startswith("Figures from 1 to 4, and figures from which they could")
    month = [list(row) for row in workbook["Figure 2"].iter_rows(values_only=True)]
    assert month[0][0] == "Contacts"  # no heading given: the measure's name
    assert month[4] == ["Contacts", 125, 125]
    assert month[5] == ["Total", 125, 125]


def test_a_figure_for_one_area_with_comparison(analyst, report, figures, area, patrol):
    encounter(patrol, area, MONDAY - WEEK, 9)
    figure = {
        "measure": "contacts",
        "bucket": "week",
        "filters": {"area": area.pk},
        "compare": "previous",
        "chart": "line",
    }
    services.add_figure_section(analyst, report, heading="Vaterland", figure=figure)
    document = rendering.build(analyst, report)
    section = document.figures[0]

    assert section.filters == "Field area: Vaterland/Grønland"
    assert section.result.table.grand_total == 70
    assert section.result.comparison.this_total == 70
    assert section.result.comparison.other_total == 9
    assert "<circle" in section.svg  # a line's markers, no bars
    assert "<rect" not in section.svg
    text = pdf_text(rendering.pdf_bytes(document))
    assert "The period before" in text


def test_the_report_is_rendered_in_its_language(analyst, built):
    services.update_report(
        analyst,
        built,
        title=built.title,
        audience=built.audience,
        language="nb",
        period_start=built.period_start,
        period_end=built.period_end,
    )
    text = pdf_text(rendering.pdf_bytes(rendering.build(analyst, built)))
    assert "Totalt 14 76 35 125" in text.splitlines()
    assert "Kontakter" in text


def test_sections_are_reordered_and_removed(analyst, built):
    text, figure = built.sections.order_by("position")
    services.move_section(analyst, figure, "up")
    assert list(built.sections.order_by("position").values_list("pk", flat=True)) == [
        figure.pk,
        text.pk,
    ]
    services.move_section(analyst, text.__class__.objects.get(pk=figure.pk), "up")  # first: no-op
    services.remove_section(analyst, Section.objects.get(pk=figure.pk))
    assert list(built.sections.values_list("pk", flat=True)) == [text.pk]


def test_published_versions_never_change(analyst, built, patrol, area):
    first = services.publish_version(analyst, built)
    pdf, xlsx = bytes(first.pdf), bytes(first.xlsx)
    built.refresh_from_db()
    assert first.number == 1
    assert first.pdf_sha256 == checksum(pdf)
    assert not built.edited_at > first.published_at  # published: not a draft

    # New figures and a changed text make a new draft; version 1 stays as it was.
    encounter(patrol, area, MONDAY + 2 * WEEK, 100)
    services.add_text_section(analyst, built, heading="", body="A later note.")
    built.refresh_from_db()
    assert built.edited_at > first.published_at
    second = services.publish_version(analyst, built)
    assert second.number == 2
    stored = ReportVersion.objects.get(pk=first.pk)
    assert bytes(stored.pdf) == pdf
    assert bytes(stored.xlsx) == xlsx
    assert "A later note." in pdf_text(bytes(second.pdf))
    assert "A later note." not in pdf_text(pdf)

    with pytest.raises(FrozenError):
        stored.save()
    with pytest.raises(FrozenError):
        ReportVersion.objects.filter(pk=first.pk).update(title="Changed")
    with pytest.raises(FrozenError):
        ReportVersion.objects.filter(pk=first.pk).delete()
    with pytest.raises(FrozenError):
        stored.delete()
    assert AuditEvent.objects.filter(object_type="reportversion").count() == 2


def test_publishing_needs_a_section(analyst, report):
    with pytest.raises(services.ReportError, match="Add at least one section"):
        services.publish_version(analyst, report)
    assert ReportVersion.objects.count() == 0


def _state():
    return (
        Report.objects.count(),
        Section.objects.count(),
        ReportVersion.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("figure", "message"),
    [
        ({"measure": "beds"}, "Unknown measure."),
        ({"measure": "contacts", "rows": ["shoe_size"]}, "Unknown dimension."),
        ({"measure": "contacts", "filters": {"shoe_size": "42"}}, "Unknown dimension."),
        ({"measure": "contacts", "filters": {"area": 999999}}, "Unknown filter value."),
        ({"measure": "contacts", "filters": {"gender": "robot"}}, "Unknown filter value."),
        ({"measure": "contacts", "compare": "tomorrow"}, "Unknown comparison."),
        (
            {"measure": "contacts", "start": "2025-09-10", "end": "2025-09-01"},
            "The end date must be after the start date.",
        ),
        ({"measure": "contacts", "chart": "pie"}, "Choose bars or lines."),
        ("contacts", "Unknown measure."),
    ],
)
def test_a_bad_figure_is_refused_and_nothing_stored(analyst, report, figure, message):
    before = _state()
    with pytest.raises(services.ReportError) as error:
        services.add_figure_section(analyst, report, heading="x", figure=figure)
    assert str(error.value) == message
    assert _state() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "   "}, "Give the report a title."),
        (
            {"period_start": MONDAY, "period_end": MONDAY - datetime.timedelta(days=1)},
            "The end date must be after the start date.",
        ),
        ({"audience": "press"}, "Choose who the report is for."),
        ({"language": "de"}, "Choose a language from the list."),
    ],
)
def test_a_bad_report_is_refused_and_nothing_stored(analyst, changes, message):
    data = {
        "title": "Autumn",
        "audience": "administration",
        "language": "",
        "period_start": MONDAY,
        "period_end": MONDAY + WEEK,
    } | changes
    before = _state()
    with pytest.raises(services.ReportError) as error:
        services.create_report(analyst, **data)
    assert str(error.value) == message
    assert _state() == before


def test_an_empty_text_section_is_refused(analyst, report):
    before = _state()
    with pytest.raises(services.ReportError, match="Write a heading or some text"):
        services.add_text_section(analyst, report, heading=" ", body="\n")
    assert _state() == before


def test_the_language_defaults_to_the_services(analyst, service):
    service.language = "da"
    service.save(update_fields=["language"])
    analyst.membership.service.language = "da"
    report = services.create_report(
        analyst,
        title="Efterår",
        audience="other",
        period_start=MONDAY,
        period_end=MONDAY + WEEK,
    )
    assert report.language == "da"


@pytest.mark.parametrize("persona", ["worker", "peer_worker", "coordinator", "admin"])
def test_roles_without_the_right_cannot_build(actors, persona):
    with pytest.raises(PermissionDenied):
        services.create_report(
            actors[persona],
            title="x",
            audience="other",
            period_start=MONDAY,
            period_end=MONDAY + WEEK,
        )
    assert Report.objects.count() == 0


def test_another_services_report_is_never_rendered(built, actors):
    with pytest.raises(PermissionDenied):
        rendering.build(actors["outsider"], built)


def test_demo_report(service, users, area, figures):
    from feltbok.reportbuilder.demo import seed_reports

    report = seed_reports(service)
    assert [s.kind for s in report.sections.order_by("position")] == ["text", "figure", "figure"]
    assert seed_reports(service) is None  # once


def test_a_figure_the_engine_refuses_now_says_so_in_its_place(analyst, report, patrol, area):
    # Without the area filter only 3 more contacts: they could be worked out by subtracting.
    from feltbok.organisation.models import FieldArea

    other = FieldArea.objects.create(
        service=area.service, name="Tøyen", boundary=area.boundary, valid_from=area.valid_from
    )
    encounter(patrol, area, MONDAY, 40)
    encounter(patrol, other, MONDAY, 3)
    figure = {"measure": "contacts", "bucket": "week", "filters": {"area": area.pk}}
    services.add_figure_section(analyst, report, heading="Vaterland", figure=figure)

    document = rendering.build(analyst, report)
    text = pdf_text(rendering.pdf_bytes(document))

    assert document.figures[0].result is None
    assert "This figure cannot be shown: This selection cannot be shown" in " ".join(text.split())
    assert "40" not in text.replace("2025", "")
