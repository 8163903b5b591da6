"""POST /api/sync and GET /api/lookup: the contract in docs/sync-protocol.md, entry by entry."""

import datetime
import json

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feltbok.audit.models import AuditEvent
from feltbok.fieldwork.models import (
    AreaVisit,
    Debrief,
    Encounter,
    EncounterPerson,
    EnvironmentObservation,
    IncidentNote,
    PatrolStatus,
    Shift,
)
from feltbok.fieldwork.services import (
    EncounterData,
    record_encounter,
    record_tally,
    start_patrol,
)
from feltbok.organisation.models import Environment, FieldArea, Place
from feltbok.people.models import Person
from feltbok.people.services import PersonData, create_person
from feltbok.sync import services
from feltbok.sync.models import SyncReceipt
from feltbok.sync.tests import outbox
from feltbok.sync.tests.outbox import (
    new_id,
    post,
    send,
    snapshot,
    statuses,
)

# --- Every entry type, applied once ------------------------------------------------------


def test_visit_start_and_end(login, patrol, area):
    client = login("worker")
    start = outbox.visit_start(patrol, area)
    visit_id = start["data"]["id"]

    [started] = send(client, [start])

    assert started == {
        "key": start["key"],
        "status": 201,
        "result": {"id": visit_id, "version": 1},
    }
    visit = AreaVisit.objects.get(code=visit_id)
    assert (visit.patrol, visit.area, visit.left_at) == (patrol, area, None)
    assert visit.arrived_at == datetime.datetime.fromisoformat(start["data"]["arrived_at"])

    end = outbox.visit_end(visit_id, version=1)
    [ended] = send(client, [end])

    assert ended == {"key": end["key"], "status": 200, "result": {"id": visit_id, "version": 2}}
    visit.refresh_from_db()
    assert visit.left_at == datetime.datetime.fromisoformat(end["data"]["left_at"])
    assert SyncReceipt.objects.filter(key__in=[start["key"], end["key"]]).count() == 2


def test_visit_at_a_place(login, patrol, area, service):
    place = Place.objects.create(service=service, area=area, name="Vaterland p-hus", kind="other")
    start = outbox.visit_start(patrol, area, place=str(place.code))

    [result] = send(login("worker"), [start])

    assert result["status"] == 201
    assert AreaVisit.objects.get(code=start["data"]["id"]).place == place


def test_observation(login, patrol, area, service):
    environment = Environment.objects.create(service=service, area=area, name="Plata", kind="other")
    client = login("worker")
    start = outbox.visit_start(patrol, area)
    observed = outbox.observation(start["data"]["id"], environment=str(environment.code))

    results = send(client, [start, observed])

    assert results[1] == {
        "key": observed["key"],
        "status": 201,
        "result": {"id": observed["data"]["id"], "version": 1},
    }
    row = EnvironmentObservation.objects.get(code=observed["data"]["id"])
    assert str(row.visit.code) == start["data"]["id"]
    assert row.environment == environment
    assert (row.people_present, row.age_mix, row.mood) == (12, ["18-22", "23-25"], "calm")
    assert (row.substances, row.note) == (["alcohol"], "Rolig kveld.")


def test_encounter_with_a_new_person_uses_the_phones_ids(login, patrol, area):
    person_id = new_id()
    sent = outbox.new_person_encounter(patrol, area, person_id=person_id)

    [result] = send(login("worker"), [sent])

    assert result == {
        "key": sent["key"],
        "status": 201,
        "result": {"id": sent["data"]["id"], "version": 1, "person": person_id},
    }
    encounter = Encounter.objects.get(code=sent["data"]["id"])
    person = Person.objects.get(code=person_id)
    assert (person.nickname, person.gender, person.age_band) == ("Måken", "female", "23-25")
    assert EncounterPerson.objects.get(encounter=encounter).person == person
    assert EncounterPerson.objects.get(encounter=encounter).first_contact
    assert encounter.topics == ["conversation"]
    assert encounter.occurred_at == datetime.datetime.fromisoformat(sent["data"]["occurred_at"])
    # Creating the person and the contact were both audited, under the phone's ids.
    assert AuditEvent.objects.filter(object_type="person", object_id=person_id).count() == 1
    assert AuditEvent.objects.filter(object_id=sent["data"]["id"], action="create").count() == 1


def test_encounter_with_a_known_person(login, patrol, area, person):
    sent = outbox.known_encounter(patrol, area, person.code, outreach_mode="targeted")

    [result] = send(login("worker"), [sent])

    assert result["status"] == 201
    encounter = Encounter.objects.get(code=sent["data"]["id"])
    assert list(encounter.persons.all()) == [person]
    assert (encounter.note, encounter.outreach_mode) == ("Delte ut mat.", "targeted")
    assert encounter.topics == ["conversation", "food"]
    person.refresh_from_db()
    assert person.last_contact_at == encounter.occurred_at


