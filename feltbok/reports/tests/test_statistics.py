"""The statistics engine: measures, dimensions, buckets, comparison and disclosure control."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from feltbok.fieldwork.models import (
    Encounter,
    EncounterKind,
    EncounterPerson,
    OutreachMode,
    Patrol,
    PlannedPatrol,
    Shift,
)
from feltbok.people.models import AgeBand, Gender, Person
from feltbok.reports.statistics import Query, StatisticsError, run

MONDAY = datetime.date(2025, 9, 1)  # ISO week 36


def at(day, hour=12):
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )


def encounter(patrol, area, day, count=1, *, kind=EncounterKind.ANONYMOUS, persons=(), **extra):
    head = count if kind != EncounterKind.INDIVIDUAL else 0
    row = Encounter.objects.create(
        service=patrol.service,
        patrol=patrol,
        occurred_at=at(day),
        area=area,
        kind=kind,
        head_count=head,
        contact_count=head + len(persons),
        recorded_by=patrol.first_member,
        **extra,
    )
    for person, first in persons:
        EncounterPerson.objects.create(
            service=patrol.service, encounter=row, person=person, first_contact=first
        )
    return row


def make_persons(service, n, gender=Gender.FEMALE, band=AgeBand.FROM_26):
    creator = service.memberships.first().user
    return [
        Person.objects.create(
            service=service,
            anonymity_level="description",
            description="Grønn jakke",
            gender=gender,
            age_band=band,
            created_by=creator,
        )
        for _i in range(n)
    ]


def table_dict(result):
    return {tuple(row.labels): row.cells for row in result.table.rows}


def query(**kwargs):
    kwargs.setdefault("start", MONDAY)
    kwargs.setdefault("end", MONDAY + datetime.timedelta(days=13))
    return Query(**kwargs)


def test_contacts_per_area_and_week(actors, patrol, area, second_area):
    encounter(patrol, area, MONDAY, 7)
    encounter(patrol, area, MONDAY + datetime.timedelta(days=6), 8)  # Sunday, same week
    encounter(patrol, area, MONDAY + datetime.timedelta(days=7), 20)
    encounter(patrol, second_area, MONDAY, 10)
    encounter(patrol, second_area, MONDAY + datetime.timedelta(days=8), 30)

    result = run(actors["analyst"], query(rows=("area",)))

    assert result.table.columns == ["2025-W36", "2025-W37"]
    assert table_dict(result) == {(area.name,): [15, 20], (second_area.name,): [10, 30]}
    assert [row.total for row in result.table.rows] == [40, 35]  # Oslo S before Vaterland
    assert result.table.column_totals == [25, 50]
    assert result.table.grand_total == 75


def test_period_is_widened_to_whole_buckets(actors, patrol, area):
    encounter(patrol, area, MONDAY, 9)  # before the Wednesday the user asked from
    result = run(actors["analyst"], query(start=MONDAY + datetime.timedelta(days=2)))
    assert result.table.start == MONDAY
    assert result.table.grand_total == 9


def test_small_cells_and_their_complements_are_hidden(actors, patrol, area, second_area):
    encounter(patrol, area, MONDAY, 2)  # small
    encounter(patrol, area, MONDAY + datetime.timedelta(days=7), 20)
    encounter(patrol, second_area, MONDAY, 10)
    encounter(patrol, second_area, MONDAY + datetime.timedelta(days=7), 30)

    result = run(actors["analyst"], query(rows=("area",)))

    cells = table_dict(result)
    assert cells[(area.name,)][0] is None
    # The 2 cannot be worked out from the totals: another cell in its row and column is hidden.
    assert cells[(area.name,)][1] is None
    assert cells[(second_area.name,)][0] is None
    assert result.table.has_hidden


def test_distinct_and_new_persons(actors, patrol, area, service):
    women = make_persons(service, 6)
    encounter(
        patrol, area, MONDAY, kind=EncounterKind.INDIVIDUAL, persons=[(p, True) for p in women]
    )
    # The same six again next week: still six distinct, no new ones.
    encounter(
        patrol,
        area,
        MONDAY + datetime.timedelta(days=7),
        kind=EncounterKind.INDIVIDUAL,
        persons=[(p, False) for p in women],
    )
    persons = run(actors["analyst"], query(measure="persons"))
    assert persons.table.rows[0].cells == [6, 6]
    assert persons.table.rows[0].total == 6
    new = run(actors["analyst"], query(measure="new_persons"))
    assert new.table.rows[0].cells == [6, 0]
    assert new.table.grand_total == 6


def test_contacts_by_gender_count_persons_and_anonymous_tallies(actors, patrol, area, service):
    women = make_persons(service, 5)
    encounter(
        patrol, area, MONDAY, kind=EncounterKind.INDIVIDUAL, persons=[(p, True) for p in women]
    )
    encounter(patrol, area, MONDAY, 6, gender=Gender.FEMALE, age_band=AgeBand.FROM_18)
    encounter(patrol, area, MONDAY, 9, gender=Gender.MALE, age_band=AgeBand.FROM_18)
    result = run(actors["analyst"], query(rows=("gender",), bucket="month"))
    assert table_dict(result) == {("Female",): [11], ("Male",): [9]}


def test_topics_and_two_dimensions(actors, patrol, area, second_area):
    encounter(patrol, area, MONDAY, 6, topics=["food", "health"])
    encounter(patrol, second_area, MONDAY, 7, topics=["food"], outreach_mode=OutreachMode.TARGETED)
    by_topic = run(actors["analyst"], query(rows=("topic",), bucket="month"))
    assert table_dict(by_topic) == {("Food or drink",): [13], ("Health",): [6]}
    two = run(actors["analyst"], query(rows=("area", "outreach_mode"), bucket="month"))
    assert table_dict(two) == {
        (area.name, "Open outreach"): [6],
        (second_area.name, "Targeted outreach"): [7],
    }
    filtered = run(
        actors["analyst"], query(rows=("area",), bucket="month", filters={"topic": "health"})
    )
    assert table_dict(filtered) == {(area.name,): [6]}


def test_comparison_with_the_year_before(actors, patrol, area):
    encounter(patrol, area, MONDAY, 12)
    encounter(patrol, area, datetime.date(2024, 9, 3), 8)  # a year before, same period
    result = run(actors["analyst"], query(rows=("area",), bucket="month", compare="year"))
    assert result.comparison.start == datetime.date(2024, 9, 1)
    assert result.comparison.lines == [([area.name], 12, 8)]
    assert (result.comparison.this_total, result.comparison.other_total) == (12, 8)


def test_comparison_with_the_previous_period(actors, patrol, area):
    encounter(patrol, area, MONDAY, 12)
    encounter(patrol, area, MONDAY - datetime.timedelta(days=10), 9)
    result = run(actors["analyst"], query(compare="previous"))
    assert result.comparison.end == MONDAY - datetime.timedelta(days=1)
    assert result.comparison.other_total == 9


def test_a_filter_that_differs_by_a_few_is_refused(actors, patrol, area, second_area):
    encounter(patrol, area, MONDAY, 20)
    encounter(patrol, second_area, MONDAY, 2)  # all contacts minus this area's = 2
    with pytest.raises(StatisticsError, match="differs by fewer than 5"):
        run(actors["analyst"], query(filters={"area": area.pk}))
    encounter(patrol, second_area, MONDAY, 10)
    assert run(actors["analyst"], query(filters={"area": area.pk})).table.grand_total == 20


def test_incidents_patrols_and_plan(actors, patrol, area, service, users):
    from feltbok.fieldwork.models import IncidentKind, IncidentNote

    day = timezone.localdate()
    for _i in range(5):
        IncidentNote.objects.create(
            service=service,
            patrol=patrol,
            area=area,
            occurred_at=timezone.now(),
            kind=IncidentKind.OVERDOSE,
            note="-",
            recorded_by=users["worker"],
        )
    result = run(actors["analyst"], Query(start=day, end=day, measure="incidents"))
    assert table_dict(result) == {("Overdose",): [5]}
    for _i in range(4):
        Patrol.objects.create(
            service=service,
            date=day,
            shift=Shift.EVENING,
            started_at=timezone.now(),
            first_member=users["worker"],
            second_member=users["colleague"],
        )
    run_result = run(actors["analyst"], Query(start=day, end=day, measure="patrols"))
    assert table_dict(run_result) == {("Evening",): [5]}  # the fixture's patrol too
    planned = run(actors["analyst"], Query(start=day, end=day, measure="planned_patrols"))
    assert planned.table.rows == []
    assert PlannedPatrol.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": MONDAY, "end": MONDAY - datetime.timedelta(days=1)}, "end date"),
        ({"start": datetime.date(2018, 1, 1), "end": MONDAY}, "at most 5 years"),
        ({"rows": ("shoe_size",)}, "Unknown dimension"),
        ({"measure": "groups", "rows": ("gender",)}, "cannot be split"),
        ({"measure": "salaries"}, "Unknown measure"),
        ({"rows": ("area", "team", "shift")}, "at most two"),
    ],
)
def test_bad_queries(actors, kwargs, message):
    with pytest.raises(StatisticsError, match=message):
        run(actors["analyst"], query(**kwargs))


def test_workers_may_not(actors):
    with pytest.raises(PermissionDenied):
        run(actors["worker"], query())


def test_other_services_figures_are_not_counted(actors, patrol, area):
    encounter(patrol, area, MONDAY, 30)
    assert run(actors["outsider"], query()).table.grand_total == 0


@pytest.mark.parametrize("measure", ["contacts", "persons", "new_persons", "incidents"])
def test_queries_do_not_grow_with_the_data(
    actors, patrol, area, second_area, service, measure, django_assert_max_num_queries
):
    women = make_persons(service, 3)
    for week in range(8):
        day = MONDAY + datetime.timedelta(days=7 * week)
        for place in (area, second_area):
            encounter(patrol, place, day, 6, topics=["food"])
            encounter(
                patrol,
                place,
                day,
                kind=EncounterKind.INDIVIDUAL,
                persons=[(w, False) for w in women],
            )
    q = query(end=MONDAY + datetime.timedelta(days=60), measure=measure, compare="previous")
    if measure != "incidents":
        q.rows = ("area",)
    with django_assert_max_num_queries(12):
        run(actors["analyst"], q)


def test_the_service_can_raise_its_threshold(actors, patrol, area, service):
    from feltbok.reports.models import StatisticsSettings

    encounter(patrol, area, MONDAY, 7)
    assert run(actors["analyst"], query()).table.grand_total == 7
    StatisticsSettings.objects.create(service=service, suppression_threshold=10)
    result = run(actors["analyst"], query())
    assert result.table.threshold == 10
    assert result.table.grand_total is None


def test_field_and_follow_up_hours(actors, service, users, team):
    from feltbok.fieldwork.models import FollowUpTime, PatrolStatus

    began = at(MONDAY, 18)
    ended = Patrol.objects.create(
        service=service,
        team=team,
        date=MONDAY,
        shift=Shift.EVENING,
        status=PatrolStatus.ENDED,
        started_at=began,
        ended_at=began + datetime.timedelta(hours=3),
        first_member=users["worker"],
        second_member=users["colleague"],
    )
    ended.other_members.add(users["peer_worker"])
    FollowUpTime.objects.create(service=service, user=users["worker"], date=MONDAY, minutes=120)
    result = run(actors["analyst"], query(measure="hours", bucket="month"))
    # Three people for three hours; small figures are shown: hours count no clients.
    assert table_dict(result) == {("Field hours",): [9], ("Follow-up hours",): [2]}
    assert result.table.grand_total == 11
    with pytest.raises(StatisticsError):
        run(actors["analyst"], query(measure="hours", filters={"gender": "female"}))
