"""Places, the map, coverage and time use on a phone, with axe on every page."""

import datetime

import pytest
from django.utils import timezone

from feltbok.fieldwork.models import Encounter, FollowUpTime, Patrol, PatrolStatus, Shift
from feltbok.organisation import services
from feltbok.organisation.models import FieldArea

from .conftest import check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EAST = {
    "type": "Polygon",
    "coordinates": [
        [[10.76, 59.91], [10.78, 59.91], [10.78, 59.93], [10.76, 59.93], [10.76, 59.91]]
    ],
}


@pytest.fixture(autouse=True)
def english_pages(phone, live_server):
    """These tests read English page text (the default language is bokmål)."""
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def places(actors, service, area):
    lead = actors["team_lead"]
    east = services.create_area(
        lead,
        services.AreaData(name="Oslo S og omegn", boundary=EAST, valid_from=area.valid_from),
    )
    garage = services.create_place(
        lead,
        services.PlaceData(
            area=area,
            name="P-hus Grønland",
            kind="parking_garage",
            point={"type": "Point", "coordinates": [10.755, 59.915]},
        ),
    )
    services.create_place(
        lead,
        services.PlaceData(
            area=east,
            name="Oslo S",
            kind="station",
            point={"type": "Point", "coordinates": [10.752 + 0.0175, 59.911 + 0.001]},
        ),
    )
    services.create_place(
        lead, services.PlaceData(area=east, name="Dagsenteret", kind="day_centre")
    )
    services.create_environment(
        lead,
        services.EnvironmentData(
            area=area, name="Åpen russcene", kind="open_drug_scene", places=[garage]
        ),
    )
    old = FieldArea.objects.create(
        service=service,
        name="Brugata (2018)",
        boundary=EAST,
        valid_from=datetime.date(2018, 1, 1),
        valid_to=datetime.date(2019, 12, 31),
    )
    return {"east": east, "old": old}


# A 1×1 transparent PNG, served in place of map tiles: the tests reach no tile server.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4870000000049454e44ae426082"
)


def _csp_violations(page):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_map_shows_areas_and_places_without_a_tile_source(phone, users, service, area, places):
    assert service.map_tile_url == ""
    page = phone
    violations = _csp_violations(page)
    log_in(page, users["worker"])

    page.goto("/places/map/")
    page.wait_for_selector("path.leaflet-interactive")

    # Two areas in force as polygons and two places with a position as circle markers; the
    # ended area is not drawn, and with no tile source there are no tiles.
    assert page.locator("path.leaflet-interactive").count() == 4
    assert page.locator("path.leaflet-interactive.map-area").count() == 2
    assert page.locator("path.leaflet-interactive.map-place").count() == 2
    assert page.locator("img.leaflet-tile").count() == 0
    # The accessible alternative lists the same areas and places (and the unplaced one).
    listing = page.inner_text(".map-list")
    for name in (area.name, "Oslo S og omegn", "P-hus Grønland", "Oslo S", "Dagsenteret"):
        assert name in listing
    assert "Brugata (2018)" not in listing
    check_accessibility(page, "map")
    screenshot(page, "30-map")

    # A place's popup gives its name, as text.
    page.locator("path.map-place").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.inner_text().splitlines()[0] in {"P-hus Grønland", "Oslo S"}
    assert violations == []


def test_map_loads_tiles_from_the_services_tile_source(phone, users, service, area, places):
    service.map_tile_url = "https://tiles.example.test/{z}/{x}/{y}.png"
    service.save(update_fields=["map_tile_url"])
    page = phone
    violations = _csp_violations(page)
    served = []

    def tile(route):
        served.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=PIXEL)

    page.route("https://tiles.example.test/**", tile)
    log_in(page, users["worker"])

    page.goto("/places/map/")
    page.wait_for_selector("img.leaflet-tile-loaded")

    # The page's policy let the tile images through (a blocked request never reaches the
    # route), and the areas are drawn on top of them.
    assert served
    assert all(url.startswith("https://tiles.example.test/") for url in served)
    assert page.locator("path.leaflet-interactive.map-area").count() == 2
    assert "tiles.example.test" in page.inner_text(".leaflet-control-attribution")
    assert violations == []