def test_group_and_anonymous_encounters(login, patrol, area, person):
    group = outbox.known_encounter(patrol, area, person.code, kind="group", head_count=3)
    anonymous = outbox.known_encounter(
        patrol, area, person.code, kind="anonymous", persons=[], head_count=4
    )

    assert statuses(send(login("worker"), [group, anonymous])) == [201, 201]
    assert Encounter.objects.get(code=group["data"]["id"]).contact_count == 4
    assert Encounter.objects.get(code=anonymous["data"]["id"]).contact_count == 4


def test_tally(login, patrol, area):
    sent = outbox.tally(
        patrol,
        area,
        counts=[
            ("18-22", "male", 2),
            ("13-17", "female", 1),
            ("18-22", "male", 1),
            ("26-35", "other", 0),
        ],
    )

    [result] = send(login("worker"), [sent])

    assert result["status"] == 201
    rows = Encounter.objects.filter(patrol=patrol).order_by("age_band")
    assert [(e.age_band, e.gender, e.head_count) for e in rows] == [
        ("13-17", "female", 1),
        ("18-22", "male", 3),
    ]
    assert sorted(result["result"]["ids"]) == sorted(str(e.code) for e in rows)
    assert result["result"]["id"] in result["result"]["ids"]
    assert result["result"]["version"] == 1


def test_encounter_update(login, patrol, area, person):
    client = login("worker")
    sent = outbox.known_encounter(patrol, area, person.code)
    send(client, [sent])
    update = outbox.encounter_update(sent["data"]["id"], 1, note="Ny avtale.", topics=["housing"])

    [result] = send(client, [update])

    assert result == {
        "key": update["key"],
        "status": 200,
        "result": {"id": sent["data"]["id"], "version": 2},
    }
    encounter = Encounter.objects.get(code=sent["data"]["id"])
    assert (encounter.note, encounter.topics, encounter.version) == ("Ny avtale.", ["housing"], 2)


def test_incident(login, patrol, area):
    client = login("worker")
    start = outbox.visit_start(patrol, area)
    sent = outbox.incident(patrol, area, visit=start["data"]["id"])

    results = send(client, [start, sent])

    assert results[1] == {
        "key": sent["key"],
        "status": 201,
        "result": {"id": sent["data"]["id"], "version": 1},
    }
    row = IncidentNote.objects.get(code=sent["data"]["id"])
    assert (row.kind, row.area, str(row.visit.code)) == ("overdose", area, start["data"]["id"])


def test_incident_with_a_visit_of_another_patrol_is_refused(login, patrol, area, actors, users):
    client = login("worker")
    start = outbox.visit_start(patrol, area)
    send(client, [start])
    other = start_patrol(
        actors["team_lead"], colleague=users["peer_worker"], shift=Shift.DAY, areas=[area]
    )
    sent = outbox.incident(other, area, visit=start["data"]["id"])

    [result] = send(login("team_lead"), [sent])

    assert result["status"] == 400
    assert result["error"] == {
        "code": "invalid",
        "message": "The visit belongs to another patrol.",
    }
    assert not IncidentNote.objects.exists()


def test_patrol_end_and_debrief(login, patrol, area):
    client = login("worker")
    start = outbox.visit_start(patrol, area)
    end = outbox.patrol_end(patrol)
    first = outbox.debrief(patrol, text="Rolig.", follow_ups=["Ring Måken", " "])

    results = send(client, [start, end, first])

    patrol.refresh_from_db()
    assert patrol.status == PatrolStatus.ENDED
    assert results[1] == {
        "key": end["key"],
        "status": 200,
        "result": {"id": str(patrol.code), "ended_at": patrol.ended_at.isoformat()},
    }
    # Open visits end with the patrol.
    assert AreaVisit.objects.get(code=start["data"]["id"]).left_at == patrol.ended_at
    debrief = Debrief.objects.get(patrol=patrol)
    assert results[2] == {
        "key": first["key"],
        "status": 201,
        "result": {"id": str(debrief.code), "version": 1},
    }
    assert debrief.follow_ups == ["Ring Måken"]

    second = outbox.debrief(patrol, text="Rolig, men kaldt.", version=1)
    [result] = send(client, [second])

    assert result == {
        "key": second["key"],
        "status": 200,
        "result": {"id": str(debrief.code), "version": 2},
    }
    debrief.refresh_from_db()
    assert debrief.text == "Rolig, men kaldt."


def test_entries_after_the_patrol_ended_are_refused(login, patrol, area):
    results = send(login("worker"), [outbox.patrol_end(patrol), outbox.tally(patrol, area)])

    assert statuses(results) == [200, 400]
    assert results[1]["error"] == {"code": "invalid", "message": "This patrol has ended."}
    assert not Encounter.objects.exists()


