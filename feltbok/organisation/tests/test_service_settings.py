"""The service's settings page: map tiles and exact locations, for administrators only."""

import pytest
from django.urls import reverse

from conftest import log_in_as
from feltbok.audit.models import AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.organisation.models import Service

URL = reverse("organisation:settings")
GOOD = {"map_tile_url": "https://tiles.example/{z}/{x}/{y}.png", "exact_location_enabled": "on"}
MATRIX = {
    "GET": expect(403, admin=200),
    "POST": expect(403, admin=302),
}


def state(service, other_service):
    return [
        (s.map_tile_url, s.exact_location_enabled, AuditEvent.objects.filter(service=s).count())
        for s in Service.objects.filter(pk__in=[service.pk, other_service.pk]).order_by("pk")
    ]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_permission_matrix(client, users, service, other_service, persona, method):
    log_in_as(client, users, persona)
    before = state(service, other_service)

    response = client.post(URL, GOOD) if method == "POST" else client.get(URL)

    assert response.status_code == MATRIX[method][persona]
    if not (persona == "admin" and method == "POST"):
        assert state(service, other_service) == before


def test_the_administrator_turns_exact_locations_on_and_it_is_audited(
    client, users, service, other_service
):
    log_in_as(client, users, "admin")
    response = client.post(URL, GOOD)

    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.map_tile_url, service.exact_location_enabled) == (GOOD["map_tile_url"], True)
    event = AuditEvent.objects.filter(service=service).latest("seq")
    assert (event.action, event.object_type) == ("update", "service")
    assert event.detail == {"map_tile_url": GOOD["map_tile_url"], "exact_location_enabled": True}
    # Another service's switch is untouched.
    other_service.refresh_from_db()
    assert other_service.exact_location_enabled is False

    # Saving the same again changes nothing and logs nothing.
    events = AuditEvent.objects.count()
    assert client.post(URL, GOOD).status_code == 302
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "tiles",
    [
        "http://tiles.example/{z}/{x}/{y}.png",
        "https://tiles.example/tile.png",
        "javascript:alert(1)//{z}{x}{y}",
        "https://" + "x" * 400 + "/{z}/{x}/{y}",
    ],
)
def test_a_bad_tile_address_is_refused_and_nothing_changes(
    client, users, service, other_service, tiles
):
    log_in_as(client, users, "admin")
    client.cookies["django_language"] = "en"
    before = state(service, other_service)

    response = client.post(URL, {"map_tile_url": tiles, "exact_location_enabled": "on"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "must start with https://" in page or "at most 300 characters" in page
    assert state(service, other_service) == before


def test_the_page_is_accessible_in_norwegian(client, users):
    log_in_as(client, users, "admin")
    response = client.get(URL)
    assert response.status_code == 200
    assert 'name="exact_location_enabled"' in response.content.decode()
