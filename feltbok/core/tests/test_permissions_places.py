"""The permission matrix for places, the map, coverage and time use: every URL × persona.

302 = sent to log in (or, for an allowed write, on to the next page), 404 = another
service's object, 403 = the role may not, 405 = wrong method, 200 = allowed. Every refused
request must leave the data as it was.
"""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import SQUARE, log_in_as
from feltbok.audit.models import AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.fieldwork.models import FollowUpTime
from feltbok.organisation.models import Environment, FieldArea, Place

# Seeing areas, places and environments: everyone but the analyst.
VIEW = expect(200, analyst=403)
VIEW_OBJECT = expect(200, analyst=403, outsider=404)
# Managing them: team leads and administrators (the outsider leads a team elsewhere).
MANAGE = expect(403, team_lead=200, admin=200, outsider=200)
MANAGE_OBJECT = expect(403, team_lead=200, admin=200, outsider=404)
MANAGE_WRITE = expect(403, team_lead=302, admin=302, outsider=404)
# The team lead's views.
LEAD = expect(403, team_lead=200, admin=200, outsider=200)
# Registering one's own follow-up time: staff who do follow-up work.
RECORD_TIME = expect(200, peer_worker=403, coordinator=403, analyst=403, admin=403)
RECORD_TIME_WRITE = expect(302, peer_worker=403, coordinator=403, analyst=403, admin=403)

MATRIX = {
    ("GET", "organisation:index"): VIEW,
    ("GET", "organisation:map"): VIEW,
    ("GET", "organisation:environments"): VIEW,
    ("GET", "organisation:area"): VIEW_OBJECT,
    ("GET", "organisation:area_create"): MANAGE,
    ("POST", "organisation:area_create"): expect(403, team_lead=302, admin=302, outsider=302),
    ("GET", "organisation:area_version"): MANAGE_OBJECT,
    ("POST", "organisation:area_version"): MANAGE_WRITE,
    ("GET", "organisation:area_end"): MANAGE_OBJECT,
    ("POST", "organisation:area_end"): MANAGE_WRITE,
    ("GET", "organisation:place_create"): MANAGE_OBJECT,
    ("POST", "organisation:place_create"): MANAGE_WRITE,
    ("GET", "organisation:place_edit"): MANAGE_OBJECT,
    ("POST", "organisation:place_edit"): MANAGE_WRITE,
    ("POST", "organisation:place_deactivate"): MANAGE_WRITE,
    ("POST", "organisation:place_reactivate"): MANAGE_WRITE,
    ("GET", "organisation:environment_create"): MANAGE,
    ("POST", "organisation:environment_create"): expect(
        403, team_lead=302, admin=302, outsider=400
    ),
    ("GET", "organisation:environment_edit"): MANAGE_OBJECT,
    ("POST", "organisation:environment_edit"): MANAGE_WRITE,
    ("POST", "organisation:environment_deactivate"): MANAGE_WRITE,
    ("POST", "organisation:environment_reactivate"): MANAGE_WRITE,
    ("GET", "reports:coverage"): LEAD,
    ("GET", "reports:coverage_week"): LEAD,
    ("GET", "reports:time_use"): LEAD,
    ("GET", "reports:time_register"): RECORD_TIME,
    ("POST", "reports:time_register"): RECORD_TIME_WRITE,
}

AREA_URLS = {"area", "area_version", "area_end", "place_create"}
PLACE_URLS = {"place_edit", "place_deactivate", "place_reactivate"}
ENVIRONMENT_URLS = {"environment_edit", "environment_deactivate", "environment_reactivate"}


@pytest.fixture
def objects(service, area, actors):
    from feltbok.organisation import services

    lead = actors["team_lead"]
    place = services.create_place(
        lead,
        services.PlaceData(
            area=area,
            name="P-hus Grønland",
            kind="parking_garage",
            point={"type": "Point", "coordinates": [10.755, 59.915]},
        ),
    )
    environment = services.create_environment(
        lead,
        services.EnvironmentData(area=area, name="Russcene", kind="open_drug_scene"),
    )
    return {"area": area, "place": place, "environment": environment}


def url_for(name, objects):
    _app, short = name.split(":")
    if short in AREA_URLS:
        return reverse(name, kwargs={"code": objects["area"].code})
    if short in PLACE_URLS:
        return reverse(name, kwargs={"code": objects["place"].code})
    if short in ENVIRONMENT_URLS:
        return reverse(name, kwargs={"code": objects["environment"].code})
    if short == "coverage_week":
        return reverse(name, kwargs={"year": 2026, "week": 10})
    return reverse(name)


