"""Emergency access on a phone: a worker opens a person outside their normal scope, gives a
reason, sees the record; the team lead finds it in the list and the review. axe on every page."""

import pytest

from feltbok.oversight.models import EmergencyAccess
from feltbok.oversight.tests.conftest import make_person

from .conftest import PHONE, check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "Politiet ringte: han er meldt savnet i natt"


def check_page(page, name):
    check_accessibility(page, name)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name


@pytest.fixture(autouse=True)
def english_pages(phone, live_server):
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def test_break_the_glass_and_the_team_lead_sees_it(browser, phone, live_server, users, service):
    person = make_person(
        service, users["team_lead"], "Svalen", days_ago=730, last_contact_days_ago=400
    )
    page = phone
    log_in(page, users["worker"])

    page.goto(f"/people/{person.code}/")
    page.wait_for_url(f"**/oversight/people/{person.code}/emergency/")
    assert "outside your normal scope" in page.inner_text("main")
    check_page(page, "reason page")

    # Too short: refused, nothing stored.
    page.check("input[name=reason_kind][value=inquiry]")
    page.fill("#id_reason_text", "fordi")
    page.click("form.stack button[type=submit]")
    assert "at least 10 characters" in page.inner_text("main")
    assert EmergencyAccess.objects.count() == 0
    check_page(page, "reason page with an error")

    page.fill("#id_reason_text", REASON)
    screenshot(page, "oversight-emergency")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"**/people/{person.code}/")
    assert "Emergency access until" in page.inner_text("main")
    assert "Svalen" in page.inner_text("h1")
    check_page(page, "person page under emergency access")
    assert EmergencyAccess.objects.get().reason_text == REASON

    lead = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        base_url=live_server.url,
    )
    lead.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    lead_page = lead.new_page()
    log_in(lead_page, users["team_lead"])
    lead_page.goto("/oversight/emergency/")
    rows = lead_page.locator("tr.grant")
    assert rows.count() == 1
    assert "Svalen" in rows.inner_text()
    assert REASON in rows.inner_text()
    check_page(lead_page, "emergency accesses")
    screenshot(lead_page, "oversight-emergency-list")

    lead_page.goto("/oversight/review/")
    assert lead_page.locator("tr.finding-emergency").count() == 1
    check_page(lead_page, "access review")
    lead_page.goto("/oversight/report/")
    check_page(lead_page, "monthly report")
    lead.close()
