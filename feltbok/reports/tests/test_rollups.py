"""The roll-ups give exactly what the plain queries give, whoever wrote the encounters."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feltbok.fieldwork.models import (
    Encounter,
    EncounterKind,
    EncounterPerson,
    OutreachMode,
    Patrol,
    Shift,
    Topic,
)
from feltbok.organisation.models import Team
from feltbok.people.models import AgeBand, Gender
from feltbok.reports import rollups
from feltbok.reports.models import ContactRollup, PersonDayRollup, PersonRollup, RollupStaleDay
from feltbok.reports.statistics import Query, StatisticsError, run
from feltbok.reports.tests.test_statistics import MONDAY, at, make_persons

END = MONDAY + datetime.timedelta(days=69)


def queries(area):
    """The measures and splits analysts use, over ten weeks."""
    q = lambda **kw: Query(start=MONDAY, end=END, **kw)  # noqa: E731
    return [
        q(measure="contacts", bucket="month", rows=("area",)),
        q(measure="contacts", rows=("gender", "age_band")),
        q(measure="contacts", rows=("kind",), filters={"topic": Topic.FOOD}),
        q(measure="contacts", bucket="month", rows=("topic",)),
        q(measure="persons", bucket="month", rows=("area",), compare="previous"),
        q(measure="persons", rows=("age_band", "shift")),
        q(measure="persons", rows=("topic",)),
        q(measure="persons", bucket="month", filters={"area": area.pk}),
        q(measure="new_persons", bucket="month", rows=("gender",)),
        q(measure="anonymous", rows=("age_band",)),
        q(measure="groups", bucket="quarter", rows=("outreach_mode", "team")),
    ]


def both_paths(actor, query):
    """(roll-ups, plain): the result, or the refusal's message."""
    out = []
    for use in (True, False):
        with override_settings(FELTBOK_STATISTICS_ROLLUPS=use):
            try:
                out.append(run(actor, query))
            except StatisticsError as error:
                out.append(str(error))
    return out


def assert_same(actor, area):
    for query in queries(area):
        with_rollups, plain = both_paths(actor, query)
        assert with_rollups == plain, query


encounter_rows = st.lists(
    st.tuples(
        st.integers(0, 69),  # day
        st.booleans(),  # second area
        st.sampled_from(EncounterKind.values),
        st.integers(0, 5),  # head count (tallies, groups)
        st.lists(st.integers(0, 7), max_size=3, unique=True),  # persons met
        st.lists(st.sampled_from(Topic.values), max_size=2, unique=True),
        st.sampled_from(OutreachMode.values),
        st.sampled_from([("", ""), (AgeBand.FROM_13, Gender.MALE), (AgeBand.FROM_26, "")]),
    ),
    max_size=25,
)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=encounter_rows)
def test_rollups_equal_the_plain_queries(actors, patrol, area, second_area, service, rows):
    persons = getattr(patrol, "_test_persons", None)
    if persons is None:  # once per test: persons of every age band and gender
        persons = [
            p
            for band in (AgeBand.FROM_13, AgeBand.FROM_26)
            for gender in (Gender.FEMALE, Gender.MALE)
            for p in make_persons(service, 2, gender=gender, band=band)
        ]
        patrol._test_persons = persons
    # The previous example's encounters go first: deletions are maintained too.
    EncounterPerson.objects.all().delete()
    Encounter.objects.all().delete()
    for day, second, kind, head, met, topics, mode, (band, gender) in rows:
        met = [persons[i] for i in met] if kind != EncounterKind.ANONYMOUS else []
        head = max(head, 1) if kind == EncounterKind.ANONYMOUS else head
        if kind == EncounterKind.INDIVIDUAL:
            met, head = met[:1] or persons[:1], 0
        head = head if head + len(met) else 1  # every encounter counts someone
        tally = (band, gender) if head else ("", "")
        encounter = Encounter.objects.create(
            service=service,
            patrol=patrol,
            occurred_at=at(MONDAY + datetime.timedelta(days=day)),
            area=second_area if second else area,
            kind=kind,
            head_count=head,
            contact_count=head + len(met),
            topics=topics,
            outreach_mode=mode,
            age_band=tally[0],
            gender=tally[1],
            recorded_by=patrol.first_member,
        )
        for i, person in enumerate(met):
            EncounterPerson.objects.create(
                service=service, encounter=encounter, person=person, first_contact=i == 0
            )
    assert_same(actors["analyst"], area)


