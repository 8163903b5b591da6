"""Field areas (with history), places, environments and the map: services, selectors, views."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import SQUARE
from feltbok.audit.models import AuditEvent
from feltbok.fieldwork.models import PlannedPatrol, Shift, ShiftTemplate
from feltbok.organisation import selectors, services
from feltbok.organisation.models import Environment, FieldArea, Place

TODAY = datetime.date(2026, 3, 2)

# A second square east of SQUARE, with a hole in the middle.
EAST = {
    "type": "Polygon",
    "coordinates": [
        [[10.76, 59.91], [10.78, 59.91], [10.78, 59.93], [10.76, 59.93], [10.76, 59.91]],
        [[10.765, 59.915], [10.775, 59.915], [10.775, 59.925], [10.765, 59.925], [10.765, 59.915]],
    ],
}
INSIDE = {"type": "Point", "coordinates": [10.755, 59.915]}
OUTSIDE = {"type": "Point", "coordinates": [10.9, 59.915]}


def audit_count(service):
    return AuditEvent.objects.filter(service=service).count()


def make_place(actor, area, name="P-hus Grønland", point=None, kind="parking_garage"):
    return services.create_place(
        actor, services.PlaceData(area=area, name=name, kind=kind, point=point)
    )


def state():
    """Everything a refused or bad request must leave as it was."""
    return (
        list(FieldArea.objects.order_by("pk").values_list("name", "valid_from", "valid_to")),
        list(Place.objects.order_by("pk").values_list("name", "area_id", "point", "is_active")),
        list(Environment.objects.order_by("pk").values_list("name", "area_id", "is_active")),
        AuditEvent.objects.count(),
    )


# -- GeoJSON ------------------------------------------------------------------------------


def test_parse_polygon_accepts_a_bare_polygon_a_feature_and_a_collection_of_one():
    text = json.dumps(SQUARE)
    feature = json.dumps({"type": "Feature", "properties": {"x": 1}, "geometry": SQUARE})
    collection = json.dumps(
        {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": SQUARE}]}
    )

    assert services.parse_polygon(text) == SQUARE
    assert services.parse_polygon(feature) == SQUARE
    assert services.parse_polygon(collection) == SQUARE


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "{",
        '{"type": "Point", "coordinates": [10.75, 59.91]}',
        '{"type": "Polygon", "coordinates": [[[10.75, 59.91], [10.76, 59.91], [10.76, 59.92]]]}',
        '{"type": "Polygon", "coordinates": [[[200, 59.91], [10.76, 59.91], [10.76, 59.92], '
        "[200, 59.91]]]}",
        '{"type": "Polygon", "coordinates": [[[NaN, 59.91], [10.76, 59.91], [10.76, 59.92], '
        "[NaN, 59.91]]]}",
        '{"type": "Polygon", "coordinates": [[[true, 59.91], [10.76, 59.91], [10.76, 59.92], '
        "[true, 59.91]]]}",
        '{"type": "Polygon", "coordinates": [[[10.75, 59.91], [10.76, 59.91], [10.75, 59.91], '
        "[10.75, 59.91]]]}",
        '{"type": "FeatureCollection", "features": []}',
        "[1, 2, 3]",
        "\x00\x01\x02",
        " " * 10,
    ],
)
def test_parse_polygon_refuses_anything_else_with_a_message(text):
    with pytest.raises(services.PlacesError) as error:
        services.parse_polygon(text)
    assert str(error.value)


def test_parse_polygon_refuses_a_huge_paste():
    with pytest.raises(services.PlacesError, match="too large"):
        services.parse_polygon("[" * (services.MAX_GEOJSON_CHARS + 1))


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        ({"type": "Point", "coordinates": [10.77, 59.92]}, False),  # in the hole
        ({"type": "Point", "coordinates": [10.762, 59.912]}, True),
        ({"type": "Point", "coordinates": [10.76, 59.92]}, True),  # on the outer edge
        ({"type": "Point", "coordinates": [10.765, 59.92]}, True),  # on the hole's edge
        ({"type": "Point", "coordinates": [10.79, 59.92]}, False),
    ],
)
def test_polygon_contains(point, inside):
    assert services.polygon_contains(EAST, point) is inside


@pytest.mark.parametrize(
    ("lon", "lat"), [(10.75, 95), (190, 59.9), (float("nan"), 59.9), (True, 59.9), ("10", 59)]
)
def test_make_point_refuses_positions_out_of_range(lon, lat):
    with pytest.raises(services.PlacesError, match="GeoJSON Point"):
        services.make_point(lon, lat)


def test_make_point_rounds_to_six_decimals():
    assert services.make_point(10.123456789, 59.987654321) == {
        "type": "Point",
        "coordinates": [10.123457, 59.987654],
    }


# -- Field areas --------------------------------------------------------------------------


def test_create_area_is_stored_and_audited(actors, service):
    lead = actors["team_lead"]
    before = audit_count(service)

    area = services.create_area(
        lead, services.AreaData(name=" Brugata/Storgata ", boundary=SQUARE, valid_from=TODAY)
    )

    area.refresh_from_db()
    assert (area.name, area.boundary, area.valid_from, area.valid_to) == (
        "Brugata/Storgata",
        SQUARE,
        TODAY,
        None,
    )
    event = AuditEvent.objects.filter(service=service).order_by("-seq").first()
    assert audit_count(service) == before + 1
    assert (event.action, event.object_type, event.object_id) == (
        "create",
        "fieldarea",
        str(area.code),
    )


def test_a_second_area_with_a_name_in_use_is_refused(actors, area):
    before = state()
    with pytest.raises(services.PlacesError, match="Make a new version"):
        services.create_area(
            actors["admin"],
            services.AreaData(name=area.name.upper(), boundary=SQUARE, valid_from=TODAY),
        )
    assert state() == before


def test_workers_cannot_manage_areas(actors):
    with pytest.raises(PermissionDenied):
        services.create_area(
            actors["worker"], services.AreaData(name="X", boundary=SQUARE, valid_from=TODAY)
        )


def test_new_version_keeps_history_and_moves_what_is_inside(actors, service, area, team):
    lead = actors["team_lead"]
    inside = make_place(lead, area, "Inside", INSIDE)
    no_position = make_place(lead, area, "Somewhere")
    retired = make_place(lead, area, "Retired")
    services.set_place_active(lead, retired, False)
    # The new boundary is EAST, so INSIDE (in SQUARE, west of 10.76) is left behind.
    environment = services.create_environment(
        lead,
        services.EnvironmentData(area=area, name="Scene", kind="open_drug_scene"),
    )
    template = ShiftTemplate.objects.create(
        service=service,
        name="Evening",
        shift=Shift.EVENING,
        weekday=0,
        start_time=datetime.time(18),
        end_time=datetime.time(23),
    )
    template.areas.add(area)
    starts = datetime.datetime(2026, 3, 9, 18, tzinfo=timezone.get_current_timezone())
    planned_later = PlannedPatrol.objects.create(
        service=service,
        date=datetime.date(2026, 3, 9),
        shift=Shift.EVENING,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=5),
    )
    planned_later.areas.add(area)
    starts = datetime.datetime(2026, 3, 2, 18, tzinfo=timezone.get_current_timezone())
    planned_before = PlannedPatrol.objects.create(
        service=service,
        date=datetime.date(2026, 3, 2),
        shift=Shift.EVENING,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=5),
    )
    planned_before.areas.add(area)
    before = audit_count(service)

    result = services.new_area_version(
        lead,
        area,
        services.AreaData(name=area.name, boundary=EAST, valid_from=datetime.date(2026, 3, 5)),
    )

    new = result.area
    area.refresh_from_db()
    assert area.valid_to == datetime.date(2026, 3, 4)
    assert (new.name, new.boundary, new.valid_from, new.valid_to) == (
        area.name,
        EAST,
        datetime.date(2026, 3, 5),
        None,
    )
    assert [p.name for p in result.moved_places] == ["Somewhere"]
    assert [p.name for p in result.places_left] == ["Inside"]
    assert set(Place.objects.filter(area=new).values_list("name", flat=True)) == {"Somewhere"}
    assert set(Place.objects.filter(area=area).values_list("name", flat=True)) == {
        "Inside",
        "Retired",
    }
    inside.refresh_from_db()
    no_position.refresh_from_db()
    assert (inside.area_id, no_position.area_id) == (area.pk, new.pk)
    environment.refresh_from_db()
    assert environment.area_id == new.pk
    assert list(template.areas.all()) == [new]
    assert list(planned_later.areas.all()) == [new]
    assert list(planned_before.areas.all()) == [area]
    assert audit_count(service) == before + 2
    assert FieldArea.objects.filter(name=area.name).count() == 2


@pytest.mark.parametrize(
    ("valid_from", "message"),
    [
        (datetime.date(2018, 1, 1), "must start after"),
        (datetime.date(2017, 6, 1), "must start after"),
    ],
)
def test_new_version_must_start_after_the_current_one(actors, area, valid_from, message):
    before = state()
    with pytest.raises(services.PlacesError, match=message):
        services.new_area_version(
            actors["team_lead"],
            area,
            services.AreaData(name=area.name, boundary=EAST, valid_from=valid_from),
        )
    assert state() == before


def test_new_version_of_an_ended_area_is_refused(actors, area):
    services.end_area(actors["team_lead"], area, datetime.date(2020, 1, 1))
    before = state()
    with pytest.raises(services.PlacesError, match="Create a new area instead"):
        services.new_area_version(
            actors["team_lead"],
            area,
            services.AreaData(name=area.name, boundary=EAST, valid_from=TODAY),
        )
    assert state() == before


def test_end_area(actors, service, area):
    before = audit_count(service)

    services.end_area(actors["admin"], area, datetime.date(2025, 12, 31))

    area.refresh_from_db()
    assert area.valid_to == datetime.date(2025, 12, 31)
    assert audit_count(service) == before + 1
    assert list(FieldArea.objects.valid_on(datetime.date(2026, 1, 1))) == []
    assert list(FieldArea.objects.valid_on(datetime.date(2025, 12, 31))) == [area]


def test_area_cannot_end_before_it_starts(actors, area):
    before = state()
    with pytest.raises(services.PlacesError, match="cannot end before it starts"):
        services.end_area(actors["admin"], area, datetime.date(2017, 12, 31))
    assert state() == before


def test_area_of_another_service_is_refused(actors, other_service):
    foreign = FieldArea.objects.create(
        service=other_service, name="Nørrebro", boundary=SQUARE, valid_from=TODAY
    )
    before = state()
    with pytest.raises(services.PlacesError, match="Unknown field area"):
        services.end_area(actors["team_lead"], foreign, TODAY)
    with pytest.raises(services.PlacesError, match="Unknown field area"):
        make_place(actors["team_lead"], foreign)
    assert state() == before


# -- Places -------------------------------------------------------------------------------


def test_create_place_with_position(actors, service, area):
    before = audit_count(service)

    place = make_place(actors["team_lead"], area, " Oslo bussterminal ", INSIDE, "station")

    place.refresh_from_db()
    assert (place.name, place.kind, place.point, place.is_active, place.area_id) == (
        "Oslo bussterminal",
        "station",
        INSIDE,
        True,
        area.pk,
    )
    assert audit_count(service) == before + 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"point": OUTSIDE}, "lies outside"),
        ({"point": {"type": "Point", "coordinates": [10.75, 95]}}, "GeoJSON Point"),
        ({"point": {"type": "Polygon", "coordinates": []}}, "GeoJSON Point"),
        ({"kind": "bunker"}, "what kind of place"),
        ({"name": "   "}, "Give the place a name"),
        ({"name": "x" * 121}, "at most 120"),
        ({"name": "P\x00hus"}, "cannot be stored"),
        ({"description": "y" * 301}, "at most 300"),
    ],
)
def test_bad_place_input_stores_nothing(actors, area, changes, message):
    data = {"area": area, "name": "P-hus", "kind": "parking_garage", "point": None, **changes}
    before = state()
    with pytest.raises(services.PlacesError, match=message):
        services.create_place(actors["team_lead"], services.PlaceData(**data))
    assert state() == before


def test_place_names_are_unique_per_area(actors, area, second_area):
    make_place(actors["team_lead"], area, "Kirken")
    before = state()
    with pytest.raises(services.PlacesError, match="already has a place called"):
        make_place(actors["team_lead"], area, "kirken")
    assert state() == before
    assert make_place(actors["team_lead"], second_area, "Kirken").area == second_area


def test_places_cannot_be_added_to_an_ended_area(actors, area):
    services.end_area(actors["team_lead"], area, datetime.date(2020, 1, 1))
    before = state()
    with pytest.raises(services.PlacesError, match="has ended"):
        make_place(actors["team_lead"], area)
    assert state() == before


def test_update_place_audits_what_changed(actors, service, area):
    place = make_place(actors["team_lead"], area, "Kirken")
    before = audit_count(service)

    services.update_place(
        actors["team_lead"],
        place,
        services.PlaceData(area=area, name="Kirken", kind="other", point=INSIDE),
    )
    services.update_place(  # no change: no audit row
        actors["team_lead"],
        place,
        services.PlaceData(area=area, name="Kirken", kind="other", point=INSIDE),
    )

    place.refresh_from_db()
    assert (place.kind, place.point) == ("other", INSIDE)
    events = AuditEvent.objects.filter(service=service).order_by("seq")[before:]
    assert [event.detail for event in events] == [{"changed": ["kind", "point"]}]


def test_deactivate_and_reactivate_a_place(actors, service, area):
    place = make_place(actors["team_lead"], area)
    before = audit_count(service)

    services.set_place_active(actors["team_lead"], place, False)
    services.set_place_active(actors["team_lead"], place, False)  # already: nothing to log
    assert place.is_active is False
    services.set_place_active(actors["team_lead"], place, True)

    place.refresh_from_db()
    assert place.is_active is True
    assert audit_count(service) == before + 2


# -- Environments -------------------------------------------------------------------------


def test_create_and_update_an_environment(actors, service, area, second_area):
    lead = actors["team_lead"]
    garage = make_place(lead, area, "P-hus")
    station = make_place(lead, area, "Stasjon")
    elsewhere = make_place(lead, second_area, "Parken")

    environment = services.create_environment(
        lead,
        services.EnvironmentData(
            area=area,
            name="Åpen russcene",
            kind="open_drug_scene",
            places=[garage, station, garage],
            description="Ettermiddag og kveld.",
        ),
    )
    assert sorted(environment.places.values_list("name", flat=True)) == ["P-hus", "Stasjon"]

    before = state()
    with pytest.raises(services.PlacesError, match="Choose only places in"):
        services.update_environment(
            lead,
            environment,
            services.EnvironmentData(
                area=area, name="Åpen russcene", kind="open_drug_scene", places=[elsewhere]
            ),
        )
    assert state() == before

    services.update_environment(
        lead,
        environment,
        services.EnvironmentData(
            area=second_area, name="Åpen russcene", kind="youth", places=[elsewhere]
        ),
    )
    environment.refresh_from_db()
    assert (environment.area_id, environment.kind) == (second_area.pk, "youth")
    assert list(environment.places.values_list("name", flat=True)) == ["Parken"]
    last = AuditEvent.objects.filter(service=service).order_by("-seq").first()
    assert last.detail == {"changed": ["area", "description", "kind", "places"]}


def test_environment_names_are_unique_and_kinds_known(actors, area):
    lead = actors["team_lead"]
    services.create_environment(
        lead, services.EnvironmentData(area=area, name="Ungdom", kind="youth")
    )
    before = state()
    with pytest.raises(services.PlacesError, match="already an environment"):
        services.create_environment(
            lead, services.EnvironmentData(area=area, name="UNGDOM", kind="youth")
        )
    with pytest.raises(services.PlacesError, match="kind of environment"):
        services.create_environment(
            lead, services.EnvironmentData(area=area, name="Annet", kind="party")
        )
    assert state() == before


def test_stop_following_an_environment(actors, area):
    lead = actors["team_lead"]
    environment = services.create_environment(
        lead, services.EnvironmentData(area=area, name="Ungdom", kind="youth")
    )
    services.set_environment_active(lead, environment, False)
    environment.refresh_from_db()
    assert environment.is_active is False


# -- Selectors ----------------------------------------------------------------------------


def test_area_overview_splits_current_coming_and_history(actors, service, area):
    lead = actors["team_lead"]
    services.end_area(lead, area, datetime.date(2024, 12, 31))
    current = services.create_area(
        lead, services.AreaData(name="Oslo S", boundary=SQUARE, valid_from=TODAY)
    )
    coming = services.create_area(
        lead,
        services.AreaData(name="Tøyen", boundary=EAST, valid_from=TODAY + datetime.timedelta(1)),
    )
    make_place(lead, current, "Stasjon")

    overview = selectors.area_overview(actors["worker"], day=TODAY)

    assert [a.name for a in overview.current] == ["Oslo S"]
    assert [a.name for a in overview.upcoming] == [coming.name]
    assert [a.name for a in overview.historic] == [area.name]
    assert overview.current[0].place_count == 1


def test_map_data_holds_areas_in_use_and_their_places_with_a_position(
    actors, service, area, second_area
):
    lead = actors["team_lead"]
    make_place(lead, area, "Kirken", INSIDE, "other")
    make_place(lead, area, "Uten posisjon")
    retired = make_place(lead, area, "Nedlagt", {"type": "Point", "coordinates": [10.751, 59.911]})
    services.set_place_active(lead, retired, False)
    services.end_area(lead, second_area, datetime.date(2020, 1, 1))

    result = selectors.map_data(actors["peer_worker"])

    assert result["data"] == {
        "tiles": "",
        "areas": [{"name": area.name, "boundary": SQUARE}],
        "places": [
            {
                "name": "Kirken",
                "kind": "Other place",
                "area": area.name,
                "safety": "",
                "lon": 10.755,
                "lat": 59.915,
            }
        ],
    }
    assert result["tile_origin"] == ""
    assert [p.name for p in result["areas"][0].active_places] == ["Kirken", "Uten posisjon"]


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.example:8443/{z}/{x}/{y}.png", "https://*.tiles.example:8443"),
        ("http://tile.openstreetmap.org/{z}/{x}/{y}.png", ""),
        ("https://tile.openstreetmap.org/tiles.png", ""),
        ("https://evil.example; script-src */{z}/{x}/{y}.png", ""),
        ("https://user:pw@tiles.example/{z}/{x}/{y}.png", ""),
        ("javascript:alert(1)//{z}/{x}/{y}", ""),
        ("", ""),
    ],
)
def test_tile_origin(url, origin):
    assert selectors.tile_origin(url) == origin


def test_analysts_do_not_see_places(actors):
    with pytest.raises(PermissionDenied):
        selectors.area_overview(actors["analyst"])
    with pytest.raises(PermissionDenied):
        selectors.map_data(actors["analyst"])


# -- Views --------------------------------------------------------------------------------


def directives(policy):
    """A Content-Security-Policy header as {directive: sources} (its order is not fixed)."""
    pairs = (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    return {name: sources for name, _sep, sources in pairs}


def test_map_page_renders_data_as_json_and_no_inline_script(login, actors, area):
    make_place(actors["team_lead"], area, "Kirken </script><script>alert(1)</script>", INSIDE)

    response = login("worker").get(reverse("organisation:map"))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<script id="map-data" type="application/json">' in page
    assert "<script>alert(1)" not in page
    data = json.loads(page.split('<script id="map-data" type="application/json">')[1].split("<")[0])
    assert data["areas"] == [{"name": area.name, "boundary": SQUARE}]
    assert data["places"][0]["name"] == "Kirken </script><script>alert(1)</script>"
    policy = response["Content-Security-Policy"]
    assert directives(policy)["img-src"] == "'self' data:"
    assert directives(policy)["script-src"] == "'self'"


def test_map_page_allows_the_tile_origin_for_images_only(login, service, area):
    service.map_tile_url = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    service.save(update_fields=["map_tile_url"])

    response = login("worker").get(reverse("organisation:map"))

    policy = response["Content-Security-Policy"]
    assert directives(policy)["img-src"] == "'self' data: https://*.tile.example.org"
    assert directives(policy)["script-src"] == "'self'"
    other = login("worker").get(reverse("organisation:index"))
    assert "tile.example.org" not in other["Content-Security-Policy"]


def test_create_area_through_the_form(login, service):
    response = login("team_lead").post(
        reverse("organisation:area_create"),
        {"name": "Brugata", "boundary": json.dumps(SQUARE), "valid_from": "2026-03-02"},
    )

    area = FieldArea.objects.get(name="Brugata")
    assert response.status_code == 302
    assert response["Location"] == reverse("organisation:area", kwargs={"code": area.code})
    assert (area.boundary, area.valid_from) == (SQUARE, TODAY)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"boundary": "{not json"}, "Paste a GeoJSON Polygon"),
        ({"boundary": '{"type": "Point", "coordinates": [1, 2]}'}, "Paste a GeoJSON Polygon"),
        (
            {
                "boundary": '{"type": "Polygon", "coordinates": [[[10, 91], [11, 91], '
                "[11, 92], [10, 91]]]}"
            },
            "GeoJSON Polygon",
        ),
        ({"name": "\x00\x01"}, "Null characters are not allowed"),
        ({"valid_from": "2026-02-30"}, "Enter a valid date"),
        ({"boundary": "\x00"}, "Null characters are not allowed"),
    ],
)
def test_bad_area_input_is_a_clear_message(login, service, payload, message):
    data = {"name": "Brugata", "boundary": json.dumps(SQUARE), "valid_from": "2026-03-02"}
    data.update(payload)
    before = state()

    response = login("team_lead").post(reverse("organisation:area_create"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert state() == before


def test_new_version_through_the_form(login, area):
    response = login("admin").post(
        reverse("organisation:area_version", kwargs={"code": area.code}),
        {"name": area.name, "boundary": json.dumps(EAST), "valid_from": "2026-03-02"},
    )

    new = FieldArea.objects.get(name=area.name, valid_to__isnull=True)
    area.refresh_from_db()
    assert response.status_code == 302
    assert (area.valid_to, new.boundary) == (datetime.date(2026, 3, 1), EAST)


def test_end_area_through_the_form(login, area):
    url = reverse("organisation:area_end", kwargs={"code": area.code})
    before = state()

    bad = login("team_lead").post(url, {"valid_to": "2017-01-01"})
    assert bad.status_code == 400
    assert "cannot end before it starts" in bad.content.decode()
    assert state() == before

    good = login("team_lead").post(url, {"valid_to": "2025-06-30"})
    area.refresh_from_db()
    assert good.status_code == 302
    assert area.valid_to == datetime.date(2025, 6, 30)


def test_add_place_through_the_form(login, area):
    response = login("team_lead").post(
        reverse("organisation:place_create", kwargs={"code": area.code}),
        {
            "name": "Oslo S",
            "kind": "station",
            "area": str(area.code),
            "latitude": "59.915",
            "longitude": "10.755",
        },
    )

    place = Place.objects.get()
    assert response.status_code == 302
    assert (place.name, place.point) == ("Oslo S", INSIDE)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"latitude": "95"}, "less than or equal to 90"),
        ({"longitude": "-181"}, "greater than or equal to -180"),
        ({"latitude": ""}, "Give both latitude and longitude, or neither."),
        ({"longitude": "10.9"}, "lies outside"),
        ({"latitude": "nan"}, "Enter a number"),
        ({"kind": "bunker"}, "Select a valid choice"),
        ({"area": "00000000-0000-0000-0000-000000000000"}, "Select a valid choice"),
        ({"name": "\x00"}, "Null characters are not allowed"),
        ({"name": "\x01\x02"}, "cannot be stored"),
    ],
)
def test_bad_place_input_through_the_form(login, area, payload, message):
    data = {
        "name": "Oslo S",
        "kind": "station",
        "area": str(area.code),
        "latitude": "59.915",
        "longitude": "10.755",
        **payload,
    }
    before = state()

    response = login("team_lead").post(
        reverse("organisation:place_create", kwargs={"code": area.code}), data
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert state() == before


def test_area_of_another_service_is_a_404(login, other_service, area):
    foreign = FieldArea.objects.create(
        service=other_service, name="Nørrebro", boundary=SQUARE, valid_from=TODAY
    )
    client = login("team_lead")
    before = state()

    for name in ("area", "area_version", "area_end", "place_create"):
        url = reverse(f"organisation:{name}", kwargs={"code": foreign.code})
        assert client.get(url).status_code == 404
    response = client.post(
        reverse("organisation:place_create", kwargs={"code": foreign.code}),
        {"name": "X", "kind": "station", "area": str(foreign.code)},
    )
    assert response.status_code == 404
    # The foreign area is not a choice in our own forms either.
    response = client.post(
        reverse("organisation:place_create", kwargs={"code": area.code}),
        {"name": "X", "kind": "station", "area": str(foreign.code)},
    )
    assert response.status_code == 400
    assert state() == before


def test_edit_place_through_the_form(login, actors, area, second_area):
    place = make_place(actors["team_lead"], area, "Kirken", INSIDE)
    url = reverse("organisation:place_edit", kwargs={"code": place.code})
    client = login("team_lead")

    page = client.get(url).content.decode()
    assert 'value="59.915"' in page

    response = client.post(
        url, {"name": "Kirkeparken", "kind": "park", "area": str(second_area.code)}
    )
    place.refresh_from_db()
    assert response.status_code == 302
    assert (place.name, place.kind, place.area_id, place.point) == (
        "Kirkeparken",
        "park",
        second_area.pk,
        None,
    )


def test_deactivate_place_through_the_form(login, actors, area):
    place = make_place(actors["team_lead"], area)
    client = login("team_lead")

    response = client.post(reverse("organisation:place_deactivate", kwargs={"code": place.code}))
    place.refresh_from_db()
    assert response.status_code == 302
    assert place.is_active is False

    services.end_area(actors["team_lead"], area, datetime.date(2020, 1, 1))
    before = state()
    response = client.post(reverse("organisation:place_reactivate", kwargs={"code": place.code}))
    assert response.status_code == 400
    assert "area has ended" in response.content.decode()
    assert state() == before


def test_environment_through_the_form(login, actors, area, second_area):
    garage = make_place(actors["team_lead"], area, "P-hus")
    client = login("team_lead")

    response = client.post(
        reverse("organisation:environment_create"),
        {
            "name": "Russcene",
            "kind": "open_drug_scene",
            "area": str(area.code),
            "places": [str(garage.code)],
        },
    )
    environment = Environment.objects.get()
    assert response.status_code == 302
    assert list(environment.places.all()) == [garage]

    before = state()
    response = client.post(
        reverse("organisation:environment_edit", kwargs={"code": environment.code}),
        {
            "name": "Russcene",
            "kind": "open_drug_scene",
            "area": str(second_area.code),
            "places": [str(garage.code)],
        },
    )
    assert response.status_code == 400
    assert "Choose only places in" in response.content.decode()
    assert state() == before


# -- Query counts -------------------------------------------------------------------------


def _grow(actor, area, prefix, count):
    """`count` more areas (each with three places and an environment), and places in `area`."""
    for i in range(count):
        extra = services.create_area(
            actor, services.AreaData(name=f"{prefix} {i}", boundary=SQUARE, valid_from=TODAY)
        )
        places = [make_place(actor, extra, f"{prefix} {i}.{j}", INSIDE) for j in range(3)]
        services.create_environment(
            actor,
            services.EnvironmentData(
                area=extra, name=f"{prefix} miljø {i}", kind="youth", places=places
            ),
        )
        make_place(actor, area, f"{prefix} sted {i}", INSIDE)
        services.create_environment(
            actor,
            services.EnvironmentData(
                area=area, name=f"{prefix} miljø i {i}", kind="youth", places=places[:0]
            ),
        )


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["index", "map", "environments", "area"])
def test_pages_use_a_constant_number_of_queries(login, actors, area, name):
    client = login("team_lead")
    kwargs = {"code": area.code} if name == "area" else {}
    url = reverse(f"organisation:{name}", kwargs=kwargs)
    client.get(url)  # the session's first request also checks the second factor
    _grow(actors["team_lead"], area, "Liten", 1)
    small = _queries(client, url)

    _grow(actors["team_lead"], area, "Stor", 8)
    large = _queries(client, url)

    assert small == large
    assert large <= 12


def test_a_places_staff_safety_note_is_kept_shown_on_the_map_and_audited(actors, area):
    lead = actors["team_lead"]
    place = make_place(lead, area, "P-hus Vaterland", INSIDE, "parking_garage")
    data = services.PlaceData(
        area=area,
        name=place.name,
        kind=place.kind,
        point=place.point,
        safety_note="  Aldri gå inn alene.  ",
    )

    services.update_place(lead, place, data)

    place.refresh_from_db()
    assert place.safety_note == "Aldri gå inn alene."
    assert place.label_with_safety == "⚠ P-hus Vaterland: Aldri gå inn alene."
    event = AuditEvent.objects.filter(object_id=str(place.code)).latest("seq")
    assert "safety_note" in event.detail["changed"]
    [shown] = selectors.map_data(actors["worker"])["data"]["places"]
    assert shown["safety"] == "⚠ Aldri gå inn alene."


def test_a_too_long_safety_note_is_refused_and_nothing_changes(actors, area):
    lead = actors["team_lead"]
    place = make_place(lead, area, "Stasjonen", INSIDE, "station")
    data = services.PlaceData(
        area=area, name=place.name, kind=place.kind, point=place.point, safety_note="x" * 201
    )
    with pytest.raises(services.PlacesError):
        services.update_place(lead, place, data)
    place.refresh_from_db()
    assert place.safety_note == ""
