"""Issue 5's first "Done when" as one chain: a citizen reports a concern in Danish on the public
form; a coordinator finds it on the board and dispatches it to the patrol under way; the patrol
sees it in patrol mode and closes it; the inquiry shows its response time."""

import pytest

from feltbok.oncall.models import Inquiry, OncallSettings
from feltbok.oncall.services import seed_default_hours

from .conftest import PHONE, check_accessibility, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_from_the_public_form_to_the_patrol(phone, browser, live_server, service, users, patrol):
    seed_default_hours(service)
    OncallSettings.objects.create(service=service, public_slug="uteseksjonen")
    page = phone

    # The citizen, in Danish, without an account.
    page.context.add_cookies([{"name": "django_language", "value": "da", "url": live_server.url}])
    page.goto("/concern/uteseksjonen/")
    assert page.get_attribute("html", "lang") == "da"
    page.check("input[name=signs][value=wanders]")
    page.fill("#id_concern", "En ung mand sover i opgangen og virker meget syg.")
    page.fill("#id_where", "Vaterland, opgang B")
    page.fill("#id_when", "Nu")
    with page.expect_navigation():
        page.click("form[action='/concern/uteseksjonen/'] button[type=submit]")
    assert page.url.endswith("/concern/uteseksjonen/received/")
    inquiry = Inquiry.objects.get()
    assert (inquiry.channel, inquiry.status) == ("public_form", "new")

    # The coordinator finds it on the board and sends it to the patrol under way.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    log_in(page, users["coordinator"])
    page.goto("/oncall/")
    assert "Vaterland, opgang B" in page.inner_text("#board-list")
    page.goto(f"/oncall/{inquiry.code}/")
    page.check(f"input[name=patrol][value='{patrol.code}']")
    with page.expect_navigation():
        page.click("form[action$='/dispatch/'] button[type=submit]")
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.patrol) == ("dispatched", patrol)

    # The patrol, on its own phone, sees it in patrol mode and closes it.
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, base_url=live_server.url
    )
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    patrol_phone = context.new_page()
    log_in(patrol_phone, users["worker"])
    patrol_phone.goto(f"/patrols/{patrol.code}/")
    section = patrol_phone.locator("#patrol-inquiries")
    assert "Vaterland, opgang B" in section.inner_text()
    patrol_phone.select_option(f"#close-outcome-{inquiry.code}", "met")
    patrol_phone.fill(f"#close-note-{inquiry.code}", "Fulgt til legevakten.")
    with patrol_phone.expect_navigation():
        section.locator("form[action$='/close/'] button").click()
    context.close()
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.outcome) == ("closed", "met")

    # The inquiry shows its response time.
    page.goto(f"/oncall/{inquiry.code}/")
    assert page.inner_text("#response-time").strip().endswith("min")
    check_accessibility(page, "closed inquiry from the public form")
