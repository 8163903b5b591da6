"""The statistics page and its exports: permissions, suppression, bad input, query counts.

Matrix: analysts, administrators and team leads get in (200); field staff, peer workers and
coordinators are refused (403); anonymous visitors are sent to log in (302). The outsider
(a team lead of another service) gets their own service's figures, which hold nothing here.
These pages only read aggregates: no request changes anything.
"""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import enrol_totp
from feltbok.audit.models import AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.fieldwork.models import Encounter
from feltbok.reports.tests.test_statistics import MONDAY, encounter

ALLOWED = expect(403, team_lead=200, analyst=200, admin=200, outsider=200)
MATRIX = {
    "reports:statistics": ALLOWED,
    "reports:statistics_csv": ALLOWED,
    "reports:statistics_xlsx": ALLOWED,
}
PERIOD = {"start": "2025-09-01", "end": "2025-09-14", "measure": "contacts", "bucket": "week"}


@pytest.fixture
def figures(patrol, area, second_area):
    encounter(patrol, area, MONDAY, 2)  # small: hidden
    encounter(patrol, area, MONDAY + datetime.timedelta(days=7), 20)
    encounter(patrol, second_area, MONDAY, 10)
    encounter(patrol, second_area, MONDAY + datetime.timedelta(days=7), 30)


def state():
    return (Encounter.objects.count(), AuditEvent.objects.count())


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", list(MATRIX))
def test_permission_matrix(client, users, figures, persona, name):
    if persona != "anonymous":
        enrol_totp(users[persona])
        client.force_login(users[persona])
    before = state()
    response = client.get(reverse(name), PERIOD | {"rows": "area"})
    assert response.status_code == MATRIX[name][persona]
    exported = name != "reports:statistics" and response.status_code == 200
    # Nothing changes, except that a download is written in the access log.
    assert state() == (before[0], before[1] + exported)
    if persona == "outsider":
        body = response.content.decode(errors="replace")
        assert "Vaterland" not in body
        assert "Oslo S" not in body


def test_user_without_membership_is_refused(client, users):
    enrol_totp(users["no_membership"])
    client.force_login(users["no_membership"])
    for name in MATRIX:
        assert client.get(reverse(name), PERIOD).status_code == 403


def test_post_is_not_allowed(login):
    assert login("analyst").post(reverse("reports:statistics"), PERIOD).status_code == 405


def test_page_shows_the_suppressed_table_with_chart_data(login, figures, area):
    response = login("analyst").get(reverse("reports:statistics"), PERIOD | {"rows": "area"})
    assert response.status_code == 200
    body = response.content.decode()
    assert '<caption id="statistics-caption">Contacts</caption>' in body
    assert 'scope="row">Vaterland/Grønland</th>' in body
    assert '<td class="num">2</td>' not in body  # the small cell never reaches the page
    assert 'id="statistics-chart-data"' in body
    chart = response.context["chart"]
    assert chart["labels"] == ["2025-W36", "2025-W37"]
    assert None in chart["series"][1]["values"]  # Vaterland's hidden week
    assert "<script>" not in body  # no inline scripts: the chart data is JSON


def test_csv_export_is_suppressed_too(login, figures, area):
    response = login("team_lead").get(reverse("reports:statistics_csv"), PERIOD | {"rows": "area"})
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1] == ["Field area", "2025-W36", "2025-W37", "Total"]
    vaterland = next(row for row in rows if row[0] == area.name)
    assert vaterland[1] == ":"
    assert "2" not in vaterland


def test_xlsx_export_is_suppressed_too(login, figures, area):
    response = login("admin").get(reverse("reports:statistics_xlsx"), PERIOD | {"rows": "area"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[1] == ["Field area", "2025-W36", "2025-W37", "Total"]
    vaterland = next(row for row in rows if row[0] == area.name)
    assert vaterland[1] == ":"
    oslo = next(row for row in rows if row[0] == "Oslo S og omegn")
    assert oslo[1] in (":", 10)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"start": "2025-09-14", "end": "2025-09-01"},
            "The end date must be after the start date.",
        ),
        ({"start": "2019-01-01", "end": "2025-09-01"}, "Choose a period of at most 5 years."),
        ({"rows": "shoe_size"}, "Select a valid choice."),
        ({"measure": "salaries"}, "Select a valid choice."),
        ({"measure": "groups", "rows": "gender"}, "cannot be split or filtered by Gender"),
        ({"area": "999999"}, "Select a valid choice."),
    ],
)
@pytest.mark.parametrize("name", list(MATRIX))
def test_bad_input_is_refused_with_a_message(login, figures, change, message, name):
    before = state()
    response = login("analyst").get(reverse(name), PERIOD | change)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state() == before


def test_a_filter_that_singles_out_a_few_is_refused(login, patrol, area, second_area):
    encounter(patrol, area, MONDAY, 20)
    encounter(patrol, second_area, MONDAY, 3)
    response = login("analyst").get(reverse("reports:statistics"), PERIOD | {"area": area.pk})
    assert response.status_code == 400
    assert "differs by fewer than 5" in response.content.decode()


def test_comparison_on_the_page(login, figures, patrol, area):
    encounter(patrol, area, datetime.date(2024, 9, 3), 25)
    response = login("analyst").get(
        reverse("reports:statistics"),
        PERIOD | {"rows": "area", "bucket": "month", "compare": "year"},
    )
    assert response.status_code == 200
    assert "The same period a year before" in response.content.decode()


@pytest.mark.parametrize("name", list(MATRIX))
def test_query_count_does_not_grow(
    login, patrol, area, second_area, name, django_assert_max_num_queries
):
    client = login("analyst")
    for week in range(10):
        for place in (area, second_area):
            encounter(patrol, place, MONDAY + datetime.timedelta(days=7 * week), 7)
    params = PERIOD | {"end": "2025-11-30", "rows": "area", "compare": "previous"}
    with django_assert_max_num_queries(20):
        assert client.get(reverse(name), params).status_code == 200


def test_a_download_is_logged(login, figures, users):
    login("analyst").get(reverse("reports:statistics_xlsx"), PERIOD | {"rows": "area"})
    event = AuditEvent.objects.get(action="export")
    assert event.actor == users["analyst"]
    assert event.object_type == "statistics"
    assert event.detail["format"] == "xlsx"
    assert event.detail["rows"] == ["area"]
