"""The demo seed keeps the rules real data must keep, and the seeds' weekly pattern."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from feltbok.accounts.models import Membership, User
from feltbok.core import demo
from feltbok.fieldwork.models import Encounter, EncounterKind, EncounterPerson, Patrol, Shift
from feltbok.organisation.models import Service
from feltbok.people.models import AnonymityLevel, Person

WEEKS = 2


@pytest.fixture
def seeded(db):
    call_command("seed_demo", weeks=WEEKS, stdout=StringIO())
    return Service.objects.get(name=demo.DEMO_SERVICE)


def _full_weeks(today):
    """ISO weeks (Mondays) wholly inside the seeded period and over by today."""
    first_day = today - datetime.timedelta(days=WEEKS * 7 - 1)
    monday = first_day + datetime.timedelta(days=-first_day.weekday() % 7)
    mondays = []
    while monday + datetime.timedelta(days=6) < today:
        mondays.append(monday)
        monday += datetime.timedelta(days=7)
    return mondays


def test_services_users_and_logins_exist(seeded):
    assert seeded.country == "NO"
    assert seeded.youth_age_limit == 25
    assert Service.objects.get(name=demo.DEMO_SERVICE_DK).country == "DK"
    for email, _role in demo.DEMO_LOGINS:
        user = User.objects.get(email=email)
        assert user.is_demo
        assert user.check_password(demo.DEMO_PASSWORD)
    assert not User.objects.filter(is_demo=False).exists()


def test_every_patrol_has_two_distinct_members_of_its_service(seeded):
    patrols = Patrol.objects.prefetch_related("other_members", "areas")
    assert patrols.exists()
    assert not patrols.filter(first_member=F("second_member")).exists()
    assert not patrols.filter(Q(status="active") | Q(ended_at__gt=timezone.now())).exists()
    staff = set(Membership.objects.values_list("service_id", "user_id"))
    for patrol in patrols:
        assert all((patrol.service_id, user_id) in staff for user_id in patrol.member_ids())
        assert patrol.areas.all()
        for area in patrol.areas.all():
            assert area.service_id == patrol.service_id
            assert area.valid_from <= patrol.date
            assert area.valid_to is None or area.valid_to >= patrol.date


def test_about_35_patrols_a_week(seeded):
    mondays = _full_weeks(timezone.localdate())
    assert mondays
    for monday in mondays:
        week = Patrol.objects.filter(
            service=seeded, date__range=(monday, monday + datetime.timedelta(days=6))
        )
        assert 30 <= week.count() <= 40, (monday, week.count())


def test_night_patrols_only_on_friday_and_saturday_nights(seeded):
    nights = Patrol.objects.filter(service=seeded, shift=Shift.NIGHT)
    assert nights.exists()
    for patrol in nights:
        assert patrol.date.weekday() in (4, 5)  # Friday and Saturday (the night after)
        start, end = timezone.localtime(patrol.started_at), timezone.localtime(patrol.ended_at)
        assert start.hour >= 22
        assert end.date() == patrol.date + datetime.timedelta(days=1)
        assert end.hour <= 4


def test_contact_counts_add_up(seeded):
    encounters = Encounter.objects.annotate(persons_met=Count("encounterperson"))
    assert encounters.exists()
    assert not encounters.exclude(contact_count=F("persons_met") + F("head_count")).exists()
    assert not encounters.filter(kind=EncounterKind.INDIVIDUAL).exclude(head_count=0).exists()
    assert not encounters.filter(kind=EncounterKind.INDIVIDUAL).exclude(persons_met=1).exists()
    assert not encounters.filter(kind=EncounterKind.ANONYMOUS).exclude(persons_met=0).exists()
    # An encounter's area is one of its patrol's areas, in the same service.
    for encounter in Encounter.objects.select_related("patrol")[:200]:
        assert encounter.area_id in {area.pk for area in encounter.patrol.areas.all()}
        assert encounter.patrol.started_at <= encounter.occurred_at <= encounter.patrol.ended_at


def test_persons_first_and_last_contact(seeded):
    persons = Person.objects.all()
    assert persons.exists()
    assert not persons.filter(Q(first_contact_at__isnull=True) | Q(last_contact_at__isnull=True))
    assert not persons.filter(first_contact_at__gt=F("last_contact_at")).exists()
    # Exactly one first contact per person, at the person's first contact time.
    firsts = EncounterPerson.objects.filter(first_contact=True).select_related(
        "encounter", "person"
    )
    assert firsts.count() == persons.count()
    for link in firsts:
        assert link.encounter.occurred_at == link.person.first_contact_at
        assert link.encounter.service_id == link.person.service_id


def test_identified_persons_decrypt(seeded):
    identified = Person.objects.filter(anonymity_level=AnonymityLevel.IDENTIFIED)
    assert identified.exists()
    for person in identified:
        assert person.decrypt_field("full_name")
        assert person.full_name_bidx
        assert person.birth_year
    others = Person.objects.exclude(anonymity_level=AnonymityLevel.IDENTIFIED)
    assert not others.exclude(full_name_enc="").exists()


def test_if_empty_creates_nothing_the_second_time(seeded):
    models = (Service, User, Patrol, Encounter, EncounterPerson, Person)
    before = [model.objects.count() for model in models]
    out = StringIO()
    call_command("seed_demo", weeks=WEEKS, if_empty=True, stdout=out)
    assert [model.objects.count() for model in models] == before
    assert "nothing seeded" in out.getvalue()


def test_scale_gives_exactly_that_many_encounters(db):
    call_command("seed_demo", scale=300, stdout=StringIO())
    assert Encounter.objects.count() == 300


def test_demo_logins_lists_the_accounts():
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "arbeider@uteseksjonen.demo" in text
    assert demo.DEMO_PASSWORD in text
    assert demo.DEMO_URL in text
    assert "FELTBOK_DEMO=1" in text


def test_places_environments_and_shift_templates(seeded):
    from feltbok.fieldwork.models import ShiftTemplate
    from feltbok.organisation.models import Environment, Place

    service = Service.objects.get(name="Uteseksjonen (demo)")
    places = Place.objects.filter(service=service)
    assert places.count() == 8
    assert all(place.area.service_id == service.pk for place in places)
    assert Environment.objects.filter(service=service).count() == 3
    weekly = sum(
        ShiftTemplate.objects.filter(service=service).values_list("patrol_count", flat=True)
    )
    assert weekly == 35


def test_incidents_on_recent_patrols_and_safety_notes_on_places(seeded):
    from feltbok.fieldwork.models import IncidentAction, IncidentNote
    from feltbok.organisation.models import Place

    service = Service.objects.get(name="Uteseksjonen (demo)")
    incidents = IncidentNote.objects.filter(service=service).select_related("patrol", "area")
    assert incidents.count() >= 3
    for incident in incidents:
        assert incident.patrol.service_id == service.pk
        assert incident.patrol.started_at <= incident.occurred_at <= incident.patrol.ended_at
        assert incident.area in incident.patrol.areas.all()
        assert set(incident.actions) <= set(IncidentAction.values)
        assert all(person.service_id == service.pk for person in incident.persons.all())
    assert incidents.filter(persons__isnull=False).exists()
    flagged = Place.objects.filter(service=service).exclude(safety_note="")
    assert sorted(flagged.values_list("name", flat=True)) == [
        "Parkeringshus Storgata",
        "Parkeringshus Vaterland",
    ]
