"""Issue 6's browser test: an analyst compares two periods for one field area with plots,
exports XLSX, then builds a report (a written section and a figure), publishes it and downloads
the PDF; the test reads the workbook with openpyxl and the PDF with pypdf. Axe on every page."""

import datetime
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from feltbok.reports.tests.test_statistics import encounter

from .conftest import check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
START = datetime.date(2025, 9, 1)
ASSESSMENT = "More people sleep outside by the river than in the summer; the mood is calm."


@pytest.fixture
def figures(patrol, area, second_area):
    for week in range(9):  # September (6+…+10 = 40) and October (11+…+14 = 50)
        day = START + datetime.timedelta(days=7 * week)
        encounter(patrol, area, day, 6 + week)
        encounter(patrol, second_area, day, 12)
    for week in range(8):  # the period before: July and August, 5 a week
        encounter(patrol, area, datetime.date(2025, 7, 7) + datetime.timedelta(days=7 * week), 5)


def _download(page, selector):
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    with open(download.path(), "rb") as data:
        return download.suggested_filename, data.read()


def test_analyst_compares_exports_and_builds_a_pdf_report(
    browser, live_server, users, area, figures
):
    context = browser.new_context(
        viewport=DESKTOP, base_url=live_server.url, accept_downloads=True, locale="en-GB"
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, users["analyst"])

        # 1. Statistics: this autumn against the period before, for one area, with a plot.
        page.goto("/statistics/table/")
        page.fill("#id_start", "2025-09-01")
        page.fill("#id_end", "2025-10-31")
        page.select_option("#id_bucket", "month")
        page.select_option("#id_rows", "area")
        page.select_option("#id_compare", "previous")
        page.click("summary")
        page.select_option("#id_area", str(area.pk))
        page.click("form.statistics-form button[type=submit]")
        page.wait_for_selector("#statistics-caption")
        page.wait_for_function(
            "() => window.Chart && Chart.getChart(document.getElementById('statistics-chart'))"
        )
        assert page.is_visible("#statistics-chart")
        comparison = page.inner_text(".comparison-table tbody")
        assert area.name in comparison
        assert comparison.split()[-2:] == ["90", "40"]
        check_accessibility(page, "statistics")

        # 2. The XLSX export arrives and holds the figures.
        name, data = _download(page, "a[href*='export.xlsx']")
        assert name.endswith(".xlsx")
        rows = [
            list(row) for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
        ]
        assert rows[1] == ["Field area", "2025-09", "2025-10", "Total"]
        assert rows[2] == [area.name, 40, 50, 90]

        # 3. A new report, from the main menu.
        page.click("nav.mainnav a[href='/reports/']")
        page.wait_for_selector("h1")
        check_accessibility(page, "report list")
        page.click("a[href='/reports/new/']")
        page.fill("#id_title", "Vaterland this autumn")
        page.select_option("#id_audience", "political")
        page.select_option("#id_language", "en")
        page.fill("#id_period_start", "2025-09-01")
        page.fill("#id_period_end", "2025-10-31")
        check_accessibility(page, "new report")
        page.click("form.stack button[type=submit]")
        page.wait_for_selector(".report-sections")

        # 4. A written section.
        page.click("a[href$='/sections/text/']")
        page.fill("#id_heading", "What we see")
        page.fill("#id_body", ASSESSMENT)
        check_accessibility(page, "written section")
        page.click("form.stack button[type=submit]")
        page.wait_for_selector(".report-sections")

        # 5. A figure: contacts per month in the area, compared with the period before.
        page.click("a[href$='/sections/figure/']")
        page.fill("#id_heading", "Contacts in Vaterland")
        page.select_option("#id_measure", "contacts")
        page.select_option("#id_bucket", "month")
        page.select_option("#id_rows", "area")
        page.select_option("#id_compare", "previous")
        page.select_option("#id_area", str(area.pk))
        page.select_option("#id_chart", "line")
        check_accessibility(page, "figure")
        page.click("form.figure-form button[type=submit]")
        page.wait_for_selector(".report-sections")
        sections = page.inner_text(".report-sections")
        assert "What we see" in sections
        assert "Contacts in Vaterland" in sections

        # 6. Publish a version and download its PDF.
        page.click("form[action$='/publish/'] button")
        page.wait_for_selector(".versions-table a[href$='report.pdf']")
        check_accessibility(page, "report")
        screenshot(page, "62-report-builder")
        name, data = _download(page, ".versions-table a[href$='report.pdf']")
        assert name.endswith("-v1.pdf")
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
        lines = text.splitlines()
        assert "Vaterland this autumn" in lines
        assert "What we see" in lines
        assert " ".join(text.split()).count(ASSESSMENT) == 1
        assert "Figure 1: Contacts in Vaterland" in lines
        assert f"{area.name} 40 50 90" in lines  # the figure, month by month
        assert f"{area.name} 90 40" in lines  # and against the period before
    finally:
        context.close()
    assert errors == []
