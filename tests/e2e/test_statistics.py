"""Statistics in the browser: an analyst compares two periods for one area, on a phone and on a
desktop screen, with the chart drawn, axe clean, and downloads the XLSX export."""

import datetime

import pytest
from openpyxl import load_workbook

from feltbok.reports.tests.test_statistics import encounter

from .conftest import check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
START = datetime.date(2025, 9, 1)


@pytest.fixture
def figures(patrol, area, second_area):
    for week in range(9):
        day = START + datetime.timedelta(days=7 * week)
        encounter(patrol, area, day, 6 + week, topics=["food"])
        encounter(patrol, second_area, day, 12)
    encounter(patrol, area, START + datetime.timedelta(days=3), 2)  # a small cell
    for week in range(9):  # the same autumn a year before
        encounter(patrol, area, datetime.date(2024, 9, 2) + datetime.timedelta(days=7 * week), 5)


def compare_autumn(page, area):
    page.goto("/statistics/table/")
    page.fill("#id_start", "2025-09-01")
    page.fill("#id_end", "2025-10-31")
    page.select_option("#id_bucket", "month")
    page.select_option("#id_rows", "area")
    page.select_option("#id_compare", "year")
    page.click("summary")
    page.select_option("#id_area", str(area.pk))
    page.click("form.statistics-form button[type=submit]")
    page.wait_for_selector("#statistics-caption")


def test_analyst_compares_autumn_with_last_year_on_a_phone(phone, users, area, figures):
    page = phone
    log_in(page, users["analyst"])
    compare_autumn(page, area)
    # Chart.js drew on the canvas, and the table behind it holds the figures.
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('statistics-chart'))"
    )
    table = page.inner_text(".statistics-table")
    assert area.name in table
    assert "2025-09" in table
    assert "2025-10" in table
    # The comparison (a year before): this area's row with both periods' totals.
    comparison = page.inner_text(".comparison-table tbody")
    assert area.name in comparison
    assert comparison.split()[-2:] == ["92", "45"]  # 6 + 7 + … + 14 + 2, and 9 × 5
    check_accessibility(page, "statistics on a phone")
    page.evaluate("document.querySelector('.export-links').scrollIntoView()")
    screenshot(page, "60-statistics-phone")


def test_analyst_on_a_desktop_downloads_xlsx(browser, live_server, users, area, figures):
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, users["analyst"])
        compare_autumn(page, area)
        page.wait_for_function(
            "() => window.Chart && Chart.getChart(document.getElementById('statistics-chart'))"
        )
        check_accessibility(page, "statistics on a desktop")
        page.evaluate("document.querySelector('.export-links').scrollIntoView()")
        screenshot(page, "61-statistics-desktop")
        with page.expect_download() as download_info:
            page.click("a[href*='export.xlsx']")
        download = download_info.value
        assert download.suggested_filename.endswith(".xlsx")
        with open(download.path(), "rb") as data:
            sheet = load_workbook(data).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert rows[1][:3] == ["Field area", "2025-09", "2025-10"]
        assert rows[2][0] == area.name
        # Printing: the form is not printed, the chart and table are.
        page.emulate_media(media="print")
        assert not page.is_visible("form.statistics-form")
        assert page.is_visible("#statistics-chart")
    finally:
        context.close()
    assert errors == []
