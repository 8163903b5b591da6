"""The on-call line on a phone: a coordinator logs a call in under a minute and sends it to a
patrol under way; the board updates without reload; the patrol sees the inquiry in patrol mode,
is on it and closes it; the response time shows. Walk-in visits. Axe on every page.
"""

import time

import pytest

from feltbok.oncall import services
from feltbok.oncall.models import Inquiry, OncallSettings, WalkInVisit

from .conftest import PHONE, check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def english_pages(phone, live_server):
    """This test reads English page text (the default language is bokmål)."""
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def oncall(service):
    services.seed_default_hours(service)
    return OncallSettings.objects.create(
        service=service,
        public_slug="uteseksjonen",
        phone="913 03 913",
        walk_in_address="Maridalsveien 3",
    )


def fits_the_phone(page):
    """Nothing wider than the phone: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_a_call_is_logged_dispatched_and_closed_by_the_patrol(
    phone, browser, live_server, users, oncall, patrol, actors
):
    page = phone
    log_in(page, users["coordinator"])
    page.goto("/oncall/")
    check_accessibility(page, "board")
    fits_the_phone(page)

    # The call: in under a minute, counted from opening the form to the saved inquiry.
    started = time.monotonic()
    page.click("a[href='/oncall/new/']")
    page.check("input[name=urgency][value=acute]")
    page.fill("#id_concern", "Ung mann sitter alene i trappa, virker ruset og svarer dårlig.")
    page.fill("#id_where", "Vaterland parkeringshus, trapp B")
    page.fill("#id_when", "Nå")
    page.check("input[name=caller_type][value=citizen]")
    check_accessibility(page, "log a call")
    fits_the_phone(page)
    screenshot(page, "oncall-log-call")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    elapsed = time.monotonic() - started
    assert elapsed < 60, elapsed
    inquiry = Inquiry.objects.get()
    assert (inquiry.status, inquiry.urgency, inquiry.channel) == ("new", "acute", "phone")
    assert page.url.endswith(f"/oncall/{inquiry.code}/")
    check_accessibility(page, "new inquiry")
    fits_the_phone(page)

    # Only the patrol under way is offered; send it there.
    choices = page.locator("input[name=patrol]")
    assert choices.count() == 1
    page.check(f"input[name=patrol][value='{patrol.code}']")
    screenshot(page, "oncall-dispatch")
    with page.expect_navigation():
        page.click("form[action$='/dispatch/'] button[type=submit]")
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.patrol) == ("dispatched", patrol)
    assert page.inner_text("#response-time").strip().endswith("min")

    # The patrol sees it in patrol mode (a second phone) and is on it, then closes it.
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, base_url=live_server.url
    )
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    patrol_phone = context.new_page()
    log_in(patrol_phone, users["colleague"])
    patrol_phone.goto(f"/patrols/{patrol.code}/")
    section = patrol_phone.locator("#patrol-inquiries")
    assert "Vaterland parkeringshus, trapp B" in section.inner_text()
    check_accessibility(patrol_phone, "patrol mode with an inquiry")
    fits_the_phone(patrol_phone)
    screenshot(patrol_phone, "oncall-patrol")
    with patrol_phone.expect_navigation():
        section.locator("form[action$='/follow-up/'] button").click()
    assert patrol_phone.url.endswith(f"/patrols/{patrol.code}/")
    inquiry.refresh_from_db()
    assert inquiry.status == "following_up"

    # Meanwhile the board shows the change without a reload (htmx every 15 s).
    page.goto("/oncall/")
    assert "Being followed up" in page.inner_text("#board-list")
    patrol_phone.select_option(f"#close-outcome-{inquiry.code}", "met")
    patrol_phone.fill(f"#close-note-{inquiry.code}", "Fulgt til legevakten.")
    with patrol_phone.expect_navigation():
        patrol_phone.locator("#patrol-inquiries form[action$='/close/'] button").click()
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.outcome) == ("closed", "met")
    assert patrol_phone.locator("#patrol-inquiries").count() == 0
    context.close()
    page.wait_for_function(
        "() => document.querySelector('#closed-heading') !== null", timeout=20_000
    )
    assert "No open inquiries." in page.inner_text("#board-rows")
    check_accessibility(page, "board after the update")
    screenshot(page, "oncall-board")

    # The inquiry shows its response time and history.
    page.goto(f"/oncall/{inquiry.code}/")
    response_time = page.inner_text("#response-time")
    assert "min" in response_time
    assert "Fulgt til legevakten." in page.inner_text("main")
    # The feedback decision: a choice and its reason.
    page.check("input[name=feedback-feedback][value=received]")
    page.fill("#id_feedback-reason", "Innringer er nabo, ingen samtykke.")
    with page.expect_navigation():
        page.click("form[action$='/feedback/'] button[type=submit]")
    inquiry.refresh_from_db()
    assert inquiry.feedback == "received"
    check_accessibility(page, "closed inquiry")
    screenshot(page, "oncall-detail")


def test_walk_in_visits_on_a_phone(phone, users, oncall):
    page = phone
    log_in(page, users["worker"])
    page.goto("/oncall/walk-ins/")
    check_accessibility(page, "walk-ins")
    fits_the_phone(page)
    page.click("a[href='/oncall/walk-ins/new/']")
    page.select_option("#id_topic", "advice")
    page.fill("#id_who", "Lillebror")
    page.fill("#id_outcome", "Hjelp med søknad om bostøtte.")
    page.check("#id_follow_up_needed")
    # Refused first: follow-up needed, but not what.
    page.click("form button[type=submit]")
    assert "Say what follow-up is needed." in page.inner_text("main")
    assert WalkInVisit.objects.count() == 0
    page.fill("#id_follow_up", "Ringe NAV i morgen")
    check_accessibility(page, "walk-in form")
    fits_the_phone(page)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    visit = WalkInVisit.objects.get()
    assert (visit.who, visit.follow_up) == ("Lillebror", "Ringe NAV i morgen")
    assert "Lillebror" in page.inner_text("main")
    check_accessibility(page, "walk-ins of the day")
    screenshot(page, "oncall-walk-ins")


def test_opening_hours_page_on_a_phone(phone, users, oncall):
    page = phone
    log_in(page, users["team_lead"])
    page.goto("/oncall/settings/")
    check_accessibility(page, "opening hours")
    fits_the_phone(page)
    screenshot(page, "oncall-settings")
