"""Patrol mode through HTTP: the flow, bad input, and constant query counts."""

import pytest
from django.urls import reverse

from feltbok.fieldwork.models import Encounter, EncounterKind, Patrol
from feltbok.fieldwork.services import EncounterData, record_encounter
from feltbok.people.models import Person


def test_start_patrol_form(login, users, area):
    client = login("worker")
    response = client.post(
        reverse("fieldwork:start"),
        {"colleague": users["colleague"].pk, "shift": "evening", "areas": [area.code]},
    )
    patrol = Patrol.objects.get()
    assert response["Location"] == reverse("fieldwork:patrol", kwargs={"code": patrol.code})


def test_patrol_with_one_member_is_refused_with_a_clear_message(login, area):
    client = login("worker")
    response = client.post(reverse("fieldwork:start"), {"shift": "evening", "areas": [area.code]})

    assert response.status_code == 400
    assert "at least two staff" in response.content.decode()
    assert Patrol.objects.count() == 0


def test_patrol_with_oneself_as_colleague_is_refused(login, users, area):
    client = login("worker")
    response = client.post(
        reverse("fieldwork:start"),
        {"colleague": users["worker"].pk, "shift": "evening", "areas": [area.code]},
    )
    assert response.status_code == 400
    assert Patrol.objects.count() == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"shift": "morning"},
        {"areas": ["00000000-0000-0000-0000-000000000000"]},
        {"colleague": "not-a-number"},
        {"colleague": "\x00\x01"},
    ],
)
def test_bad_start_input_stores_nothing(login, users, area, payload):
    data = {"colleague": users["colleague"].pk, "shift": "day", "areas": [area.code], **payload}
    response = login("worker").post(reverse("fieldwork:start"), data)
    assert response.status_code == 400
    assert Patrol.objects.count() == 0


def test_record_known_person_contact(login, patrol, person, area):
    client = login("worker")
    url = reverse("fieldwork:contact", kwargs={"code": patrol.code, "person_code": person.code})

    page = client.get(url)
    response = client.post(url, {"area": area.code, "topics": ["conversation", "food"]})

    assert page.context["form"]["area"].value() == area.code
    assert response.status_code == 302
    encounter = Encounter.objects.get()
    assert list(encounter.persons.all()) == [person]
    assert encounter.topics == ["conversation", "food"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"note": "x" * 501}, "at most 500 characters"),
        ({"note": "binary\x00data"}, "Null characters are not allowed"),
        ({"topics": ["bribe"]}, "Select a valid choice"),
        ({"area": "00000000-0000-0000-0000-000000000000"}, "Select a valid choice"),
    ],
)
def test_bad_contact_input_is_refused_cleanly(login, patrol, person, area, payload, message):
    url = reverse("fieldwork:contact", kwargs={"code": patrol.code, "person_code": person.code})
    response = login("worker").post(url, {"area": area.code, **payload})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Encounter.objects.count() == 0


def test_contact_with_a_person_of_another_service_is_404(login, patrol, area, actors):
    from feltbok.people.models import AgeBand, AnonymityLevel, Gender
    from feltbok.people.services import PersonData, create_person

    foreign = create_person(
        actors["outsider"],
        PersonData(
            anonymity_level=AnonymityLevel.NICKNAME,
            nickname="Ravnen",
            gender=Gender.MALE,
            age_band=AgeBand.FROM_18,
        ),
    )
    url = reverse("fieldwork:contact", kwargs={"code": patrol.code, "person_code": foreign.code})
    assert login("worker").post(url, {"area": area.code}).status_code == 404
    assert Encounter.objects.count() == 0


def test_new_person_shows_likely_matches_before_creating(login, patrol, person, area):
    client = login("worker")
    url = reverse("fieldwork:new_person", kwargs={"code": patrol.code})
    data = {
        "person-anonymity_level": "nickname",
        "person-nickname": "Ravn",
        "person-gender": "male",
        "person-age_band": "18-22",
        "area": area.code,
    }

    response = client.post(url, data)

    assert response.status_code == 200
    assert list(response.context["matches"]) == [person]
    assert Person.objects.count() == 1

    response = client.post(url, {**data, "confirmed": "1"})

    assert response.status_code == 302
    assert Person.objects.count() == 2
    assert Encounter.objects.get().persons.get().nickname == "Ravn"


def test_new_person_without_matches_is_created_at_once(login, patrol, area):
    response = login("worker").post(
        reverse("fieldwork:new_person", kwargs={"code": patrol.code}),
        {
            "person-anonymity_level": "description",
            "person-description": "Tall, green jacket, by the kiosk",
            "person-gender": "unknown",
            "person-age_band": "unknown",
            "area": area.code,
        },
    )
    assert response.status_code == 302
    assert Person.objects.get().anonymity_level == "description"


def test_new_person_missing_nickname_is_a_clear_message(login, patrol, area):
    response = login("worker").post(
        reverse("fieldwork:new_person", kwargs={"code": patrol.code}),
        {
            "person-anonymity_level": "nickname",
            "person-gender": "male",
            "person-age_band": "18-22",
            "area": area.code,
        },
    )
    assert response.status_code == 400
    assert "needs a nickname" in response.content.decode()
    assert Person.objects.count() == 0
    assert Encounter.objects.count() == 0


