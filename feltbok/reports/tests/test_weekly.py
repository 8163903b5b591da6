"""Contacts per field area and week, with small cells suppressed."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from feltbok.fieldwork.models import Encounter, EncounterKind
from feltbok.reports.disclosure import cell
from feltbok.reports.selectors import weekly_contacts_by_area


def _encounter(patrol, area, when, count, user):
    return Encounter.objects.create(
        service=patrol.service,
        patrol=patrol,
        occurred_at=when,
        local_date=timezone.localtime(when).date(),
        area=area,
        kind=EncounterKind.ANONYMOUS,
        head_count=count,
        contact_count=count,
        recorded_by=user,
    )


@pytest.fixture
def monday():
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday() + 7)  # last week's Monday


def _at(day, hour):
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )


def test_counts_per_area_and_week(actors, patrol, area, second_area, users, monday):
    user = users["worker"]
    _encounter(patrol, area, _at(monday, 12), 3, user)
    _encounter(patrol, area, _at(monday + datetime.timedelta(days=6), 23), 4, user)  # Sunday
    _encounter(patrol, area, _at(monday + datetime.timedelta(days=7), 1), 2, user)  # next week
    _encounter(patrol, second_area, _at(monday, 20), 2, user)

    weeks, rows = weekly_contacts_by_area(
        actors["analyst"], monday, monday + datetime.timedelta(days=13)
    )

    assert [w.monday for w in weeks] == [monday, monday + datetime.timedelta(days=7)]
    by_area = {row.area.name: [c.value for c in row.cells] for row in rows}
    assert by_area == {area.name: [7, 2], second_area.name: [2, 0]}


def test_late_evening_counts_in_the_local_week(actors, patrol, area, users, monday):
    """23:30 on a Sunday in Oslo is 22:30 UTC: it belongs to that Sunday's week."""
    sunday = monday + datetime.timedelta(days=6)
    _encounter(patrol, area, _at(sunday, 23).replace(minute=30), 6, users["worker"])

    _weeks, rows = weekly_contacts_by_area(actors["analyst"], monday, sunday)

    assert [c.value for c in rows[0].cells] == [6]


def test_small_cells_are_shown_as_less_than_five(login, patrol, area, users, monday):
    _encounter(patrol, area, _at(monday, 12), 3, users["worker"])
    _encounter(patrol, area, _at(monday + datetime.timedelta(days=7), 12), 9, users["worker"])

    response = login("analyst").get(
        reverse("reports:weekly"),
        {"start": monday.isoformat(), "end": (monday + datetime.timedelta(days=13)).isoformat()},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert '<td class="num">&lt;5</td>' in page
    assert '<td class="num">9</td>' in page
    assert '<td class="num">3</td>' not in page


@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (12, "12")])
def test_suppression_threshold(value, shown):
    assert str(cell(value)) == shown


def test_workers_do_not_get_statistics(actors, monday):
    with pytest.raises(PermissionDenied):
        weekly_contacts_by_area(actors["worker"], monday, monday)


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-13-45", "end": "2026-01-01"},
        {"start": "2026-05-01", "end": "2026-04-01"},
        {"start": "2020-01-01", "end": "2026-01-01"},
        {"start": "\x00", "end": "x"},
    ],
)
def test_bad_period_is_a_clear_message(login, params):
    response = login("analyst").get(reverse("reports:weekly"), params)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert response.context["rows"] == []


def test_statistics_page_query_count(
    login, patrol, area, users, monday, django_assert_max_num_queries
):
    for day in range(20):
        _encounter(patrol, area, _at(monday - datetime.timedelta(days=day), 12), 5, users["worker"])
    client = login("analyst")
    with django_assert_max_num_queries(12):
        client.get(reverse("reports:weekly"))
