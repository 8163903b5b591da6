"""Incidents and staff safety: what happened, what was done, who was involved and affected."""

import json
import re

import pytest
from django.urls import reverse

from conftest import log_in_as
from feltbok.audit.models import AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.fieldwork.models import IncidentNote, IncidentPerson
from feltbok.fieldwork.services import (
    EncounterData,
    FieldworkError,
    IncidentData,
    record_encounter,
    record_incident,
)
from feltbok.organisation import services as places
from feltbok.people.models import Person
from feltbok.people.services import PersonData, create_person
from feltbok.people.timeline import person_timeline
from feltbok.sync.tests import outbox


@pytest.fixture
def place(actors, area):
    return places.create_place(
        actors["team_lead"],
        places.PlaceData(
            area=area, name="P-hus Vaterland", kind="parking_garage", safety_note="Aldri alene."
        ),
    )


@pytest.fixture
def met(worker, patrol, area, person):
    """The person met earlier on the patrol."""
    record_encounter(worker, patrol, EncounterData(kind="individual", area=area, persons=[person]))
    return person


def overdose(area, **extra):
    return IncidentData(
        kind="overdose",
        area=area,
        note="Fant en mann bevisstløs i trappeoppgangen. Pustet etter nalokson.",
        **extra,
    )


def test_an_overdose_with_actions_persons_and_staff(worker, patrol, area, place, met, users):
    incident = record_incident(
        worker,
        patrol,
        overdose(
            area,
            place=place,
            actions=["naloxone", "first_aid", "ambulance", "naloxone"],
            persons=[met],
            staff_affected=[users["colleague"]],
        ),
    )

    incident.refresh_from_db()
    assert incident.actions == ["ambulance", "first_aid", "naloxone"]
    assert incident.action_labels == ["Ambulance called", "First aid", "Naloxone given"]
    assert list(incident.persons.all()) == [met]
    assert list(incident.staff_affected.all()) == [users["colleague"]]
    assert incident.place == place
    event = AuditEvent.objects.get(object_id=str(incident.code))
    assert event.detail == {
        "kind": "overdose",
        "actions": ["ambulance", "first_aid", "naloxone"],
        "persons": [str(met.code)],
        "staff_affected": 1,
    }
    assert [item.url for item in person_timeline(worker, met) if item.kind == "incident"] == [
        reverse("fieldwork:incident_detail", args=[incident.code])
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"actions": ["exorcism"]}, "Unknown action"),
        ({"staff_affected": "outsider"}, "must be members of this patrol"),
        ({"persons": "foreign"}, "Unknown person"),
        ({"persons": "many"}, "At most 20 persons"),
        ({"place": "elsewhere"}, "not in the chosen field area"),
        ({"note": "   "}, "at most 1000 characters"),
        ({"kind": "picnic"}, "kind of incident"),
    ],
)
def test_bad_incidents_are_refused_and_nothing_is_stored(
    worker, actors, users, patrol, area, second_area, met, change, message
):
    data = overdose(area)
    if "actions" in change:
        data.actions = change["actions"]
    if change.get("staff_affected") == "outsider":
        data.staff_affected = [users["outsider"]]
    if change.get("persons") == "foreign":
        data.persons = [
            create_person(
                actors["outsider"],
                PersonData(anonymity_level="nickname", nickname="Fremmed", gender="male"),
            )
        ]
    if change.get("persons") == "many":
        data.persons = [met] * 21
    if change.get("place") == "elsewhere":
        data.place = places.create_place(
            actors["team_lead"],
            places.PlaceData(area=second_area, name="Annen plass", kind="park"),
        )
    if "note" in change:
        data.note = change["note"]
    if "kind" in change:
        data.kind = change["kind"]
    events = AuditEvent.objects.count()

    with pytest.raises(FieldworkError, match=message):
        record_incident(worker, patrol, data)

    assert IncidentNote.objects.count() == 0
    assert IncidentPerson.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_the_incident_form_links_persons_met_and_staff(login, patrol, area, place, met, users):
    client = login("worker")
    url = reverse("fieldwork:incident", kwargs={"code": patrol.code})
    page = client.get(url).content.decode()
    assert "⚠ P-hus Vaterland: Aldri alene." in page
    assert f'value="{met.code}"' in page
    assert f'value="{users["colleague"].code}"' in page

    response = client.post(
        url,
        {
            "kind": "violence",
            "area": str(area.code),
            "place": str(place.code),
            "actions": ["police", "left"],
            "persons": [str(met.code)],
            "staff_affected": [str(users["worker"].code)],
            "note": "Slag mot en av oss; vi trakk oss unna og ringte politiet.",
        },
    )

    assert response.status_code == 302
    incident = IncidentNote.objects.get()
    assert (incident.kind, incident.actions) == ("violence", ["left", "police"])
    assert list(incident.persons.all()) == [met]
    assert list(incident.staff_affected.all()) == [users["worker"]]


def test_the_incident_form_refuses_a_person_not_met_and_stores_nothing(login, patrol, area, person):
    client = login("worker")
    response = client.post(
        reverse("fieldwork:incident", kwargs={"code": patrol.code}),
        {
            "kind": "threat",
            "area": str(area.code),
            "persons": [str(person.code)],  # not met on this patrol
            "note": "Trusler.",
        },
    )
    assert response.status_code == 400
    assert IncidentNote.objects.count() == 0


