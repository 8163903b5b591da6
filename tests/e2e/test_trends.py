"""Trend report and lectures in the browser: an analyst opens the trend report for an area on a
phone and sees the charts drawn, the tables behind them and the patrols' observations; a
worker records a lecture and finds it in the list. Both screens axe clean."""

import datetime

import pytest

from feltbok.reports.tests.test_statistics import encounter
from feltbok.reports.tests.test_trends import observe

from .conftest import check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def figures(patrol, area, second_area):
    for month in range(4):
        day = datetime.date(2025, 9 + month, 3)
        encounter(patrol, area, day, 10 + month, gender="female", topics=["food"])
        encounter(patrol, second_area, day, 20)
    encounter(patrol, area, datetime.date(2025, 10, 8), 2)  # a small cell
    observe(
        patrol,
        area,
        datetime.date(2025, 11, 20),
        note="Quieter after the shelter opened",
        present=14,
        mood="calm",
        substances=["alcohol"],
    )


def test_analyst_opens_the_trend_report_for_an_area(phone, users, area, figures):
    page = phone
    log_in(page, users["analyst"])
    page.goto("/statistics/trends/")
    page.select_option("#id_area", str(area.pk))
    page.fill("#id_start", "2025-09-01")
    page.fill("#id_end", "2025-12-31")
    page.select_option("#id_bucket", "month")
    page.click("form.trends-form button[type=submit]")
    page.wait_for_selector("#trend-contacts-caption")
    # Chart.js drew every section's canvas; the table behind it holds the figures.
    page.wait_for_function(
        "() => window.Chart && [...document.querySelectorAll('canvas[data-trend-chart]')]"
        ".every(c => Chart.getChart(c))"
    )
    contacts = page.inner_text("[data-section=contacts] table")
    assert "2025-09" in contacts
    assert "2025-12" in contacts
    assert "13" in contacts  # December
    observations = page.inner_text(".trends-observations")
    assert "20." in observations  # the date
    assert "14" in observations  # people present
    # An analyst sees aggregates: the written note stays with the patrols.
    assert "Quieter after the shelter opened" not in observations
    check_accessibility(page, "trend report on a phone")
    screenshot(page, "62-trends-phone")


def test_worker_records_a_lecture(phone, users):
    page = phone
    log_in(page, users["worker"])
    page.goto("/lectures/new/")
    page.fill("#id_topic", "Cannabis and young people")
    page.check("input[name=audience][value=schools]")
    page.fill("#id_attending", "28")
    check_accessibility(page, "lecture form")
    page.click("form.lecture-form button[type=submit]")
    page.wait_for_url("**/lectures/")
    table = page.inner_text(".lecture-list")
    assert "Cannabis and young people" in table
    assert "28" in table
    check_accessibility(page, "lecture list")
    screenshot(page, "63-lectures")
    # Let the page's last requests finish before the database is emptied for the next test.
    page.wait_for_load_state("networkidle")