def full_batch(patrol, area, person):
    """One entry of every type, in the order a phone would queue them."""
    start = outbox.visit_start(patrol, area)
    visit_id = start["data"]["id"]
    contact = outbox.known_encounter(patrol, area, person.code, visit=visit_id)
    return [
        start,
        outbox.observation(visit_id),
        contact,
        outbox.new_person_encounter(patrol, area, visit=visit_id),
        outbox.tally(patrol, area, visit=visit_id),
        outbox.encounter_update(contact["data"]["id"], 1, note="Rettet."),
        outbox.incident(patrol, area, visit=visit_id),
        outbox.visit_end(visit_id, 1),
        outbox.patrol_end(patrol),
        outbox.debrief(patrol, follow_ups=["Følg opp Måken"]),
    ]


def test_a_full_batch(login, patrol, area, person):
    batch = full_batch(patrol, area, person)

    results = send(login("worker"), batch)

    assert statuses(results) == [201, 201, 201, 201, 201, 200, 201, 200, 200, 201]
    assert SyncReceipt.objects.count() == len(batch)
    assert Encounter.objects.filter(patrol=patrol).count() == 3


# --- Replay and reuse --------------------------------------------------------------------


def test_replay_returns_the_stored_results_and_writes_nothing(login, patrol, area, person):
    client = login("worker")
    batch = full_batch(patrol, area, person)
    first = send(client, batch)
    before = snapshot()

    again = send(client, batch)
    shuffled = send(client, list(reversed(batch)))

    assert again == first
    assert shuffled == list(reversed(first))
    assert snapshot() == before


def test_replay_within_one_batch(login, patrol, area):
    sent = outbox.tally(patrol, area)

    first, second = send(login("worker"), [sent, sent])

    assert first == second
    assert Encounter.objects.count() == 1


def test_a_key_reused_for_another_payload_is_refused(login, patrol, area):
    client = login("worker")
    sent = outbox.tally(patrol, area)
    [original] = send(client, [sent])
    before = snapshot()
    changed = {
        **sent,
        "data": {**sent["data"], "counts": [{"age_band": "18-22", "gender": "male", "count": 9}]},
    }

    [result] = send(client, [changed])

    assert result == {
        "key": sent["key"],
        "status": 422,
        "error": {
            "code": "key_reused",
            "message": "This key was used for another entry. Send this entry with a new key.",
        },
    }
    assert snapshot() == before
    # The original still replays.
    assert send(client, [sent]) == [original]


def test_the_payload_hash_ignores_key_order_but_not_values(login, patrol, area):
    client = login("worker")
    sent = outbox.tally(patrol, area)
    send(client, [sent])
    reordered = {
        "data": dict(reversed(list(sent["data"].items()))),
        "type": "tally",
        "key": sent["key"],
    }

    [result] = send(client, [reordered])

    assert result["status"] == 201
    assert Encounter.objects.count() == 1


def test_a_key_of_another_user_is_not_replayed(login, patrol, area):
    sent = outbox.tally(patrol, area)
    send(login("worker"), [sent])

    [result] = send(login("colleague"), [sent])

    assert (result["status"], result["error"]["code"]) == (422, "key_reused")
    assert "result" not in result


def test_an_id_stored_before_under_a_lost_key_is_not_stored_twice(login, patrol, area):
    """The phone lost the answer and sends the same entry under a new key."""
    client = login("worker")
    sent = outbox.new_person_encounter(patrol, area)
    [first] = send(client, [sent])
    before = snapshot()

    [again] = send(client, [{**sent, "key": outbox.new_key()}])

    assert again["status"] == 200
    assert again["result"] == first["result"]
    assert Encounter.objects.count() == Person.objects.count() == 1
    after = snapshot()
    assert after.pop("SyncReceipt") == before.pop("SyncReceipt") + 1
    assert after == before


def test_a_new_person_created_before_is_met_again_not_created_twice(login, patrol, area):
    client = login("worker")
    first = outbox.new_person_encounter(patrol, area)
    person_id = first["data"]["new_person"]["id"]
    second = outbox.new_person_encounter(patrol, area, person_id=person_id)

    results = send(client, [first, second])

    assert statuses(results) == [201, 201]
    assert Person.objects.filter(code=person_id).count() == 1
    assert EncounterPerson.objects.filter(person__code=person_id).count() == 2
    assert [ep.first_contact for ep in EncounterPerson.objects.order_by("pk")] == [True, False]


def test_a_person_created_earlier_in_the_batch_can_be_met_later_in_it(login, patrol, area):
    client = login("worker")
    created = outbox.new_person_encounter(patrol, area)
    person_id = created["data"]["new_person"]["id"]
    met = outbox.known_encounter(patrol, area, person_id)

    # Sent in the wrong order first: the contact waits for the person (404, no receipt).
    wrong_order = send(client, [met, created])
    assert statuses(wrong_order) == [404, 201]
    assert wrong_order[0]["error"]["code"] == "not_found"
    assert not SyncReceipt.objects.filter(key=met["key"]).exists()

    [retried] = send(client, [met])

    assert retried["status"] == 201
    assert EncounterPerson.objects.filter(person__code=person_id).count() == 2


