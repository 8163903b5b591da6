"""A service that stores exact locations: the phone's position goes with a contact."""

from decimal import Decimal

from feltbok.fieldwork.models import Encounter
from feltbok.fieldwork.services import EncounterData, record_encounter
from feltbok.organisation.models import Service
from tests.e2e.conftest import PHONE, log_in


def test_the_phones_position_is_stored_with_the_contact(
    browser, live_server, users, area, person, patrol
):
    from feltbok.core.access import actor_for_user

    record_encounter(
        actor_for_user(users["worker"]),
        patrol,
        EncounterData(kind="individual", area=area, persons=[person]),
    )
    Service.objects.filter(pk=patrol.service_id).update(exact_location_enabled=True)
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        base_url=live_server.url,
        locale="nb-NO",
        geolocation={"latitude": 59.91234, "longitude": 10.75678},
        permissions=["geolocation"],
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, users["worker"])
        page.goto(f"/patrols/{patrol.code}/")
        page.click("a[href$='/known/']")
        page.click(f"a[href$='/contact/{person.code}/']")
        with page.expect_navigation():
            page.click("form[data-outbox=contact] button[type=submit]")
        page.wait_for_function("() => document.documentElement.dataset.unsent === '0'")
    finally:
        context.close()

    assert errors == []
    latest = Encounter.objects.order_by("-occurred_at").first()
    assert (latest.latitude, latest.longitude) == (Decimal("59.91234"), Decimal("10.75678"))


def test_the_administrator_turns_exact_locations_on(phone, users, service):
    from tests.e2e.conftest import check_accessibility, screenshot

    page = phone
    log_in(page, users["admin"])
    page.goto("/places/settings/")
    check_accessibility(page, "service settings")
    page.check("#id_exact_location_enabled")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    screenshot(page, "service-settings")
    service.refresh_from_db()
    assert service.exact_location_enabled is True
