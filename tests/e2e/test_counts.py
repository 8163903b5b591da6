"""A count on a phone: a team lead sets up and opens a count, two sources report the same
person, the duplicate is merged, and the result counts the person once. axe on every page."""

import pytest
from django.utils import timezone

from feltbok.audit.models import AuditEvent
from feltbok.counts.models import Campaign, Merge, Observation

from .conftest import PHONE, check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def check_page(page, name):
    """axe, and nothing wider than the phone: no sideways scrolling of the page."""
    check_accessibility(page, name)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name


@pytest.fixture(autouse=True)
def definitions(db):
    """The definitions are data from a migration; a transactional test before may have
    flushed them."""
    from feltbok.counts.definitions import sync_definitions
    from feltbok.counts.models import Category, Definition

    sync_definitions(Definition, Category)


@pytest.fixture(autouse=True)
def english_pages(phone, live_server):
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def record(page, *, source, initials, birth_year, gender, category, source_name=""):
    page.check(f"input[name=source][value={source}]")
    if source_name:
        page.fill("#id_source_name", source_name)
    page.check(f"input[name=category][value={category}]")
    page.check(f"input[name=gender][value={gender}]")
    page.fill("#id_initials", initials)
    page.fill("#id_birth_year", str(birth_year))
    page.check("input[name=comorbidity][value=both]")
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/counts/*/")


def test_a_count_with_a_duplicate_from_two_sources(phone, users, service, area):
    page = phone
    today = timezone.localdate()
    log_in(page, users["team_lead"])

    page.goto("/counts/")
    check_page(page, "counts")
    page.click("a[href='/counts/new/']")
    check_page(page, "new count")
    page.fill("#id_name", "Kartlegging uke 48")
    page.select_option("#id_definition", "no_national")
    page.fill("#id_starts_on", today.isoformat())
    page.fill("#id_ends_on", today.isoformat())
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/counts/*/")
    campaign = Campaign.objects.get()
    page.click("button[value=open]")
    page.wait_for_selector("text=The count is open")
    check_page(page, "campaign")

    # A patrol meets K.N., born 1968, sleeping outdoors.
    page.click(f"a.big[href='/counts/{campaign.code}/observe/']")
    check_page(page, "record observation")
    screenshot(page, "counts-observe")
    record(
        page, source="patrol", initials="K.N.", birth_year=1968, gender="male", category="no_place"
    )
    assert "Recorded: one person counted." in page.inner_text("main")

    # The emergency shelter reports the same man the next morning.
    page.click(f"a.big[href='/counts/{campaign.code}/observe/']")
    record(
        page,
        source="shelter",
        source_name="Natthjemmet",
        initials="kn",
        birth_year=1968,
        gender="male",
        category="emergency",
    )
    assert "already counted" in page.inner_text("main")
    assert page.locator(".observation.merged").count() == 1
    check_page(page, "campaign with a duplicate")

    first, second = Observation.objects.order_by("pk")
    assert second.merged_into == first
    merge = Merge.objects.get()
    assert list(merge.merged.all()) == [second]

    page.click(f"a[href='/counts/{campaign.code}/duplicates/']")
    assert "Same initials, birth year and gender" in page.inner_text("main")
    check_page(page, "duplicates")

    page.click(f"a[href='/counts/{campaign.code}/result/']")
    check_page(page, "result")
    screenshot(page, "counts-result")
    assert page.inner_text("dd.total") == "1"
    situation = page.inner_text("#table-situation")
    assert "No place to stay for the night\t1\t100 %" in situation
    ethos = page.inner_text("#table-ethos")
    assert "1 People living rough\t1\t100 %" in ethos

    # Bulk entry and the paper form pass axe too.
    page.goto(f"/counts/{campaign.code}/bulk/")
    check_accessibility(page, "bulk entry")
    page.goto(f"/counts/{campaign.code}/paper/")
    check_accessibility(page, "paper form")

    assert AuditEvent.objects.filter(object_type="merge", action="create").count() == 1
    assert AuditEvent.objects.filter(object_type="count_result", action="read").exists()