def test_concurrent_duplicate_sends_are_answered_from_the_first_receipt(
    login, patrol, area, monkeypatch
):
    """Two requests read "no receipt" before either wrote: the second loses the race."""
    client = login("worker")
    batch = [outbox.tally(patrol, area), outbox.new_person_encounter(patrol, area)]
    first = send(client, batch)
    before = snapshot()
    # Both requests looked before either had written: no receipts, no ids taken.
    monkeypatch.setattr(services.Batch, "_load_receipts", lambda batch, keys: None)
    monkeypatch.setattr(services.Batch, "_load_taken", lambda batch, kind, codes: None)

    assert send(client, batch) == first
    assert snapshot() == before


def test_a_batch_cut_off_by_a_database_failure_keeps_what_it_committed(
    login, patrol, area, monkeypatch
):
    """Entries are committed in groups: a failure loses only the group under way."""
    from django.db import OperationalError

    client = login("worker")
    batch = [outbox.tally(patrol, area) for _ in range(7)]
    monkeypatch.setattr(services, "COMMIT_EVERY", 2)
    apply = services.Batch.apply
    calls = []

    def fail_at_the_sixth(self, entry, retry=True):
        calls.append(entry.key)
        if len(calls) == 6:
            raise OperationalError("the database went away")
        return apply(self, entry, retry)

    monkeypatch.setattr(services.Batch, "apply", fail_at_the_sixth)

    response = post(client, batch)

    assert response.status_code == 503
    assert response.json() == {
        "detail": "The server cannot store entries just now. They stay on the phone; try again."
    }
    # The first two groups (four entries) were committed; the fifth was rolled back.
    assert SyncReceipt.objects.count() == 4
    assert Encounter.objects.count() == 4

    monkeypatch.setattr(services.Batch, "apply", apply)
    results = send(client, batch)

    assert statuses(results) == [201] * 7
    assert SyncReceipt.objects.count() == Encounter.objects.count() == 7


# --- Bad input ---------------------------------------------------------------------------

LONG = "x" * 501


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("not an object", "An entry must be an object with key, type and data."),
        ({"type": "tally", "data": {}}, "key is missing."),
        ({"key": "short", "type": "tally", "data": {}}, "The key must be 8–64"),
        ({"key": "k" * 65, "type": "tally", "data": {}}, "The key must be 8–64"),
        ({"key": "bad key with spaces", "type": "tally", "data": {}}, "The key must be 8–64"),
        ({"key": "kkkkkkkkkk", "type": "teleport", "data": {}}, "type is not one of the allowed"),
        ({"key": "kkkkkkkkkk", "type": "tally", "data": []}, "data has the wrong type."),
        ({"key": "kkkkkkkkkk", "type": "tally", "data": {}, "x": 1}, "x is not a field"),
    ],
)
def test_malformed_envelopes(login, patrol, area, bad, message):
    good = outbox.tally(patrol, area)

    results = send(login("worker"), [bad, good])

    assert statuses(results) == [422, 201]
    assert results[0]["error"]["code"] == "malformed"
    assert message in results[0]["error"]["message"]
    assert Encounter.objects.count() == 1
    assert SyncReceipt.objects.count() == 1


def _with(sent, **changes):
    data = {**sent["data"], **changes}
    return {**sent, "data": {k: v for k, v in data.items() if v is not None}}