def test_team_lead_manages_places_on_a_phone(phone, users, area, places):
    page = phone
    log_in(page, users["team_lead"])

    page.goto("/places/")
    assert "Brugata (2018)" in page.inner_text("main")
    check_accessibility(page, "field areas")
    page.click(f"a[href='/places/areas/{area.code}/']")
    check_accessibility(page, "field area")

    page.click(f"a[href='/places/areas/{area.code}/add-place/']")
    check_accessibility(page, "add place")
    page.fill("#id_name", "Vaterlandsparken")
    page.select_option("#id_kind", "park")
    page.fill("#id_latitude", "59.913")
    page.fill("#id_longitude", "10.757")
    page.click("form button[type=submit]")
    page.wait_for_url(f"**/places/areas/{area.code}/")
    assert "Vaterlandsparken" in page.inner_text("main")

    # A position outside the area is refused with a clear message.
    page.click(f"a[href='/places/areas/{area.code}/add-place/']")
    page.fill("#id_name", "Feil sted")
    page.select_option("#id_kind", "other")
    page.fill("#id_latitude", "59.95")
    page.fill("#id_longitude", "10.757")
    page.click("form button[type=submit]")
    assert "lies outside" in page.inner_text(".ds-alert")
    check_accessibility(page, "add place with an error")

    page.goto("/places/environments/")
    check_accessibility(page, "environments")
    page.click("a[href='/places/environments/new/']")
    check_accessibility(page, "new environment")
    page.goto(f"/places/areas/{area.code}/new-version/")
    check_accessibility(page, "new area version")


def _patrol(service, users, day, shift, areas, hours):
    started = datetime.datetime.combine(
        day, datetime.time(10 if shift == Shift.DAY else 18), tzinfo=timezone.get_current_timezone()
    )
    patrol = Patrol.objects.create(
        service=service,
        date=day,
        shift=shift,
        status=PatrolStatus.ENDED,
        started_at=started,
        ended_at=started + datetime.timedelta(hours=hours),
        first_member=users["worker"],
        second_member=users["colleague"],
    )
    patrol.areas.set(areas)
    Encounter.objects.create(
        service=service,
        patrol=patrol,
        occurred_at=started + datetime.timedelta(minutes=20),
        area=areas[0],
        kind="anonymous",
        head_count=3,
        contact_count=3,
        recorded_by=users["worker"],
    )
    return patrol


def test_team_lead_sees_the_weeks_coverage(phone, users, service, area, places):
    today = timezone.localdate()
    _patrol(service, users, today, Shift.EVENING, [area, places["east"]], 5)
    _patrol(service, users, today, Shift.DAY, [area], 4)
    page = phone
    log_in(page, users["team_lead"])

    page.goto("/statistics/coverage/")
    row = page.locator("tbody tr", has_text=area.name).first
    cells = row.locator("td")
    # Day and evening: one patrol each, three contacts each.
    for shift in (0, 1):
        assert cells.nth(shift).locator(".cell-patrols").text_content() == "1 patrol"
        assert cells.nth(shift).locator(".cell-contacts").text_content().startswith("3 ")
    check_accessibility(page, "coverage")
    screenshot(page, "31-coverage")


def test_time_use_from_registration_to_the_team_view(phone, browser, users, service, area):
    today = timezone.localdate()
    _patrol(service, users, today - datetime.timedelta(days=1), Shift.EVENING, [area], 4)
    page = phone
    log_in(page, users["worker"])

    page.goto("/statistics/time/register/")
    check_accessibility(page, "register time")
    page.fill("#id_minutes", "240")
    page.fill("#id_note", "Følge til boligkontoret")
    page.click("form button[type=submit]")
    page.wait_for_selector(".ds-alert")
    assert FollowUpTime.objects.get().minutes == 240

    page.fill("#id_minutes", "0")
    page.click("form button[type=submit]")
    page.wait_for_selector("[aria-invalid=true]")
    check_accessibility(page, "register time with an error")
    assert FollowUpTime.objects.count() == 1

    page.context.clear_cookies()
    log_in(page, users["team_lead"])
    page.goto("/statistics/time/")
    row = page.locator("tbody tr", has_text="Test Outreach worker").first
    assert [cell.inner_text() for cell in row.locator("td").all()][2] == "50 %"
    check_accessibility(page, "time use")
    screenshot(page, "32-time-use")
