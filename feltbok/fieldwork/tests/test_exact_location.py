"""Exact positions of contacts: stored only where the service has turned them on."""

import json
from decimal import Decimal

import pytest

from feltbok.fieldwork.models import Encounter
from feltbok.fieldwork.services import EncounterData, FieldworkError, record_encounter
from feltbok.organisation.models import Service
from feltbok.sync.tests import outbox

OSLO_S = (59.9110987, 10.7528123)


def turn_on(service):
    Service.objects.filter(pk=service.pk).update(exact_location_enabled=True)


def test_off_by_default_a_position_is_refused_and_nothing_stored(patrol, worker, area):
    with pytest.raises(FieldworkError, match="does not store exact locations"):
        record_encounter(
            worker,
            patrol,
            EncounterData(kind="anonymous", area=area, head_count=1, position=OSLO_S),
        )
    assert Encounter.objects.count() == 0


def test_turned_on_the_position_is_stored_to_about_a_metre(patrol, users, area, service):
    from feltbok.core.access import actor_for_user

    turn_on(service)
    worker = actor_for_user(users["worker"])
    encounter = record_encounter(
        worker, patrol, EncounterData(kind="anonymous", area=area, head_count=1, position=OSLO_S)
    )
    encounter.refresh_from_db()
    assert (encounter.latitude, encounter.longitude) == (Decimal("59.91110"), Decimal("10.75281"))


def test_without_a_position_nothing_is_stored_even_when_turned_on(patrol, users, area, service):
    from feltbok.core.access import actor_for_user

    turn_on(service)
    encounter = record_encounter(
        actor_for_user(users["worker"]),
        patrol,
        EncounterData(kind="anonymous", area=area, head_count=1),
    )
    assert (encounter.latitude, encounter.longitude) == (None, None)


@pytest.mark.parametrize("position", [(91.0, 10.0), (59.9, -180.5)])
def test_a_position_off_the_earth_is_refused(patrol, users, area, service, position):
    from feltbok.core.access import actor_for_user

    turn_on(service)
    with pytest.raises(FieldworkError, match="not a place on earth"):
        record_encounter(
            actor_for_user(users["worker"]),
            patrol,
            EncounterData(kind="anonymous", area=area, head_count=1, position=position),
        )
    assert Encounter.objects.count() == 0


def sync(client, entries):
    response = client.post(
        "/api/sync", json.dumps({"entries": entries}), content_type="application/json"
    )
    assert response.status_code == 200
    return response.json()["results"]


def test_sync_stores_the_phones_position_where_turned_on(login, patrol, area, service, person):
    turn_on(service)
    entry = outbox.known_encounter(
        patrol, area, person.code, position={"lat": 59.9111, "lon": 10.75}
    )
    [result] = sync(login("worker"), [entry])
    assert result["status"] == 201
    encounter = Encounter.objects.get()
    assert (encounter.latitude, encounter.longitude) == (Decimal("59.91110"), Decimal("10.75000"))


def test_sync_takes_whole_degrees(login, patrol, area, service, person):
    turn_on(service)
    entry = outbox.known_encounter(patrol, area, person.code, position={"lat": 60, "lon": 11})
    [result] = sync(login("worker"), [entry])
    assert result["status"] == 201
    assert Encounter.objects.get().latitude == Decimal("60.00000")


def test_sync_refuses_a_position_where_turned_off(login, patrol, area, person):
    entry = outbox.known_encounter(
        patrol, area, person.code, position={"lat": 59.9111, "lon": 10.75}
    )
    [result] = sync(login("worker"), [entry])
    assert result["status"] == 400
    assert "does not store exact locations" in result["error"]["message"]
    assert Encounter.objects.count() == 0


@pytest.mark.parametrize(
    "position", [{"lat": 95, "lon": 10}, {"lat": "59.9", "lon": 10}, {"lat": 59.9}, [59.9, 10.7]]
)
def test_sync_refuses_a_malformed_position(login, patrol, area, service, person, position):
    turn_on(service)
    entry = outbox.known_encounter(patrol, area, person.code, position=position)
    [result] = sync(login("worker"), [entry])
    assert result["status"] == 422
    assert result["error"]["code"] == "malformed"
    assert Encounter.objects.count() == 0


def test_the_page_tells_the_phone_only_where_turned_on(login, service):
    client = login("worker")
    assert b"data-exact-location" not in client.get("/patrols/").content
    turn_on(service)
    assert b"data-exact-location" in client.get("/patrols/").content