BAD_DATA = [
    ("id", "not-a-uuid", "id must be a UUID."),
    ("id", 12, "id must be a UUID."),
    ("patrol", "{00000000-0000-0000-0000-000000000000}", "patrol must be a UUID."),
    ("occurred_at", "2026-01-01T10:00:00", "occurred_at must be an ISO 8601 time with a time zone"),
    ("occurred_at", 1_700_000_000, "occurred_at must be an ISO 8601 time"),
    ("kind", "crowd", "kind is not one of the allowed values."),
    ("note", LONG, "note can be at most 500 characters."),
    ("note", "nul\x00byte", "note contains characters that are not allowed."),
    ("note", "half a pair \ud800", "note contains characters that are not allowed."),
    ("note", ["a list"], "note has the wrong type."),
    ("head_count", "3", "head_count must be a whole number."),
    ("head_count", 2.5, "head_count must be a whole number."),
    ("head_count", 500, "head_count is out of range."),
    ("topics", ["conversation", "gossip"], "topics is not one of the allowed values."),
    ("topics", ["food"] * 9, "topics can have at most 8 items."),
    ("persons", [new_id()] * 2, "persons lists the same id twice."),
    ("persons", [new_id() for _ in range(51)], "persons can have at most 50 items."),
    ("colour", "red", "colour is not a field of this entry."),
    ("patrol", None, "patrol is missing."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_DATA)
def test_malformed_data_refuses_the_entry_and_applies_the_rest(
    login, patrol, area, person, field, value, message
):
    bad = _with(outbox.known_encounter(patrol, area, person.code), **{field: value})
    good = outbox.tally(patrol, area)
    before = snapshot()

    results = send(login("worker"), [bad, good])

    assert statuses(results) == [422, 201]
    assert results[0]["error"]["code"] == "malformed"
    assert message in results[0]["error"]["message"]
    assert not Encounter.objects.filter(code=bad["data"].get("id") if field != "id" else None)
    after = snapshot()
    assert after["Encounter"] == before["Encounter"] + 1
    assert after["SyncReceipt"] == before["SyncReceipt"] + 1


def test_a_new_person_never_carries_an_identity(login, patrol, area):
    sent = outbox.new_person_encounter(patrol, area)
    sent["data"]["new_person"].update(anonymity_level="identified", full_name="Ola Nordmann")

    [result] = send(login("worker"), [sent])

    assert result["status"] == 422
    assert (
        "new_person.anonymity_level is not one of the allowed values." in result["error"]["message"]
    )
    assert "new_person.full_name is not a field of this entry." in result["error"]["message"]
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("entry_type", "data", "message"),
    [
        ("observation", {"note": "x" * 1001}, "note can be at most 1000 characters."),
        ("incident", {"note": "x" * 1001}, "note can be at most 1000 characters."),
        ("debrief", {"text": "x" * 4001}, "text can be at most 4000 characters."),
        ("debrief", {"follow_ups": ["x"] * 21}, "follow_ups can have at most 20 items."),
        ("debrief", {"follow_ups": ["x" * 201]}, "follow_ups can be at most 200 characters."),
        ("tally", {"counts": []}, "counts needs at least 1 items."),
        ("visit.end", {"version": 0}, "version is out of range."),
        ("visit.end", {"version": True}, "version must be a whole number."),
    ],
)
def test_too_long_or_out_of_range(login, patrol, area, entry_type, data, message):
    visit_id = new_id()
    base = {
        "observation": outbox.observation(visit_id),
        "incident": outbox.incident(patrol, area),
        "debrief": outbox.debrief(patrol),
        "tally": outbox.tally(patrol, area),
        "visit.end": outbox.visit_end(visit_id),
    }[entry_type]

    [result] = send(login("worker"), [_with(base, **data)])

    assert result["status"] == 422
    assert message in result["error"]["message"]
    assert snapshot()["SyncReceipt"] == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "anonymous", "persons": [], "head_count": 0}, "at least one person counted"),
        ({"kind": "group"}, "A group contact is with two people or more."),
        ({"occurred_at": "2099-01-01T10:00:00+00:00"}, "The time is in the future."),
        ({"occurred_at": "2020-01-01T10:00:00+00:00"}, "before the patrol started"),
    ],
)
def test_rules_of_the_domain_are_400_with_the_service_message(
    login, patrol, area, person, changes, message
):
    bad = _with(outbox.known_encounter(patrol, area, person.code), **changes)

    [result] = send(login("worker"), [bad])

    assert result["status"] == 400
    assert result["error"]["code"] == "invalid"
    assert message in result["error"]["message"]
    assert not Encounter.objects.exists()
    assert not SyncReceipt.objects.exists()


def test_an_area_outside_the_patrol_is_invalid(login, patrol, second_area):
    [result] = send(login("worker"), [outbox.tally(patrol, second_area)])

    assert result["status"] == 400
    assert result["error"]["message"] == "Choose one of this patrol's field areas."


def test_a_worker_not_on_the_patrol_is_refused(login, patrol, area):
    [result] = send(login("peer_worker"), [outbox.tally(patrol, area)])

    assert result["status"] == 400
    assert result["error"]["message"] == "Only the members of a patrol can record in it."
    assert not Encounter.objects.exists()


# --- Foreign and unknown ids -------------------------------------------------------------


@pytest.fixture
def foreign(other_service, users):
    """Another service's patrol, area, person and visit, made by its team lead."""
    from conftest import SQUARE, make_member
    from feltbok.accounts.models import Role
    from feltbok.core.access import actor_for_user
    from feltbok.fieldwork.services import start_visit
    from feltbok.people.models import AgeBand, AnonymityLevel, Gender

    outsider = actor_for_user(users["outsider"])
    their_area = FieldArea.objects.create(
        service=other_service,
        name="Istedgade",
        boundary=SQUARE,
        valid_from=datetime.date(2018, 1, 1),
    )
    colleague = make_member(other_service, Role.WORKER, "their-worker@test.example")
    their_patrol = start_patrol(outsider, colleague=colleague, shift=Shift.DAY, areas=[their_area])
    their_person = create_person(
        outsider,
        PersonData(
            anonymity_level=AnonymityLevel.NICKNAME,
            nickname="Fremmed",
            gender=Gender.MALE,
            age_band=AgeBand.FROM_26,
        ),
    )
    their_visit = start_visit(outsider, their_patrol, area=their_area)
    return {
        "patrol": their_patrol,
        "area": their_area,
        "person": their_person,
        "visit": their_visit,
    }


