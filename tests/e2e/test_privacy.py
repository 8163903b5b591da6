"""Legal hold and erasure on a phone (team lead), retention periods (administrator). axe on
every page; refusals change nothing."""

import pytest

from feltbok.people.models import Person
from feltbok.privacy.models import REMOVED, Erasure, LegalHold, RetentionSettings
from feltbok.privacy.tests.conftest import identified

from .conftest import PHONE, check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def check_page(page, name):
    check_accessibility(page, name)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name


@pytest.fixture(autouse=True)
def english_pages(phone, live_server):
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def test_hold_blocks_erasure_then_erase(phone, users, actors):
    person = identified(actors["worker"])
    page = phone
    log_in(page, users["team_lead"])

    page.goto(f"/privacy/people/{person.code}/")
    assert "Kråka" in page.inner_text("h1")
    check_page(page, "privacy person page")

    page.fill("#id_hold-reason", "Politisak 24-1234, vitneavhør")
    page.click("text=Place a legal hold")
    page.wait_for_selector("#hold-active")
    assert LegalHold.objects.get().lifted_at is None

    page.fill("#id_erase-reason", "Personen ba om sletting i brev")
    page.check("#id_erase-confirm")
    page.click("text=Erase the person")
    assert "under a legal hold and cannot be erased" in page.inner_text("main")
    assert not Erasure.objects.exists()
    check_page(page, "erasure refused under hold")

    page.fill("#id_lift-reason", "Saken er henlagt av politiet")
    page.click("text=Lift the legal hold")
    page.wait_for_selector("text=Legal hold lifted.")
    page.fill("#id_erase-reason", "Personen ba om sletting i brev")
    page.check("#id_erase-confirm")
    screenshot(page, "privacy-erase")
    page.click("text=Erase the person")
    page.wait_for_selector("#erased")
    assert "person.identity" in page.inner_text("main")
    assert Person.objects.get().description == REMOVED
    check_page(page, "erased person")

    page.goto("/privacy/log/")
    assert page.locator("tr.record").count() >= 1
    check_page(page, "shredding record")


def test_administrator_sets_retention_periods(phone, users):
    page = phone
    log_in(page, users["admin"])

    page.goto("/privacy/settings/")
    check_page(page, "retention settings")
    page.fill("#id_identity_months", "-1")
    page.click("form.stack button[type=submit]")
    assert "greater than or equal to 6" in page.inner_text("main")
    assert not RetentionSettings.objects.exists()

    page.fill("#id_identity_months", "48")
    page.click("form.stack button[type=submit]")
    page.wait_for_selector("text=Retention periods saved.")
    assert RetentionSettings.objects.get().identity_months == 48
    screenshot(page, "privacy-settings")
    check_page(page, "retention settings saved")