def test_sync_records_an_incident_with_persons_actions_and_staff(login, patrol, area, met, users):
    entry = outbox.entry(
        "incident",
        id=outbox.new_id(),
        patrol=str(patrol.code),
        area=str(area.code),
        occurred_at=outbox.now(),
        kind="acute_illness",
        note="Kramper; ambulanse kom etter 12 minutter.",
        actions=["ambulance", "first_aid"],
        persons=[str(met.code)],
        staff_affected=[str(users["colleague"].code)],
    )
    bad_staff = {**entry, "key": outbox.new_id()}
    bad_staff["data"] = {
        **entry["data"],
        "id": outbox.new_id(),
        "staff_affected": [str(users["outsider"].code)],
    }
    response = login("worker").post(
        "/api/sync",
        json.dumps({"entries": [entry, bad_staff]}),
        content_type="application/json",
    )
    results = response.json()["results"]
    assert [result["status"] for result in results] == [201, 400]
    assert "must be members of this patrol" in results[1]["error"]["message"]
    incident = IncidentNote.objects.get()
    assert incident.actions == ["ambulance", "first_aid"]
    assert list(incident.persons.all()) == [met]
    assert list(incident.staff_affected.all()) == [users["colleague"]]


def test_the_patrol_page_shows_safety_flags_of_persons_and_places(
    login, worker, patrol, area, place
):
    from feltbok.fieldwork.services import start_visit

    flagged = create_person(
        worker,
        PersonData(anonymity_level="nickname", nickname="Ulven", gender="male", flags=["safety"]),
    )
    record_encounter(worker, patrol, EncounterData(kind="individual", area=area, persons=[flagged]))
    start_visit(worker, patrol, area=area, place=place)

    page = login("worker").get(reverse("fieldwork:patrol", args=[patrol.code])).content.decode()

    assert "⚠ Staff safety: Aldri alene." in page
    assert page.count("⚠ Staff safety</span>") == 1  # next to Ulven in the contact list


# --- Incident pages ------------------------------------------------------------------------


@pytest.fixture
def incident(worker, patrol, area, met):
    return record_incident(worker, patrol, overdose(area, persons=[met], actions=["naloxone"]))


LINK = re.compile(r'href="/patrols/incidents/[0-9a-f-]{36}/"')
LIST = expect(200, peer_worker=403, coordinator=403, analyst=403, admin=403)
DETAIL = expect(200, peer_worker=403, coordinator=403, analyst=403, admin=403, outsider=404)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ["incidents", "incident_detail"])
def test_permission_matrix(client, users, incident, persona, name):
    log_in_as(client, users, persona)
    kwargs = {"code": incident.code} if name == "incident_detail" else {}
    reads = AuditEvent.objects.filter(action="read").count()

    response = client.get(reverse(f"fieldwork:{name}", kwargs=kwargs))

    row = LIST if name == "incidents" else DETAIL
    assert response.status_code == row[persona]
    allowed_detail = name == "incident_detail" and response.status_code == 200
    assert AuditEvent.objects.filter(action="read").count() == reads + (1 if allowed_detail else 0)
    if persona == "outsider" and name == "incidents":
        assert str(incident.code) not in response.content.decode()
    assert client.post(reverse(f"fieldwork:{name}", kwargs=kwargs)).status_code in (302, 405)


def test_the_detail_page_is_a_read_in_the_audit_log(login, incident, met):
    response = login("team_lead").get(reverse("fieldwork:incident_detail", args=[incident.code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Naloxone given" in page
    assert met.nickname in page
    event = AuditEvent.objects.filter(action="read").latest("seq")
    assert (event.object_type, event.object_id) == ("incidentnote", str(incident.code))
    assert event.detail == {"persons": [str(met.code)]}


def test_the_list_filters_by_kind_and_period(login, worker, patrol, area, incident):
    record_incident(worker, patrol, IncidentData(kind="threat", area=area, note="Trusler."))
    client = login("worker")
    url = reverse("fieldwork:incidents")

    assert len(LINK.findall(client.get(url).content.decode())) == 2
    only_threats = client.get(url, {"kind": "threat"}).content.decode()
    assert len(LINK.findall(only_threats)) == 1
    bad = client.get(url, {"start": "2026-12-01", "end": "2026-01-01"})
    assert bad.status_code == 400
    assert "before the start date" in bad.content.decode()


def test_the_list_costs_the_same_queries_for_many_incidents(
    login, worker, patrol, area, met, django_assert_max_num_queries
):
    client = login("worker")
    url = reverse("fieldwork:incidents")
    for _ in range(2):
        record_incident(worker, patrol, overdose(area, persons=[met]))
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(15):
        record_incident(worker, patrol, overdose(area, persons=[met]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_person_page_lists_the_persons_incidents(login, incident, met):
    page = login("worker").get(reverse("people:detail", args=[met.code])).content.decode()
    assert reverse("fieldwork:incident_detail", args=[incident.code]) in page


def test_incident_persons_are_counted_once(worker, patrol, area, met):
    incident = record_incident(worker, patrol, overdose(area, persons=[met, met]))
    assert IncidentPerson.objects.filter(incident=incident).count() == 1
    assert Person.objects.count() == 1