def test_foreign_ids_are_404_like_unknown_ones(login, patrol, area, person, foreign):
    class Unknown:
        code = new_id()

    cases = []
    for ids in (foreign, {"patrol": Unknown, "area": Unknown, "person": Unknown, "visit": Unknown}):
        cases += [
            outbox.tally(ids["patrol"], area),
            outbox.tally(patrol, ids["area"]),
            outbox.known_encounter(patrol, area, ids["person"].code),
            outbox.observation(ids["visit"].code),
            outbox.visit_end(ids["visit"].code),
        ]
    good = outbox.tally(patrol, area)
    before = snapshot()

    results = send(login("worker"), [*cases, good])

    assert statuses(results) == [404] * 10 + [201]
    messages = [result["error"]["message"] for result in results[:10]]
    # Nothing tells a foreign object from a missing one.
    assert messages[:5] == messages[5:]
    assert messages[:5] == [
        "The patrol was not found.",
        "The field area was not found.",
        "A person in this entry was not found.",
        "The area visit was not found.",
        "The area visit was not found.",
    ]
    assert {result["error"]["code"] for result in results[:10]} == {"not_found"}
    after = snapshot()
    assert after["Encounter"] == before["Encounter"] + 1
    assert after["SyncReceipt"] == before["SyncReceipt"] + 1


def test_an_id_in_use_in_another_service_is_404(login, patrol, area, foreign):
    visit = outbox.visit_start(patrol, area)
    visit["data"]["id"] = str(foreign["visit"].code)
    person = outbox.new_person_encounter(patrol, area, person_id=str(foreign["person"].code))
    before = snapshot()

    results = send(login("worker"), [visit, person])

    assert statuses(results) == [404, 404]
    assert [r["error"]["code"] for r in results] == ["not_found", "not_found"]
    assert snapshot() == before


# --- Conflicts ---------------------------------------------------------------------------


def test_an_encounter_changed_elsewhere_is_a_conflict(login, patrol, area, person):
    client = login("worker")
    sent = outbox.known_encounter(patrol, area, person.code)
    send(client, [sent])
    encounter_id = sent["data"]["id"]
    send(login("colleague"), [outbox.encounter_update(encounter_id, 1, note="Fra kollega.")])
    client = login("worker")
    stale = outbox.encounter_update(encounter_id, 1, note="Fra meg.")
    before = snapshot()

    [result] = send(client, [stale])

    assert result == {
        "key": stale["key"],
        "status": 409,
        "error": {
            "code": "conflict",
            "message": (
                "This was changed on another device. Check the newest version and try again."
            ),
        },
        "current": {
            "id": encounter_id,
            "version": 2,
            "note": "Fra kollega.",
            "topics": ["conversation", "food"],
        },
    }
    assert Encounter.objects.get(code=encounter_id).note == "Fra kollega."
    # The conflict is a final answer: its receipt is kept and a replay repeats it.
    after = snapshot()
    assert after.pop("SyncReceipt") == before.pop("SyncReceipt") + 1
    assert after == before
    assert send(client, [stale]) == [result]


def test_a_visit_ended_elsewhere_is_a_conflict(login, patrol, area, second_area):
    client = login("worker")
    first = outbox.visit_start(patrol, area)
    send(client, [first])
    # Arriving in the next area ends the first visit (version 2).
    patrol.areas.add(second_area)
    send(client, [outbox.visit_start(patrol, second_area)])
    stale = outbox.visit_end(first["data"]["id"], version=1)

    [result] = send(client, [stale])

    visit = AreaVisit.objects.get(code=first["data"]["id"])
    assert result["status"] == 409
    assert result["error"]["code"] == "conflict"
    assert result["current"] == {
        "id": first["data"]["id"],
        "version": 2,
        "arrived_at": visit.arrived_at.isoformat(),
        "left_at": visit.left_at.isoformat(),
    }


def test_a_debrief_written_elsewhere_is_a_conflict(login, patrol):
    send(login("colleague"), [outbox.debrief(patrol, text="Kollegaens.")])
    mine = outbox.debrief(patrol, text="Min.")

    [result] = send(login("worker"), [mine])

    debrief = Debrief.objects.get()
    assert result["status"] == 409
    assert result["current"] == {
        "id": str(debrief.code),
        "version": 1,
        "text": "Kollegaens.",
        "follow_ups": [],
    }
    assert debrief.text == "Kollegaens."


