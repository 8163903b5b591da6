"""A worker raises a child-welfare notification; a team lead approves it; the deadline shows
until it is marked sent. On a phone, with axe on every new page and screenshots."""

import pytest

from feltbok.audit.models import AuditEvent
from feltbok.notifications.legal import ensure_types
from feltbok.notifications.models import Notification, NotificationType

from .conftest import CHROMIUM_ARGS, PHONE, check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def english_pages(phone, live_server):
    """This test reads English page text (the default language is bokmål)."""
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


@pytest.fixture
def lead_phone(browser, live_server):
    """A second phone, for the team lead."""
    assert CHROMIUM_ARGS  # the same browser as `phone`
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        base_url=live_server.url,
        locale="nb-NO",
    )
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def submit(page, action):
    with page.expect_navigation():
        page.click(f"form[action$='/{action}/'] button[type=submit]")


def test_child_welfare_notification_approved_and_sent(phone, lead_phone, users, person):
    ensure_types()  # a flushed browser-test database has lost the data migration's rows
    child_welfare = NotificationType.objects.get(country="NO", key="child_welfare")
    page = phone
    log_in(page, users["worker"])

    # From the person page: record the concern under the child-welfare legal basis.
    page.goto(f"/people/{person.code}/")
    page.click(f"a[href='/notifications/new/?person={person.code}']")
    check_accessibility(page, "record a concern")
    fits_the_phone(page)
    page.fill("#id_concern", "15-åring alene ved Oslo S kl. 02, ruset, sier hun ikke kan dra hjem.")
    page.click("form button[type=submit]")  # no kind chosen: refused, nothing stored
    assert "without a legal basis nothing can be recorded" in page.inner_text("main")
    assert Notification.objects.count() == 0
    page.check(f"input[name=notification_type][value='{child_welfare.code}']")
    screenshot(page, "notifications-new")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    notification = Notification.objects.get()
    assert notification.person == person
    assert page.locator("[data-deadline=open]").count() == 1
    check_accessibility(page, "notification")
    fits_the_phone(page)

    # Assessment and decision by the worker.
    page.fill("#id_assessment", "Alvorlig bekymring: mindreårig, rus, ingen voksne til stede.")
    submit(page, "assess")
    page.check("#id_decision_0")  # send
    page.fill("#id_reasons", "Vilkårene i barnevernsloven § 13-2 er oppfylt.")
    submit(page, "decide")
    assert "Waiting for a team lead" in page.inner_text("main")
    assert page.locator("[data-deadline=open]").count() == 1
    screenshot(page, "notifications-waiting")

    # The team lead sees it on the open list, with its deadline, and approves it.
    lead = lead_phone
    log_in(lead, users["team_lead"])
    lead.goto("/notifications/")
    check_accessibility(lead, "open notifications")
    fits_the_phone(lead)
    assert lead.locator("[data-deadline=open]").count() == 1
    screenshot(lead, "notifications-list")
    lead.click(f"a[href='/notifications/{notification.code}/']")
    lead.fill("#id_note", "Enig. Send i dag.")
    screenshot(lead, "notifications-approve")
    submit(lead, "approve")
    notification.refresh_from_db()
    assert (notification.status, notification.approved_by) == ("approved", users["team_lead"])
    check_accessibility(lead, "approved notification")

    # The worker marks it sent: the deadline is gone, the follow-up is next.
    page.reload()
    assert page.locator("[data-deadline=open]").count() == 1
    page.fill("#id_recipient", "Barneverntjenesten i Bydel Gamle Oslo")
    page.check("#id_channel_0")
    submit(page, "sent")
    assert page.locator("[data-deadline]").count() == 0
    check_accessibility(page, "sent notification")
    screenshot(page, "notifications-sent")
    page.goto("/notifications/")
    assert str(notification.code) not in page.content()

    notification.refresh_from_db()
    assert notification.status == "sent"
    assert notification.recipient == "Barneverntjenesten i Bydel Gamle Oslo"
    steps = list(notification.events.values_list("step", flat=True))
    assert steps == ["concern", "assessment", "decision", "approval", "sent"]
    audited = AuditEvent.objects.filter(object_id=str(notification.code))
    assert audited.filter(action="update").count() == 4
    assert audited.filter(action="read").count() >= 5

    # A correction keeps the old text.
    page.goto(f"/notifications/{notification.code}/correct/")
    check_accessibility(page, "correct a notification")
    fits_the_phone(page)
    page.select_option("#id_field", "recipient")
    page.fill("#id_value", "Barneverntjenesten i Bydel Gamle Oslo, mottak")
    page.fill("#id_reason", "Presisert mottaker")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert "Presisert mottaker" in page.inner_text("main")
    assert notification.corrections.get().old_value == "Barneverntjenesten i Bydel Gamle Oslo"