def test_tally_records_one_row_per_age_band_and_gender(login, patrol, area):
    client = login("worker")
    url = reverse("fieldwork:tally", kwargs={"code": patrol.code})

    response = client.post(url, {"area": area.code, "n_18-22_male": 3, "n_13-17_female": 2})

    assert response.status_code == 302
    rows = sorted(Encounter.objects.values_list("age_band", "gender", "head_count"))
    assert rows == [("13-17", "female", 2), ("18-22", "male", 3)]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "at least one person counted"),
        ({"n_18-22_male": -1}, "greater than or equal to 0"),
        ({"n_18-22_male": 999}, "less than or equal to 200"),
        ({"n_18-22_male": "\x00"}, "Enter a whole number"),
    ],
)
def test_bad_tally_stores_nothing(login, patrol, area, payload, message):
    url = reverse("fieldwork:tally", kwargs={"code": patrol.code})
    response = login("worker").post(url, {"area": area.code, **payload})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Encounter.objects.count() == 0


def test_visit_observation_incident_and_debrief(login, patrol, area, actors):
    from feltbok.fieldwork.models import AreaVisit, Debrief, EnvironmentObservation, IncidentNote

    client = login("worker")
    code = patrol.code
    observation_url = reverse("fieldwork:observation", kwargs={"code": code})

    # An observation needs to know where the patrol is.
    response = client.post(observation_url, {"people_present": 12})
    assert response.status_code == 400
    assert EnvironmentObservation.objects.count() == 0

    client.post(reverse("fieldwork:arrive", kwargs={"code": code}), {"area": area.code})
    visit = AreaVisit.objects.get()
    response = client.post(
        observation_url,
        {"people_present": 12, "mood": "tense", "substances": ["opioids"], "age_mix": ["18-22"]},
    )
    assert response.status_code == 302
    observation = EnvironmentObservation.objects.get()
    assert (observation.visit, observation.people_present, observation.mood) == (visit, 12, "tense")

    response = client.post(
        reverse("fieldwork:incident", kwargs={"code": code}),
        {"kind": "overdose", "area": area.code, "note": "Naloxone given, ambulance called."},
    )
    assert response.status_code == 302
    assert IncidentNote.objects.get().visit == visit

    response = client.post(reverse("fieldwork:end", kwargs={"code": code}))
    assert response["Location"] == reverse("fieldwork:debrief", kwargs={"code": code})
    visit.refresh_from_db()
    assert visit.left_at is not None

    debrief_url = reverse("fieldwork:debrief", kwargs={"code": code})
    client.post(
        debrief_url,
        {"text": "Quiet evening.", "follow_ups": "Call NAV\n\nFind Ravnen", "version": 0},
    )
    debrief = Debrief.objects.get()
    assert debrief.follow_ups == ["Call NAV", "Find Ravnen"]

    # A second device saving over a newer version is refused, not overwritten.
    response = client.post(debrief_url, {"text": "Old text", "version": 0})
    assert response.status_code == 400
    assert "changed on another device" in response.content.decode()
    debrief.refresh_from_db()
    assert debrief.text == "Quiet evening."


def test_end_patrol_view(login, patrol):
    response = login("worker").post(reverse("fieldwork:end", kwargs={"code": patrol.code}))
    patrol.refresh_from_db()
    assert response.status_code == 302
    assert not patrol.is_active


def test_wrong_method_is_405(login, patrol):
    assert (
        login("worker").get(reverse("fieldwork:end", kwargs={"code": patrol.code})).status_code
        == 405
    )


def _fill_patrol(worker, patrol, area, person, count):
    for _ in range(count):
        record_encounter(
            worker, patrol, EncounterData(kind=EncounterKind.ANONYMOUS, area=area, head_count=2)
        )
        record_encounter(
            worker,
            patrol,
            EncounterData(kind=EncounterKind.INDIVIDUAL, area=area, persons=[person]),
        )


@pytest.mark.parametrize("contacts", [1, 15])
def test_patrol_page_queries_do_not_grow(
    login, worker, patrol, area, person, contacts, django_assert_max_num_queries
):
    _fill_patrol(worker, patrol, area, person, contacts)
    client = login("worker")
    client.get(reverse("fieldwork:patrol", kwargs={"code": patrol.code}))  # warm the session
    # 16: one is the on-call inquiries sent to the patrol (oncall/_patrol_slot.html), one the
    # patrol's partner services (who may see a joint patrol).
    with django_assert_max_num_queries(16):
        response = client.get(reverse("fieldwork:patrol", kwargs={"code": patrol.code}))
    assert len(response.context["encounters"]) == 2 * contacts


@pytest.mark.parametrize("contacts", [1, 15])
def test_person_page_queries_do_not_grow(
    login, worker, patrol, area, person, contacts, django_assert_max_num_queries
):
    _fill_patrol(worker, patrol, area, person, contacts)
    client = login("worker")
    client.get(reverse("fieldwork:patrols"))
    # 21: the person, identity, panels (follow-up, referrals, notifications, incidents), the
    # earlier values kept by corrections, and one query per timeline source (contacts,
    # incidents, follow-up, referrals, notifications).
    with django_assert_max_num_queries(21):
        response = client.get(reverse("people:detail", kwargs={"code": person.code}))
    assert len(response.context["timeline"]) == contacts


def test_known_person_page_queries(
    login, worker, patrol, area, person, django_assert_max_num_queries
):
    _fill_patrol(worker, patrol, area, person, 3)
    client = login("worker")
    client.get(reverse("fieldwork:patrols"))
    with django_assert_max_num_queries(20):
        client.get(reverse("fieldwork:known", kwargs={"code": patrol.code}))
    with django_assert_max_num_queries(20):
        client.get(reverse("fieldwork:known", kwargs={"code": patrol.code}), {"q": "rav"})
