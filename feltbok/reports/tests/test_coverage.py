"""The team lead's coverage of a week: areas × shifts, and patrols against the plan."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import SQUARE
from feltbok.fieldwork.models import (
    AreaVisit,
    Encounter,
    EncounterKind,
    Patrol,
    PatrolStatus,
    PlannedPatrol,
    Shift,
)
from feltbok.organisation.models import FieldArea
from feltbok.reports.coverage import CoverageCell, IsoWeek, WeekError, week_coverage

WEEK = IsoWeek(2026, 10)  # Monday 2 March – Sunday 8 March 2026
MONDAY = datetime.date(2026, 3, 2)


def at(day, hour, minute=0):
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def run_patrol(service, users, day, shift, areas, *, hours=4, start=18, ended=True):
    started = at(day, start)
    patrol = Patrol.objects.create(
        service=service,
        date=day,
        shift=shift,
        status=PatrolStatus.ENDED if ended else PatrolStatus.ACTIVE,
        started_at=started,
        ended_at=started + datetime.timedelta(hours=hours) if ended else None,
        first_member=users["worker"],
        second_member=users["colleague"],
    )
    patrol.areas.set(areas)
    return patrol


def contact(patrol, area, count, users):
    return Encounter.objects.create(
        service=patrol.service,
        patrol=patrol,
        occurred_at=patrol.started_at + datetime.timedelta(minutes=30),
        area=area,
        kind=EncounterKind.ANONYMOUS,
        head_count=count,
        contact_count=count,
        recorded_by=users["worker"],
    )


def plan(service, day, shift, count=1):
    for _ in range(count):
        PlannedPatrol.objects.create(
            service=service,
            date=day,
            shift=shift,
            starts_at=at(day, 18),
            ends_at=at(day, 23),
        )


@pytest.fixture
def week_data(service, users, area, second_area):
    """A week: 3 evening, 1 day and 1 night patrol, contacts, plans; noise outside it."""
    tuesday = MONDAY + datetime.timedelta(days=1)
    saturday = MONDAY + datetime.timedelta(days=5)
    sunday = MONDAY + datetime.timedelta(days=6)
    evening_both = run_patrol(service, users, MONDAY, Shift.EVENING, [area, second_area])
    evening_one = run_patrol(service, users, tuesday, Shift.EVENING, [area])
    # Under way on Sunday evening: it still covers the area.
    evening_active = run_patrol(service, users, sunday, Shift.EVENING, [area], ended=False)
    day_patrol = run_patrol(service, users, tuesday, Shift.DAY, [second_area], start=10)
    # A night patrol that started Saturday 22:00 and visited the other area after midnight.
    night = run_patrol(service, users, saturday, Shift.NIGHT, [area], start=22, hours=6)
    AreaVisit.objects.create(
        service=service, patrol=night, area=second_area, arrived_at=at(sunday, 1)
    )
    # A visit to one of the patrol's own areas: the patrol counts once there.
    AreaVisit.objects.create(
        service=service, patrol=evening_one, area=area, arrived_at=at(tuesday, 19)
    )

    contact(evening_both, area, 3, users)
    contact(evening_both, area, 4, users)
    contact(evening_both, second_area, 1, users)
    contact(evening_one, area, 2, users)
    contact(evening_active, area, 5, users)
    contact(day_patrol, second_area, 6, users)
    contact(night, second_area, 2, users)

    plan(service, MONDAY, Shift.EVENING, 4)
    plan(service, tuesday, Shift.DAY, 3)
    plan(service, saturday, Shift.NIGHT, 1)

    # Outside the week, and another service's week: none of it counts.
    before = run_patrol(service, users, MONDAY - datetime.timedelta(days=1), Shift.NIGHT, [area])
    contact(before, area, 9, users)
    plan(service, MONDAY + datetime.timedelta(days=7), Shift.DAY, 2)
    return {"evening_both": evening_both, "night": night}


def grid(coverage):
    return {
        row.area.name: [(cell.patrols, cell.contacts) for cell in row.cells]
        for row in coverage.rows
    }


def test_week_grid_counts_patrols_and_contacts_per_area_and_shift(
    actors, week_data, area, second_area
):
    coverage = week_coverage(actors["team_lead"], WEEK)

    assert [shift for shift, _label in coverage.shifts] == ["day", "evening", "night"]
    # Order: day, evening, night. (patrols, contacts)
    assert grid(coverage) == {
        area.name: [(0, 0), (3, 14), (1, 0)],
        second_area.name: [(1, 6), (1, 1), (1, 2)],
    }
    assert coverage.totals == [
        CoverageCell(patrols=1, contacts=6),
        CoverageCell(patrols=4, contacts=15),
        CoverageCell(patrols=2, contacts=2),
    ]
    assert [(s.shift, s.planned, s.run, s.difference) for s in coverage.summary] == [
        ("day", 3, 1, -2),
        ("evening", 4, 3, -1),
        ("night", 1, 1, 0),
    ]
    assert coverage.uncovered == []


def test_areas_in_force_without_patrols_show_as_not_covered(actors, service, area):
    ended_before = FieldArea.objects.create(
        service=service,
        name="Brugata (old)",
        boundary=SQUARE,
        valid_from=datetime.date(2018, 1, 1),
        valid_to=MONDAY - datetime.timedelta(days=1),
    )
    ended_during = FieldArea.objects.create(
        service=service,
        name="Brugata",
        boundary=SQUARE,
        valid_from=datetime.date(2018, 1, 1),
        valid_to=MONDAY + datetime.timedelta(days=2),
    )
    FieldArea.objects.create(
        service=service,
        name="Later",
        boundary=SQUARE,
        valid_from=MONDAY + datetime.timedelta(days=7),
    )

    coverage = week_coverage(actors["admin"], WEEK)

    assert [row.area.name for row in coverage.rows] == [ended_during.name, area.name]
    assert coverage.uncovered == [ended_during, area]
    assert ended_before not in [row.area for row in coverage.rows]


def test_an_ended_area_with_a_patrol_in_the_week_is_shown(actors, service, users):
    old = FieldArea.objects.create(
        service=service,
        name="Old",
        boundary=SQUARE,
        valid_from=datetime.date(2018, 1, 1),
        valid_to=datetime.date(2019, 1, 1),
    )
    run_patrol(service, users, MONDAY, Shift.DAY, [old], start=10)

    coverage = week_coverage(actors["team_lead"], WEEK)

    assert grid(coverage) == {"Old": [(1, 0), (0, 0), (0, 0)]}


def test_another_services_patrols_do_not_count(actors, week_data, other_service, users, area):
    foreign_area = FieldArea.objects.create(
        service=other_service, name="Nørrebro", boundary=SQUARE, valid_from=MONDAY
    )
    outsider = actors["outsider"]

    coverage = week_coverage(outsider, WEEK)

    assert grid(coverage) == {foreign_area.name: [(0, 0), (0, 0), (0, 0)]}
    assert [(s.planned, s.run) for s in coverage.summary] == [(0, 0), (0, 0), (0, 0)]


@pytest.mark.parametrize("persona", ["worker", "peer_worker", "coordinator", "analyst"])
def test_only_team_leads_and_admins_see_coverage(actors, persona):
    with pytest.raises(PermissionDenied):
        week_coverage(actors[persona], WEEK)


def test_iso_weeks():
    assert IsoWeek.parse(2026, 53).sunday == datetime.date(2027, 1, 3)
    assert IsoWeek(2026, 1).monday == datetime.date(2025, 12, 29)
    assert IsoWeek(2026, 1).previous == IsoWeek(2025, 52)
    assert IsoWeek(2020, 53).next == IsoWeek(2021, 1)
    assert IsoWeek.of(datetime.date(2026, 3, 8)) == WEEK


@pytest.mark.parametrize(
    ("year", "week", "message"),
    [
        (2025, 53, "There is no week 53 in 2025."),
        (2026, 0, "There is no week 0 in 2026."),
        (2026, 60, "There is no week 60 in 2026."),
        (1999, 10, "Choose a year from 2000 to 2100."),
        (99999, 1, "Choose a year from 2000 to 2100."),
    ],
)
def test_weeks_that_do_not_exist(year, week, message):
    with pytest.raises(WeekError, match=message):
        IsoWeek.parse(year, week)


def test_coverage_page(login, week_data, area, users):
    response = login("team_lead").get(
        reverse("reports:coverage_week", kwargs={"year": 2026, "week": 10})
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Coverage in week 10, 2026" in page
    assert area.name in page
    assert (
        '<span class="cell-patrols">3<span class="ds-sr-only"> patrols</span></span>'
        '<span class="cell-contacts">14 contacts</span>'
    ) in page
    assert reverse("reports:coverage_week", kwargs={"year": 2026, "week": 9}) in page
    assert reverse("reports:coverage_week", kwargs={"year": 2026, "week": 11}) in page
    # Aggregates only: no staff or person names.
    assert users["worker"].get_full_name() not in page
    assert users["colleague"].get_full_name() not in page


def test_coverage_of_the_current_week(login, service, users, area):
    today = timezone.localdate()
    run_patrol(service, users, today, Shift.DAY, [area], start=10)
    response = login("admin").get(reverse("reports:coverage"))

    assert response.status_code == 200
    year, week, _day = today.isocalendar()
    assert response.context["coverage"].week == IsoWeek(year, week)
    assert response.context["coverage"].rows[0].cells[0].patrols == 1


def test_a_week_that_does_not_exist_is_a_clear_message(login):
    response = login("team_lead").get(
        reverse("reports:coverage_week", kwargs={"year": 2026, "week": 60})
    )

    assert response.status_code == 400
    assert "There is no week 60 in 2026." in response.content.decode()


def test_coverage_uses_a_constant_number_of_queries(login, service, users, area, second_area):
    client = login("team_lead")
    url = reverse("reports:coverage_week", kwargs={"year": 2026, "week": 10})
    client.get(url)  # the session's first request also checks the second factor

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    run_patrol(service, users, MONDAY, Shift.DAY, [area], start=10)
    small = count()
    for i in range(6):
        extra = FieldArea.objects.create(
            service=service, name=f"Extra {i}", boundary=SQUARE, valid_from=MONDAY
        )
        for shift in Shift.values:
            patrol = run_patrol(service, users, MONDAY + datetime.timedelta(days=i), shift, [extra])
            AreaVisit.objects.create(
                service=service, patrol=patrol, area=area, arrived_at=at(MONDAY, 20)
            )
            contact(patrol, extra, 3, users)
            plan(service, MONDAY + datetime.timedelta(days=i), shift, 2)
    large = count()

    assert small == large
    assert large <= 12
