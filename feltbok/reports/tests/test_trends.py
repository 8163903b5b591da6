"""Trend reports per field area: exact figures through the statistics engine (suppression
applied), the observations alongside and who may read their notes, and bad input."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from feltbok.audit.models import AuditEvent
from feltbok.fieldwork.models import (
    AreaVisit,
    EncounterKind,
    EnvironmentObservation,
    IncidentNote,
)
from feltbok.organisation.models import Environment, EnvironmentKind, FieldArea
from feltbok.people.models import AgeBand, Gender
from feltbok.reports import trends
from feltbok.reports.tests.test_statistics import at, encounter, make_persons

SEPTEMBER = datetime.date(2025, 9, 1)
OCTOBER = datetime.date(2025, 10, 1)


def cells(section):
    return {tuple(row.labels): row.cells for row in section.result.table.rows}


def by_key(result):
    return {section.key: section for section in result.sections}


def observe(patrol, area, day, *, environment=None, note="", present=None, **extra):
    visit = AreaVisit.objects.create(
        service=patrol.service, patrol=patrol, area=area, arrived_at=at(day, 20)
    )
    return EnvironmentObservation.objects.create(
        service=patrol.service,
        visit=visit,
        environment=environment,
        observed_at=at(day, 21),
        people_present=present,
        note=note,
        recorded_by=patrol.first_member,
        **extra,
    )


@pytest.fixture
def environment(service, area):
    return Environment.objects.create(
        service=service, name="Elvebredden", kind=EnvironmentKind.OPEN_DRUG_SCENE, area=area
    )


@pytest.fixture
def figures(patrol, area, second_area):
    """Vaterland: 3 in September (a small cell), 20 in October; Oslo S: 30 (the rest)."""
    encounter(patrol, area, SEPTEMBER, 3, age_band=AgeBand.FROM_18, gender=Gender.MALE)
    encounter(
        patrol,
        area,
        OCTOBER,
        12,
        age_band=AgeBand.FROM_26,
        gender=Gender.MALE,
        topics=["food", "substances"],
    )
    encounter(patrol, area, OCTOBER, 8, age_band=AgeBand.FROM_26, gender=Gender.FEMALE)
    encounter(patrol, second_area, SEPTEMBER, 30)


def query(area, **kwargs):
    kwargs.setdefault("start", SEPTEMBER)
    kwargs.setdefault("end", datetime.date(2025, 10, 31))
    return trends.TrendQuery(area=area, **kwargs)


def test_contacts_per_month_with_the_small_cell_hidden(actors, figures, area):
    result = trends.report(actors["analyst"], query(area))
    contacts = by_key(result)["contacts"]
    assert contacts.result.table.columns == ["2025-09", "2025-10"]
    table = contacts.result.table
    # The 3 is hidden; with one row, October must go too (else 23 − 20 gives it away).
    assert table.rows[0].cells == [None, None]
    assert table.rows[0].total == 23
    assert table.column_totals == [None, None]
    assert contacts.chart["series"][0]["values"] == [None, None]


def test_age_gender_and_topic_mix(actors, figures, area):
    sections = by_key(trends.report(actors["team_lead"], query(area)))
    assert cells(sections["age_band"]) == {("18–22",): [None, 0], ("26–35",): [0, None]}
    assert cells(sections["gender"]) == {("Female",): [0, 8], ("Male",): [None, None]}
    assert [row.total for row in sections["gender"].result.table.rows] == [8, 15]
    topics = cells(sections["topic"])
    assert topics[("Food or drink",)] == [0, 12]
    assert topics[("Drugs and alcohol",)] == [0, 12]


def test_distinct_persons_and_incidents(actors, patrol, area, second_area, service):
    people = make_persons(service, 6)
    encounter(
        patrol,
        area,
        OCTOBER,
        kind=EncounterKind.INDIVIDUAL,
        persons=[(p, True) for p in people],
    )
    encounter(
        patrol,
        area,
        OCTOBER + datetime.timedelta(days=3),
        kind=EncounterKind.INDIVIDUAL,
        persons=[(p, False) for p in people],
    )
    for day in range(6):
        IncidentNote.objects.create(
            service=service,
            patrol=patrol,
            area=area,
            occurred_at=at(OCTOBER + datetime.timedelta(days=day)),
            kind="overdose",
            note="Naloxone given",
            recorded_by=patrol.first_member,
        )
    sections = by_key(trends.report(actors["analyst"], query(area)))
    assert cells(sections["persons"]) == {("Distinct persons",): [0, 6]}
    assert cells(sections["incidents"]) == {("Overdose",): [0, 6]}
    assert sections["contacts"].result.table.rows[0].cells == [0, 12]


def test_an_area_that_singles_out_the_rest_is_refused_per_section(
    actors, patrol, area, second_area
):
    encounter(patrol, area, OCTOBER, 20)
    encounter(patrol, second_area, OCTOBER, 2)  # the whole service minus this area is 2
    result = trends.report(actors["analyst"], query(area))
    sections = by_key(result)
    for key in ("contacts", "age_band", "gender", "topic"):
        section = sections[key]
        assert section.result is None
        assert "differs by fewer than 5" in section.error


def test_quarters(actors, figures, area):
    result = trends.report(
        actors["analyst"], query(area, start=datetime.date(2025, 1, 1), bucket="quarter")
    )
    contacts = by_key(result)["contacts"].result.table
    assert contacts.columns == ["2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"]
    assert contacts.rows[0].cells == [0, 0, None, None]
    assert contacts.rows[0].total == 23


def test_observations_newest_first_with_notes_for_team_leads(
    actors, patrol, area, second_area, environment
):
    observe(patrol, area, SEPTEMBER, environment=environment, note="Quiet night", present=12)
    observe(
        patrol,
        area,
        OCTOBER,
        environment=environment,
        note="New faces, younger",
        present=3,
        mood="tense",
        substances=["opioids"],
        age_mix=["18-22"],
    )
    observe(patrol, second_area, OCTOBER, note="Elsewhere")
    observe(patrol, area, datetime.date(2025, 12, 1), note="After the period")
    before = AuditEvent.objects.count()
    lines = trends.report(actors["team_lead"], query(area)).observations
    assert [line.note for line in lines] == ["New faces, younger", "Quiet night"]
    assert lines[0].environment == "Elvebredden"
    assert lines[0].mood == "Tense"
    assert lines[0].substances == ["Heroin or other opioids"]
    assert lines[0].ages == ["18–22"]
    assert lines[0].people_present == 3
    # Reading free text that could name someone is logged.
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert event.object_type == "environment_observations"
    assert event.detail["notes"] == 2


def test_analysts_get_observations_without_notes_and_few_present_blurred(
    actors, patrol, area, environment
):
    observe(patrol, area, OCTOBER, environment=environment, note="Ravnen was there", present=3)
    observe(patrol, area, SEPTEMBER, environment=environment, note="Busy", present=15)
    before = AuditEvent.objects.count()
    result = trends.report(actors["analyst"], query(area))
    assert result.notes_shown is False
    assert [line.note for line in result.observations] == [None, None]
    assert result.observations[0].people_present is None
    assert result.observations[0].few_present is True
    assert result.observations[1].people_present == 15
    assert AuditEvent.objects.count() == before  # nothing read that needs logging


def test_environment_narrows_the_observations(actors, patrol, area, environment, service):
    other = Environment.objects.create(
        service=service, name="Parkeringshuset", kind=EnvironmentKind.YOUTH, area=area
    )
    observe(patrol, area, OCTOBER, environment=environment, note="A")
    observe(patrol, area, OCTOBER, environment=other, note="B")
    lines = trends.report(actors["team_lead"], query(area, environment=other)).observations
    assert [line.note for line in lines] == ["B"]


@pytest.mark.parametrize("persona", ["worker", "peer_worker", "coordinator"])
def test_roles_without_statistics_are_refused(actors, area, persona):
    with pytest.raises(PermissionDenied):
        trends.report(actors[persona], query(area))


def test_bad_input(actors, area, second_area, environment, other_service):
    analyst = actors["analyst"]
    foreign = FieldArea.objects.create(
        service=other_service, name="Nørrebro", valid_from=SEPTEMBER, boundary={}
    )
    cases = [
        (query(foreign), "Choose one of the service's field areas."),
        (query(None), "Choose one of the service's field areas."),
        (query(area, start=OCTOBER, end=SEPTEMBER), "The end date must be after the start date."),
        (query(area, bucket="week"), "Show the trend per month or per quarter."),
        (
            query(second_area, environment=environment),
            "Choose an environment in the chosen field area.",
        ),
    ]
    before = AuditEvent.objects.count()
    for bad, message in cases:
        with pytest.raises(trends.TrendError, match=message):
            trends.report(analyst, bad)
    assert AuditEvent.objects.count() == before


def test_default_period_is_the_last_twelve_months():
    assert trends.default_period(datetime.date(2026, 11, 23)) == (
        datetime.date(2025, 12, 1),
        datetime.date(2026, 11, 23),
    )
    assert trends.default_period(datetime.date(2026, 1, 5)) == (
        datetime.date(2025, 2, 1),
        datetime.date(2026, 1, 5),
    )