def payload(name, objects):
    """Valid input for each write, so that only the permission decides the outcome."""
    area, place = objects["area"], objects["place"]
    today = timezone.localdate()
    return {
        "organisation:area_create": {
            "name": "Brugata/Storgata",
            "boundary": json.dumps(SQUARE),
            "valid_from": today.isoformat(),
        },
        "organisation:area_version": {
            "name": area.name,
            "boundary": json.dumps(SQUARE),
            "valid_from": today.isoformat(),
        },
        "organisation:area_end": {"valid_to": today.isoformat()},
        "organisation:place_create": {
            "name": "Oslo S",
            "kind": "station",
            "area": str(area.code),
        },
        "organisation:place_edit": {
            "name": "P-hus Vaterland",
            "kind": "parking_garage",
            "area": str(area.code),
        },
        "organisation:environment_create": {
            "name": "Ungdom ved Oslo S",
            "kind": "youth",
            "area": str(area.code),
            "places": [str(place.code)],
        },
        "organisation:environment_edit": {
            "name": "Russcene Vaterland",
            "kind": "open_drug_scene",
            "area": str(area.code),
        },
        "reports:time_register": {"date": today.isoformat(), "minutes": "60"},
    }.get(name, {})


def state(service, objects):
    """What a refused request must leave unchanged (in the service under test)."""
    area, place, environment = (objects[key] for key in ("area", "place", "environment"))
    area.refresh_from_db()
    place.refresh_from_db()
    environment.refresh_from_db()
    return (
        FieldArea.objects.filter(service=service).count(),
        Place.objects.filter(service=service).count(),
        Environment.objects.filter(service=service).count(),
        FollowUpTime.objects.filter(service=service).count(),
        AuditEvent.objects.filter(service=service).count(),
        (area.name, area.boundary, area.valid_to),
        (place.name, place.is_active),
        (environment.name, environment.is_active),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_permission_matrix(client, users, service, objects, persona, method, name):
    log_in_as(client, users, persona)
    url = url_for(name, objects)
    before = state(service, objects)

    data = payload(name, objects)
    response = client.post(url, data) if method == "POST" else client.get(url)

    expected = MATRIX[(method, name)][persona]
    assert response.status_code == expected, url
    refused = persona == "anonymous" or expected in (400, 403, 404)
    if method == "GET" or refused or persona == "outsider":
        assert state(service, objects) == before
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


WRITES = [name for method, name in MATRIX if method == "POST"]


@pytest.mark.parametrize("name", WRITES)
def test_allowed_writes_are_real_and_audited(client, users, service, actors, objects, name):
    """The matrix's 302 rows for the team lead are real writes, each audited."""
    from feltbok.organisation import services

    if name == "organisation:place_reactivate":
        services.set_place_active(actors["team_lead"], objects["place"], False)
    if name == "organisation:environment_reactivate":
        services.set_environment_active(actors["team_lead"], objects["environment"], False)
    log_in_as(client, users, "team_lead")
    before = state(service, objects)

    response = client.post(url_for(name, objects), payload(name, objects))

    assert response.status_code == 302
    after = state(service, objects)
    assert after != before
    assert after[4] == before[4] + (2 if name == "organisation:area_version" else 1)


GET_ONLY = [name for method, name in MATRIX if method == "GET" and ("POST", name) not in MATRIX]
POST_ONLY = [name for method, name in MATRIX if method == "POST" and ("GET", name) not in MATRIX]


@pytest.mark.parametrize("name", GET_ONLY)
def test_wrong_method_on_pages(client, users, service, objects, name):
    log_in_as(client, users, "team_lead")
    before = state(service, objects)
    assert client.post(url_for(name, objects)).status_code == 405
    assert state(service, objects) == before


@pytest.mark.parametrize("name", POST_ONLY)
def test_wrong_method_on_writes(client, users, service, objects, name):
    log_in_as(client, users, "team_lead")
    before = state(service, objects)
    assert client.get(url_for(name, objects)).status_code == 405
    assert state(service, objects) == before


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "no_membership", "analyst"])
def test_refused_writes_change_nothing(client, users, service, objects, persona):
    log_in_as(client, users, persona)
    before = state(service, objects)

    for method, name in MATRIX:
        if method == "POST":
            client.post(url_for(name, objects), payload(name, objects))

    assert state(service, objects) == before


def test_analyst_sees_no_place_and_no_hours(client, users, objects):
    log_in_as(client, users, "analyst")
    for method, name in MATRIX:
        if method == "GET":
            response = client.get(url_for(name, objects))
            assert response.status_code == 403, name
            page = response.content.decode()
            assert "P-hus" not in page
            assert objects["area"].name not in page


def test_outsider_lists_show_only_their_own_service(client, users, objects, other_service):
    FieldArea.objects.create(
        service=other_service,
        name="Nørrebro",
        boundary=SQUARE,
        valid_from=datetime.date(2020, 1, 1),
    )
    log_in_as(client, users, "outsider")
    for name in ("organisation:index", "organisation:map", "organisation:environments"):
        page = client.get(reverse(name)).content.decode()
        assert ("Nørrebro" in page) is (name != "organisation:environments")
        assert objects["area"].name not in page
        assert "P-hus" not in page
        assert "Russcene" not in page
