"""The permission matrix for the sync API: POST /api/sync and GET /api/lookup × every persona.

An API answers 401 where a page would send to log in. Field roles get 200; the answer for
each entry then says what happened to it: the patrol's own members store it (201), other
field staff of the service are refused by the service layer (400), and the outsider, whose
service does not hold the patrol, gets 404 with nothing stored.
"""

import pytest
from django.urls import reverse

from conftest import enrol_totp
from feltbok.audit.models import AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS
from feltbok.fieldwork.services import EncounterData, record_encounter
from feltbok.sync.tests import outbox


def expect(default, **overrides):
    row = {persona: default for persona in PERSONAS}
    row["anonymous"] = 401
    row.update(overrides)
    return row


FIELD_ROLES_ONLY = expect(200, coordinator=403, analyst=403, admin=403)

MATRIX = {
    ("POST", "api:sync"): FIELD_ROLES_ONLY,
    ("GET", "api:lookup"): FIELD_ROLES_ONLY,
}

# What happens to one tally for the worker's patrol, sent by each persona that gets a 200.
ENTRY_STATUS = {
    "worker": 201,
    "colleague": 201,
    "peer_worker": 400,
    "team_lead": 400,
    "outsider": 404,
}


@pytest.fixture
def met(worker, patrol, area, person):
    """The person, met on the patrol: on the service's look-up list."""
    record_encounter(worker, patrol, EncounterData(kind="individual", area=area, persons=[person]))
    return person


def state():
    snapshot = outbox.snapshot()
    del snapshot["AuditEvent"]  # the look-up list is audited; compared separately
    return snapshot


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_sync_permission_matrix(client, users, patrol, area, met, persona, method, name):
    if persona != "anonymous":
        enrol_totp(users[persona])
        client.force_login(users[persona])
    before = state()
    audit_before = AuditEvent.objects.count()

    if method == "POST":
        response = outbox.post(client, [outbox.tally(patrol, area)])
    else:
        response = client.get(reverse(name))

    expected = MATRIX[(method, name)][persona]
    assert response.status_code == expected
    if expected != 200:
        assert state() == before
        assert AuditEvent.objects.count() == audit_before
        assert "Ravnen" not in response.content.decode()
        return
    if method == "POST":
        [result] = response.json()["results"]
        assert result["status"] == ENTRY_STATUS[persona]
        if result["status"] != 201:
            assert state() == before
    else:
        names = [person["name"] for person in response.json()["persons"]]
        assert names == ([] if persona == "outsider" else ["Ravnen"])


def test_outsider_entries_for_our_patrol_are_404_and_store_nothing(
    client, users, patrol, area, met
):
    enrol_totp(users["outsider"])
    client.force_login(users["outsider"])
    before = outbox.snapshot()
    entries = [
        outbox.tally(patrol, area),
        outbox.known_encounter(patrol, area, met.code),
        outbox.new_person_encounter(patrol, area),
        outbox.visit_start(patrol, area),
        outbox.incident(patrol, area),
        outbox.patrol_end(patrol),
        outbox.debrief(patrol),
    ]

    results = outbox.send(client, entries)

    assert outbox.statuses(results) == [404] * len(entries)
    assert {result["error"]["code"] for result in results} == {"not_found"}
    assert outbox.snapshot() == before


def test_a_user_without_membership_is_refused(client, users, patrol, area):
    enrol_totp(users["no_membership"])
    client.force_login(users["no_membership"])
    before = outbox.snapshot()

    assert outbox.post(client, [outbox.tally(patrol, area)]).status_code == 403
    assert client.get(reverse("api:lookup")).status_code == 403
    assert outbox.snapshot() == before
