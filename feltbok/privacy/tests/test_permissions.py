"""The permission matrix for retention, legal hold and erasure: every URL × every persona.

Administrators set the retention periods; team leads and administrators see the shredding
record, place and lift legal holds and erase; everyone else gets 403; a person (or hold) of
another service is a 404. Refused requests change nothing.
"""

import pytest
from django.urls import reverse

from conftest import log_in_as
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.people.models import Person
from feltbok.privacy.models import Erasure, LegalHold, RetentionSettings
from feltbok.privacy.tests.conftest import identified

LEADS = expect(403, team_lead=200, admin=200, outsider=404)
MATRIX = {
    ("GET", "privacy:settings"): expect(403, admin=200),
    ("POST", "privacy:settings"): expect(403, admin=302),
    # The outsider leads a team in another service: it sees its own (empty) record, not ours.
    ("GET", "privacy:log"): expect(403, team_lead=200, admin=200, outsider=200),
    ("GET", "privacy:person"): LEADS,
    ("POST", "privacy:hold"): expect(403, team_lead=302, admin=302, outsider=404),
    ("POST", "privacy:lift"): expect(403, team_lead=302, admin=302, outsider=404),
    ("POST", "privacy:erase"): expect(403, team_lead=302, admin=302, outsider=404),
}

DATA = {
    "privacy:settings": {
        "identity_months": 48,
        "note_months": 12,
        "closed_inquiry_months": 12,
        "audit_years": 5,
    },
    "privacy:hold": {"hold-reason": "Politisak 24-1234, vitneavhør"},
    "privacy:lift": {"lift-reason": "Saken er henlagt av politiet"},
    "privacy:erase": {"erase-reason": "Personen ba om sletting i brev", "erase-confirm": "on"},
}


def state():
    return (
        list(Person.objects.values_list("nickname", "full_name_enc")),
        list(LegalHold.objects.values_list("lifted_at", "reason")),
        Erasure.objects.count(),
        list(RetentionSettings.objects.values_list("identity_months", flat=True)),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_permission_matrix(client, users, actors, persona, method, name):
    person = identified(actors["worker"])
    hold = None
    if name == "privacy:lift":
        hold = LegalHold.objects.create(
            service=person.service,
            person=person,
            reason="Klagesak hos Statsforvalteren",
            placed_by=users["team_lead"],
        )
    kwargs = {}
    if name in ("privacy:person", "privacy:hold", "privacy:erase"):
        kwargs = {"code": person.code}
    elif name == "privacy:lift":
        kwargs = {"code": hold.code}
    url = reverse(name, kwargs=kwargs)
    log_in_as(client, users, persona)
    before = state()

    response = client.post(url, DATA[name]) if method == "POST" else client.get(url)

    assert response.status_code == MATRIX[(method, name)][persona], url
    if method == "GET" or response.status_code != 302 or persona == "anonymous":
        assert state() == before
    else:
        assert state() != before
