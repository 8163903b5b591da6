"""The public concern form on a phone: a citizen in Denmark reports in Danish without an
account and gets a receipt that shows nothing of what was sent; a coordinator finds it on the
board. Axe on the form in all four languages.
"""

import pytest

from feltbok.oncall.models import Inquiry, OncallSettings
from feltbok.oncall.services import seed_default_hours

from .conftest import PHONE, check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def danish(other_service):
    seed_default_hours(other_service)
    return OncallSettings.objects.create(
        service=other_service, public_slug="det-opsogende-team", time_zone="Europe/Copenhagen"
    )


@pytest.fixture
def oslo(service):
    seed_default_hours(service)
    return OncallSettings.objects.create(
        service=service,
        public_slug="uteseksjonen",
        phone="913 03 913",
        walk_in_address="Maridalsveien 3",
    )


def set_language(page, live_server, language):
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_a_citizen_reports_in_danish_and_gets_the_receipt(phone, live_server, danish, users):
    page = phone
    set_language(page, live_server, "da")
    page.goto("/concern/")
    # Only one service takes reports here: /concern/ goes straight to its form.
    page.wait_for_url("**/concern/det-opsogende-team/")
    assert page.get_attribute("html", "lang") == "da"
    assert page.locator("a[href='tel:112']").count() >= 1
    check_accessibility(page, "concern form (da)")
    fits_the_phone(page)

    # Empty first: a clear message, nothing stored.
    page.click("form[action='/concern/det-opsogende-team/'] button[type=submit]")
    assert page.locator("#id_concern[aria-invalid=true]").count() == 1
    assert Inquiry.objects.count() == 0
    check_accessibility(page, "concern form with an error (da)")

    page.check("input[name=signs][value=never_outside]")
    page.check("input[name=signs][value=loud_music]")
    page.check("input[name=signs][value=eviction]")
    page.fill(
        "#id_concern",
        "Min nabo kommer aldrig udenfor en dør og spiller høj musik om natten. "
        "Han har fået et brev om udsættelse.",
    )
    page.fill("#id_where", "Istedgade, opgang 3, 2. sal")
    page.fill("#id_when", "Hjemme det meste af døgnet")
    page.fill("#id_reporter_phone", "+45 20 00 00 00")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "oncall-concern")
    with page.expect_navigation():
        page.click("form[action='/concern/det-opsogende-team/'] button[type=submit]")
    assert page.url.endswith("/concern/det-opsogende-team/received/")
    text = page.inner_text("main")
    for sent in ("Istedgade", "nabo", "+45"):
        assert sent not in text
    assert page.locator("a[href='tel:112']").count() >= 1
    check_accessibility(page, "receipt (da)")
    fits_the_phone(page)
    screenshot(page, "oncall-receipt")

    inquiry = Inquiry.objects.get()
    assert inquiry.service == danish.service
    assert (inquiry.channel, inquiry.status) == ("public_form", "new")
    assert inquiry.signs == ["never_outside", "loud_music", "eviction"]
    assert inquiry.reporter_phone == "+45 20 00 00 00"

    # The Danish team lead (the "outsider" of the Oslo test service) finds it on the board.
    set_language(page, live_server, "en")
    log_in(page, users["outsider"])
    page.goto("/oncall/")
    assert "Istedgade, opgang 3, 2. sal" in page.inner_text("#board-list")
    assert "Public form" in page.inner_text("#board-list")


@pytest.mark.parametrize("language", ["nb", "da", "sv", "en"])
def test_the_form_is_accessible_in_every_language(phone, live_server, oslo, language):
    page = phone
    set_language(page, live_server, language)
    page.goto("/concern/uteseksjonen/")
    assert page.get_attribute("html", "lang") == language
    assert page.locator("a[href='tel:113']").count() == 1  # Norway: 113 and 112
    check_accessibility(page, f"concern form ({language})")
    fits_the_phone(page)
    page.goto("/concern/uteseksjonen/received/")
    check_accessibility(page, f"receipt ({language})")


def test_the_language_switch_on_the_form_without_log_in(phone, live_server, oslo):
    page = phone
    set_language(page, live_server, "nb")
    page.goto("/concern/uteseksjonen/")
    page.select_option("#language-select", "sv")
    with page.expect_navigation():
        page.click(".langform button[type=submit]")
    assert page.url.endswith("/concern/uteseksjonen/")
    assert page.get_attribute("html", "lang") == "sv"