@pytest.fixture
def figures(patrol, area, second_area, service):
    women = make_persons(service, 6)
    men = make_persons(service, 5, gender=Gender.MALE, band=AgeBand.FROM_13)
    for week in range(10):
        day = MONDAY + datetime.timedelta(days=7 * week)
        for place, people in ((area, women), (second_area, men)):
            row = Encounter.objects.create(
                service=service,
                patrol=patrol,
                occurred_at=at(day),
                area=place,
                kind=EncounterKind.GROUP,
                head_count=2,
                contact_count=2 + len(people),
                topics=[Topic.FOOD],
                recorded_by=patrol.first_member,
            )
            EncounterPerson.objects.bulk_create(  # a bulk insert, as seeding and sync write
                EncounterPerson(service=service, encounter=row, person=p, first_contact=week == 0)
                for p in people
            )
    return women, men


def test_an_edited_encounter_moves_in_the_rollups(actors, figures, area, second_area):
    run(actors["analyst"], queries(area)[0])  # roll-ups filled
    moved = Encounter.objects.filter(area=area).first()
    moved.area = second_area
    moved.occurred_at = at(END)
    moved.save()
    assert RollupStaleDay.objects.count() == 2
    assert_same(actors["analyst"], area)


def test_deleted_encounters_and_persons_leave_the_rollups(actors, figures, area):
    run(actors["analyst"], queries(area)[0])
    EncounterPerson.objects.filter(person=figures[0][0]).delete()
    Encounter.objects.filter(
        area=area, occurred_at__lt=at(MONDAY + datetime.timedelta(14))
    ).delete()
    assert_same(actors["analyst"], area)


def test_a_persons_age_band_and_a_patrols_team_count_as_changed(
    actors, figures, area, patrol, service
):
    run(actors["analyst"], queries(area)[0])
    woman = figures[0][0]
    woman.age_band = AgeBand.FROM_18
    woman.save()
    stale_after_person = RollupStaleDay.objects.count()
    assert stale_after_person == 10  # each week she was met
    run(actors["analyst"], queries(area)[0])
    Patrol.objects.filter(pk=patrol.pk).update(
        team=Team.objects.create(service=service, name="Natt"), shift=Shift.NIGHT
    )
    assert RollupStaleDay.objects.count() == 10  # the ten days the patrol met people
    assert_same(actors["analyst"], area)


def test_reading_fresh_rollups_costs_one_query(actors, figures, area):
    run(actors["analyst"], queries(area)[0])
    with CaptureQueriesContext(connection) as captured:
        assert rollups.refresh(figures[0][0].service_id) == 0
    assert len(captured) == 1


def test_other_services_rows_stay_apart(actors, figures, area):
    run(actors["analyst"], queries(area)[0])
    assert run(actors["outsider"], Query(start=MONDAY, end=END)).table.grand_total == 0
    assert not ContactRollup.objects.exclude(service_id=area.service_id).exists()


def test_rebuild_rollups_recomputes_everything(actors, figures, area, service):
    run(actors["analyst"], queries(area)[0])
    expected = {m: m.objects.count() for m in (ContactRollup, PersonRollup, PersonDayRollup)}
    for model in expected:
        model.objects.all().delete()  # lost, e.g. by a partial restore
    out = io.StringIO()
    call_command("rebuild_rollups", stdout=out)
    assert f"{service.name}: 10 day(s) recomputed" in out.getvalue()
    assert {m: m.objects.count() for m in expected} == expected
    assert_same(actors["analyst"], area)


def test_rebuild_rollups_refuses_an_unknown_service(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No service with that id"):
        call_command("rebuild_rollups", service=999_999)
    assert not RollupStaleDay.objects.exists()