# --- The request as a whole --------------------------------------------------------------


def test_anonymous_is_401(client, patrol, area):
    client.cookies["django_language"] = "en"  # an anonymous caller has no profile language
    response = post(client, [outbox.tally(patrol, area)])

    assert response.status_code == 401
    assert response.json() == {"detail": "Log in to send entries."}
    assert client.get("/api/lookup").status_code == 401
    assert not Encounter.objects.exists()


@pytest.mark.parametrize(
    ("persona", "message"),
    [
        ("analyst", "Your role does not record field work."),
        ("coordinator", "Your role does not record field work."),
        ("no_membership", "You are not a member of any service."),
    ],
)
def test_roles_without_sync_are_403(login, patrol, area, persona, message):
    client = login(persona)
    response = post(client, [outbox.tally(patrol, area)])

    assert response.status_code == 403
    assert response.json() == {"detail": message}
    assert client.get("/api/lookup").status_code == 403
    assert not Encounter.objects.exists()


def test_csrf_token_is_required(users, patrol, area):
    from conftest import enrol_totp

    client = Client(enforce_csrf_checks=True)
    enrol_totp(users["worker"])
    client.force_login(users["worker"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    refused = post(client, [outbox.tally(patrol, area)])

    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "The security token is missing or out of date. Reload the page."
    }
    assert not Encounter.objects.exists()

    token = "a" * 32
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    accepted = post(client, [outbox.tally(patrol, area)], HTTP_X_CSRFTOKEN=token)

    assert accepted.status_code == 200
    assert statuses(accepted.json()["results"]) == [201]
    # Reading needs no token.
    assert client.get("/api/lookup").status_code == 200


def test_too_many_entries(login, patrol, area):
    response = post(login("worker"), [outbox.tally(patrol, area)] * 1001)

    assert response.status_code == 422
    assert response.json() == {
        "detail": "At most 1000 entries per request. Send the rest in another request."
    }
    assert not Encounter.objects.exists()


def test_a_body_over_2_mb(login, patrol, area):
    padding = outbox.tally(patrol, area)
    padding["data"]["note"] = "x" * (2 * 1024 * 1024)

    response = post(login("worker"), [padding])

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request is larger than 2 MB. Send fewer entries at a time."
    }
    assert not SyncReceipt.objects.exists()


def test_a_body_over_the_form_limit_but_under_2_mb_is_read(login, patrol, area):
    """The site refuses forms over 256 KB; the sync body may be up to 2 MB."""
    entries = [outbox.tally(patrol, area) for _ in range(3)]
    entries[0]["data"]["note"] = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = post(login("worker"), entries)

    assert response.status_code == 200
    assert statuses(response.json()["results"]) == [422, 201, 201]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "detail"),
    [
        ("{not json", "application/json", 422, "The body is not valid JSON."),
        (b"\xff\xfe\x00binary", "application/json", 422, "The body is not valid JSON."),
        ('{"entries": [NaN]}', "application/json", 422, "The body is not valid JSON."),
        ("[" * 100_000 + "]" * 100_000, "application/json", 422, "The body is not valid JSON."),
        ("[]", "application/json", 422, "The body must be a JSON object with a list of entries."),
        ('{"entries": {}}', "application/json", 422, "a list of entries."),
        ('{"entries": [], "more": 1}', "application/json", 422, "a list of entries."),
        (" ", "application/json", 422, "The body is not valid JSON."),
        ('{"entries": []}', "text/plain", 415, "Content-Type: application/json"),
        ("entries=1", "application/x-www-form-urlencoded", 415, "Content-Type"),
    ],
)
def test_unreadable_bodies(login, body, content_type, status, detail):
    response = login("worker").post(outbox.sync_url(), body, content_type=content_type)

    assert response.status_code == status
    assert detail in response.json()["detail"]
    assert not SyncReceipt.objects.exists()


def test_an_empty_batch(login):
    assert send(login("worker"), []) == []


def test_messages_follow_the_users_language(login, patrol, area):
    client = login("peer_worker", language="nb")

    [result] = send(client, [outbox.tally(patrol, area)])

    assert result["error"]["message"] == "Bare patruljens deltakere kan registrere i den."


