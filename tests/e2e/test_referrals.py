"""A worker refers a person to a partner and follows it to a completed, accompanied handover.

On a phone, with axe on every new page and screenshots for the user guide.
"""

import pytest

from feltbok.audit.models import AuditEvent
from feltbok.referrals.models import Partner, Referral, ReferralKind, ReferralSettings

from .conftest import PHONE, check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def english_pages(phone, live_server):
    """This test reads English page text (the default language is bokmål)."""
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def fits_the_phone(page):
    """Nothing wider than the phone: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def take_step(page, status, appointment=None, note=""):
    page.select_option("#id_to_status", status)
    if appointment:
        page.fill("#id_appointment_at", appointment)
    if note:
        page.fill("#id_note", note)
    with page.expect_navigation():
        page.click("form[action$='/status/'] button[type=submit]")


def test_worker_refers_a_person_and_follows_it_to_completed(phone, users, service, person):
    partner = Partner.objects.create(
        service=service,
        name="NAV Grünerløkka",
        partner_type="social_services",
        municipality="Oslo",
        contact="Sentralbord (test)",
    )
    Partner.objects.create(service=service, name="Oslo legevakt", partner_type="gp")
    page = phone
    log_in(page, users["worker"])

    # The person page has a referral section.
    page.goto(f"/people/{person.code}/")
    assert "No referrals yet." in page.inner_text("main")
    page.click(f"a[href='/referrals/new/{person.code}/']")
    check_accessibility(page, "new referral")
    fits_the_phone(page)

    # Refuse first: nothing chosen. Then propose a referral to NAV.
    page.fill("#id_purpose", "Økonomisk sosialhjelp og et sted å bo")
    page.click("form button[type=submit]")
    assert Referral.objects.count() == 0
    page.check(f"input[name=partner][value='{partner.code}']")
    screenshot(page, "referrals-new")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    referral = Referral.objects.get()
    assert (referral.partner, referral.kind, referral.status) == (partner, "referral", "proposed")
    assert page.url.endswith(f"/referrals/{referral.code}/")
    check_accessibility(page, "referral")
    fits_the_phone(page)

    # Agreed with the person; sending is refused until consent is recorded.
    take_step(page, "agreed", note="Vil ha hjelp med søknaden")
    page.fill("#id_scope", "Navn, fødselsdato og at han trenger bolig")
    with page.expect_navigation():
        page.click("form[action$='/consent/'] button[type=submit]")
    assert "Consent to share has been recorded." in page.inner_text("main")
    screenshot(page, "referrals-detail")
    take_step(page, "sent")
    take_step(page, "appointment", appointment="2026-12-01T10:00")
    take_step(page, "accompanied", note="Fulgte ham til NAV-kontoret og ble med inn")
    check_accessibility(page, "referral accompanied")
    fits_the_phone(page)
    take_step(page, "completed")

    referral.refresh_from_db()
    assert referral.status == "completed"
    assert referral.consent_at is not None
    assert referral.appointment_at is not None
    steps = list(referral.events.values_list("to_status", flat=True))
    assert steps == ["proposed", "agreed", "", "sent", "appointment", "accompanied", "completed"]
    assert "Completed" in page.inner_text("main")
    assert page.locator("#step-heading").count() == 0  # an outcome ends the referral
    writes = AuditEvent.objects.filter(object_id=str(referral.code), action="update").count()
    assert writes == 6
    screenshot(page, "referrals-completed")

    # The person page lists it; my referrals and the partner directory.
    page.goto(f"/people/{person.code}/")
    assert "NAV Grünerløkka" in page.inner_text("#referrals-heading + ul")
    page.locator("#referrals-heading").scroll_into_view_if_needed()
    screenshot(page, "referrals-person-page")
    page.click("a[href='/referrals/']")
    check_accessibility(page, "my referrals")
    fits_the_phone(page)
    page.click("a[href='/referrals/partners/']")
    check_accessibility(page, "partner directory")
    fits_the_phone(page)
    screenshot(page, "referrals-partners")


def test_worker_transfers_a_person_home_with_a_follow_up_check(phone, users, service, person):
    partner = Partner.objects.create(
        service=service, name="NAV Drammen", partner_type="social_services"
    )
    page = phone
    log_in(page, users["worker"])
    page.goto(f"/referrals/new/{person.code}/")
    page.check(f"input[name=partner][value='{partner.code}']")
    page.check("#id_kind_1")
    page.fill("#id_purpose", "Trygt hjem, oppfølging fra NAV der")
    page.fill("#id_home_municipality", "Drammen")
    page.fill("#id_follow_up_on", "2099-01-15")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    transfer = Referral.objects.get()
    assert transfer.kind == ReferralKind.HOME_MUNICIPALITY
    assert str(transfer.follow_up_on) == "2099-01-15"
    check_accessibility(page, "transfer")
    fits_the_phone(page)
    page.fill("#id_check-note", "Har fått fast kontakt i NAV Drammen")
    with page.expect_navigation():
        page.click("form[action$='/follow-up-check/'] button[type=submit]")
    transfer.refresh_from_db()
    assert transfer.follow_up_note == "Har fått fast kontakt i NAV Drammen"
    screenshot(page, "referrals-transfer")


def test_team_lead_keeps_the_directory_and_the_overdue_setting(phone, users, service):
    page = phone
    log_in(page, users["team_lead"])
    page.goto("/referrals/partners/")
    page.click("a[href='/referrals/partners/new/']")
    check_accessibility(page, "add a partner")
    fits_the_phone(page)
    page.fill("#id_name", "Oslo legevakt")
    page.select_option("#id_partner_type", "gp")
    page.fill("#id_contact", "Storgata 40. Døgnåpent.")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    partner = Partner.objects.get(service=service)
    assert (partner.name, partner.partner_type, partner.is_active) == ("Oslo legevakt", "gp", True)
    page.click(f"a[href='/referrals/partners/{partner.code}/edit/']")
    check_accessibility(page, "edit a partner")
    page.uncheck("#id_is_active")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    partner.refresh_from_db()
    assert partner.is_active is False
    assert "Not in use" in page.inner_text("main")

    page.goto("/referrals/settings/")
    check_accessibility(page, "referral settings")
    fits_the_phone(page)
    page.fill("#id_overdue_after_days", "0")
    page.click("form button[type=submit]")
    assert not ReferralSettings.objects.exists()
    page.fill("#id_overdue_after_days", "10")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert ReferralSettings.objects.get(service=service).overdue_after_days == 10
