"""Patrol mode with no network: entries wait in the outbox and arrive exactly once."""

import pytest

from feltbok.fieldwork.models import AreaVisit, Encounter, EncounterPerson
from feltbok.people.models import Person
from feltbok.sync.models import SyncReceipt

from .conftest import check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def wait_until_sent(page):
    """The page's outbox has been read and holds nothing unsent."""
    page.wait_for_function("() => document.documentElement.dataset.unsent === '0'", timeout=20000)


def submit(page, outbox):
    """Save a patrol-mode form; the outbox takes it and opens the patrol page again."""
    with page.expect_navigation():
        page.click(f"form[data-outbox={outbox}] button[type=submit]")


def run_patrol_offline(page, patrol, person, area):
    """Online at the start, offline in the middle, online again at the end."""
    page.goto(f"/patrols/{patrol.code}/")
    # Patrol mode keeps its pages and the look-up list for when the signal goes.
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller")
    page.wait_for_function(
        "async () => { const c = await caches.open('feltbok-v1');"
        " return (await c.keys()).filter(r => r.url.includes('/tally/')).length > 0; }",
        timeout=10000,
    )
    page.select_option("form[data-outbox=arrive] select[name=area]", str(area.code))
    submit(page, "arrive")
    wait_until_sent(page)
    assert AreaVisit.objects.filter(patrol=patrol).count() == 1

    page.context.set_offline(True)

    # An anonymous tally: +1 twice for young women.
    page.goto(f"/patrols/{patrol.code}/tally/")
    page.click("[data-plus='id_n_18-22_female']")
    page.click("[data-plus='id_n_18-22_female']")
    submit(page, "tally")

    # A known person, found in the look-up list on the phone.
    page.goto(f"/patrols/{patrol.code}/known/")
    page.fill("#id_q", person.nickname[:3])
    page.click(f"[data-pick-person='{person.code}']")
    submit(page, "contact")

    # A new person, by nickname.
    page.goto(f"/patrols/{patrol.code}/new-person/")
    page.fill("#id_person-nickname", "Nattergalen")
    page.check("input[name=person-gender][value=female]")
    page.select_option("#id_person-age_band", "23-25")
    submit(page, "new-person")

    # Nothing has reached the server; the phone shows what waits.
    status = page.locator("#outbox-status")
    assert status.is_visible()
    assert page.locator("#patrol-entries li.unsent").count() == 3
    screenshot(page, "40-offline-outbox")
    assert Encounter.objects.filter(patrol=patrol).count() == 1  # only the one from before

    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_until_sent(page)


def test_offline_entries_arrive_exactly_once(phone, users, area, person, patrol, actors):
    from feltbok.fieldwork.services import EncounterData, record_encounter

    # The person has been met before, so they are on the look-up list.
    record_encounter(
        actors["worker"], patrol, EncounterData(kind="individual", area=area, persons=[person])
    )
    page = phone
    log_in(page, users["worker"])

    run_patrol_offline(page, patrol, person, area)

    tallies = Encounter.objects.filter(patrol=patrol, kind="anonymous")
    assert [(t.age_band, t.gender, t.head_count) for t in tallies] == [("18-22", "female", 2)]
    assert EncounterPerson.objects.filter(encounter__patrol=patrol, person=person).count() == 2
    newcomer = Person.objects.get(nickname="Nattergalen")
    assert (newcomer.gender, newcomer.age_band) == ("female", "23-25")
    assert EncounterPerson.objects.get(person=newcomer).first_contact is True
    assert Encounter.objects.filter(patrol=patrol).count() == 4
    assert SyncReceipt.objects.count() == 4  # the visit and the three entries

    # Sending everything again (a phone that lost the answers) stores nothing twice.
    page.reload()
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(500)
    assert Encounter.objects.filter(patrol=patrol).count() == 4
    assert Person.objects.filter(nickname="Nattergalen").count() == 1
    check_accessibility(page, "patrol after sync")