def test_openapi_describes_the_endpoints(client):
    schema = client.get("/api/openapi.json").json()

    assert {"/api/sync", "/api/lookup"} <= set(schema["paths"])
    body = schema["paths"]["/api/sync"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/SyncRequest"}
    components = schema["components"]["schemas"]
    entries = components["SyncRequest"]["properties"]["entries"]
    assert entries["maxItems"] == 1000
    assert {"EncounterEntry", "TallyEntry", "VisitEndEntry", "NewPersonIn"} <= set(components)
    # Every reference resolves.
    refs = {ref.rsplit("/", 1)[1] for ref in _refs(schema)}
    assert refs <= set(components)
    assert client.get("/api/docs").status_code == 200


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


# --- The look-up list --------------------------------------------------------------------


def test_lookup_list(login, patrol, area, worker, person):
    from feltbok.people.models import PersonFlag

    flagged = create_person(
        worker,
        PersonData(
            anonymity_level="description",
            description="Høy mann i grønn boblejakke, har ofte med hund",
            gender="male",
            age_band="36-49",
            flags=[PersonFlag.OVERDOSE_RISK, PersonFlag.SAFETY],
        ),
    )
    never_met = create_person(
        worker, PersonData(anonymity_level="nickname", nickname="Ukjent", gender="male")
    )
    long_ago = create_person(
        worker, PersonData(anonymity_level="nickname", nickname="Gammel", gender="male")
    )
    for someone in (person, flagged):
        record_encounter(
            worker, patrol, EncounterData(kind="individual", area=area, persons=[someone])
        )
    Person.objects.filter(pk=long_ago.pk).update(
        last_contact_at=timezone.now() - datetime.timedelta(days=91)
    )

    response = login("worker").get("/api/lookup")

    assert response.status_code == 200
    persons = response.json()["persons"]
    assert persons == [
        {
            "id": str(flagged.code),
            "name": flagged.description[:40],
            "flags": ["safety", "overdose_risk"],
        },
        {"id": str(person.code), "name": "Ravnen", "flags": []},
    ]
    assert str(never_met.code) not in json.dumps(persons)
    event = AuditEvent.objects.get(action="search", reason="offline look-up list")
    assert event.actor.email == "worker@test.example"
    assert event.detail == {"results": [str(flagged.code), str(person.code)]}


def test_lookup_list_is_capped_at_500(login, worker):
    import uuid

    from feltbok.people.models import AnonymityLevel

    now = timezone.now()
    Person.objects.bulk_create(
        Person(
            code=uuid.uuid4(),
            service_id=worker.service_id,
            anonymity_level=AnonymityLevel.NICKNAME,
            nickname=f"P{i}",
            gender="male",
            age_band="18-22",
            last_contact_at=now - datetime.timedelta(minutes=i),
            created_by=worker.user,
        )
        for i in range(520)
    )

    persons = login("worker").get("/api/lookup").json()["persons"]

    assert len(persons) == 500
    assert persons[0]["name"] == "P0"
    assert persons[-1]["name"] == "P499"


# --- Queries -----------------------------------------------------------------------------


def mixed_batch(patrol, area, persons, size):
    """A realistic mix: tallies, known-person contacts, new persons, visits."""
    entries = []
    for i in range(size):
        kind = i % 5
        if kind == 0:
            entries.append(outbox.tally(patrol, area, counts=[("18-22", "male", 1 + i % 3)]))
        elif kind == 1:
            entries.append(outbox.known_encounter(patrol, area, persons[i % len(persons)].code))
        elif kind == 2:
            entries.append(outbox.new_person_encounter(patrol, area, nickname=f"Ny {i}"))
        elif kind == 3:
            start = outbox.visit_start(patrol, area)
            entries.append(start)
        else:
            entries.append(outbox.observation(entries[-1]["data"]["id"]))
    return entries


def count_queries(client, entries):
    with CaptureQueriesContext(connection) as queries:
        results = send(client, entries)
    assert all(result["status"] in (200, 201) for result in results), results
    return len(queries)


# The most one entry may cost: its savepoint, the service's own checks and writes and its
# receipt (its audit events are appended with the group's). Measured: 5.8 for this mix.
# Not a function of how much data the service holds.
PER_ENTRY = 7
PER_REQUEST = 40


def test_queries_grow_linearly_with_the_batch_and_not_with_the_data(login, patrol, area, worker):
    persons = [
        create_person(
            worker, PersonData(anonymity_level="nickname", nickname=f"K{i}", gender="male")
        )
        for i in range(5)
    ]
    client = login("worker")
    send(client, mixed_batch(patrol, area, persons, 5))  # warm the session

    small = count_queries(client, mixed_batch(patrol, area, persons, 10))
    large = count_queries(client, mixed_batch(patrol, area, persons, 50))

    assert large <= 50 * PER_ENTRY + PER_REQUEST
    # Linear: every further entry of the mix costs the same, whatever is stored already.
    per_entry = (large - small) / 40
    assert per_entry <= PER_ENTRY

    # Much more data in the service: the same batch costs the same.
    for _ in range(100):
        record_tally(
            worker,
            patrol,
            area=area,
            counts={("18-22", "male"): 1, ("13-17", "female"): 2, ("66+", "other"): 1},
        )
    for person in persons:
        for _ in range(10):
            record_encounter(
                worker, patrol, EncounterData(kind="individual", area=area, persons=[person])
            )
    assert Encounter.objects.count() > 250

    assert count_queries(client, mixed_batch(patrol, area, persons, 50)) == large
