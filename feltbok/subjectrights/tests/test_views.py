"""The permission matrix for data-subject requests, bad input, and the person page history."""

import pytest
from django.urls import reverse

from conftest import log_in_as
from feltbok.audit.models import AuditAction, AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.exports.models import ProtectedExport
from feltbok.subjectrights import services
from feltbok.subjectrights.models import PersonCorrection

REASON = "The person showed ID at the office today"
CORRECTION = {
    "nickname": "Måsen",
    "description": "",
    "gender": "female",
    "birth_year": "1990",
    "full_name": "Kari Nordmann",
    "birth_date": "1990-05-17",
    "national_id": "17059012345",
    "reason": REASON,
}

# Peer workers, analysts and administrators open no person records: 403. A person of another
# service is a 404 for the outsider (a team lead there).
MATRIX = {
    ("GET", "subjectrights:access_export"): expect(403, team_lead=200, outsider=404),
    ("POST", "subjectrights:access_export"): expect(403, team_lead=200, outsider=404),
    ("GET", "subjectrights:correct"): expect(
        403, worker=200, colleague=200, team_lead=200, outsider=404
    ),
    ("POST", "subjectrights:correct"): expect(
        403, worker=302, colleague=302, team_lead=302, outsider=404
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_permission_matrix(client, users, identified, persona, method, name):
    log_in_as(client, users, persona)
    url = reverse(name, kwargs={"code": identified.code})

    if method == "POST":
        data = {"reason": REASON} if name.endswith("access_export") else CORRECTION
        response = client.post(url, data)
    else:
        response = client.get(url)

    expected = MATRIX[(method, name)][persona]
    assert response.status_code == expected
    changed = method == "POST" and expected in (200, 302) and persona != "anonymous"
    if name.endswith("access_export"):
        assert ProtectedExport.objects.count() == (1 if changed else 0)
    else:
        assert PersonCorrection.objects.count() == (1 if changed else 0)
    if response.status_code in (200, 400):
        assert response["Cache-Control"] == "no-store, private"


def test_the_password_is_shown_once_on_the_created_page(login, identified):
    client = login("team_lead")
    response = client.post(
        reverse("subjectrights:access_export", kwargs={"code": identified.code}),
        {"reason": "Letter received 20 November"},
    )
    page = response.content.decode()
    assert response.context["password"] in page
    export = ProtectedExport.objects.get()
    assert reverse("exports:download", kwargs={"code": export.code}) in page
    # The list of exports does not show it again.
    assert response.context["password"] not in client.get(reverse("exports:mine")).content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"birth_year": "abcd"}, "The birth year must be between"),
        ({"reason": "short"}, "at least 10 characters"),
        ({"nickname": "Måken"}, "Nothing was changed"),
    ],
)
def test_bad_correction_is_refused_and_nothing_changes(login, identified, change, message):
    client = login("worker")
    events = AuditEvent.objects.filter(action=AuditAction.UPDATE).count()

    response = client.post(
        reverse("subjectrights:correct", kwargs={"code": identified.code}),
        {**CORRECTION, "nickname": "Måken", **change},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    identified.refresh_from_db()
    assert identified.nickname == "Måken"
    assert not PersonCorrection.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE).count() == events


def test_the_person_page_shows_earlier_values(login, actors, identified):
    services.rectify_person(
        actors["worker"], identified, {"nickname": "Måsen", "full_name": "Kari Hansen"}, REASON
    )

    page = login("team_lead").get(reverse("people:detail", args=[identified.code])).content
    page = page.decode()

    assert page.count('class="row-item correction"') == 2
    assert "Kari Nordmann" in page  # the earlier name, decrypted for a role that sees identity
    assert REASON in page
    assert reverse("subjectrights:access_export", args=[identified.code]) in page
