"""Issue 4's first "Done when": a contact person runs a follow-up from the first need to a
completed, accompanied referral, on a phone."""

import pytest

from feltbok.followup.models import Episode, Need
from feltbok.referrals.models import Partner, Referral

from .conftest import check_accessibility, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def english_pages(phone, live_server):
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def step(page, status, **fields):
    page.select_option("#id_to_status", status)
    for name, value in fields.items():
        page.fill(f"#id_{name}", value)
    with page.expect_navigation():
        page.click("form[action$='/status/'] button[type=submit]")


def test_from_the_first_need_to_an_accompanied_referral(phone, users, service, person):
    nav = Partner.objects.create(
        service=service, name="NAV Sentrum", partner_type="social_services", municipality="Oslo"
    )
    page = phone
    log_in(page, users["worker"])

    # Follow-up: the worker becomes the contact person; the first need is housing.
    page.goto(f"/people/{person.code}/")
    page.click(f"a[href='/followup/people/{person.code}/start/']")
    page.click("form button[type=submit]")
    page.wait_for_url("**/followup/*/")
    episode = Episode.objects.get()
    page.select_option("#id_kind", "housing")
    page.fill("#id_description", "Trenger egen bolig; bor hos venner")
    page.click("form[action$='/needs/'] button[type=submit]")
    page.wait_for_selector(".need")
    need = Need.objects.get()

    # Bridge-building: a referral to NAV, agreed, consent, sent, appointment, accompanied.
    page.goto(f"/referrals/new/{person.code}/")
    page.check(f"input[name=partner][value='{nav.code}']")
    page.fill("#id_purpose", "Søknad om kommunal bolig")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    step(page, "agreed", note="Han vil søke bolig")
    page.fill("#id_scope", "Navn og at han søker bolig")
    with page.expect_navigation():
        page.click("form[action$='/consent/'] button[type=submit]")
    step(page, "sent")
    step(page, "appointment", appointment_at="2026-12-03T13:00")
    step(page, "accompanied", note="Fulgte ham til NAV og ble med inn i samtalen")
    step(page, "completed")
    check_accessibility(page, "completed referral")
    referral = Referral.objects.get()
    assert (referral.person, referral.partner, referral.status) == (person, nav, "completed")
    assert "accompanied" in referral.events.values_list("to_status", flat=True)

    # Back in the follow-up: the need is met.
    page.goto(f"/followup/{episode.code}/")
    page.select_option(f"#need-status-{need.code}", "met")
    page.click(f"form[action='/followup/needs/{need.code}/status/'] button[type=submit]")
    page.wait_for_selector(".ds-alert")
    need.refresh_from_db()
    assert need.status == "met"

    # One timeline on the person page holds the follow-up and every referral step.
    page.goto(f"/people/{person.code}/")
    timeline = page.inner_text("ol.timeline")
    assert "Follow-up started" in timeline
    assert "Referral to NAV Sentrum: Accompanied" in timeline
    assert "Referral to NAV Sentrum: Completed" in timeline
    check_accessibility(page, "person page with timeline")
