"""Patrol mode with no network: entries wait in the outbox and arrive exactly once."""

import pytest

from feltbok.fieldwork.models import AreaVisit, Encounter, EncounterPerson
from feltbok.people.models import Person
from feltbok.sync.models import SyncReceipt

from .conftest import PHONE, check_accessibility, log_in, screenshot

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
    page.wait_for_function(
        "async () => { const c = await caches.open('feltbok-v1');"
        " return (await c.keys()).filter(r => r.url.includes('/tally/')).length > 0; }",
        timeout=20000,
    )
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller")
    page.select_option("form[data-outbox=arrive] select[name=area]", str(area.code))
    submit(page, "arrive")
    wait_until_sent(page)
    assert AreaVisit.objects.filter(patrol=patrol).count() == 1

    before = Encounter.objects.filter(patrol=patrol).count()
    page.context.set_offline(True)
    # The page must know it is offline before the first entry (the switch is not instant).
    page.wait_for_function("() => navigator.onLine === false")

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

    # Nothing has reached the server; the phone shows what waits (once it has read the outbox).
    page.wait_for_function("() => document.documentElement.dataset.unsent === '3'")
    assert page.locator("#outbox-status").is_visible()
    assert page.locator("#patrol-entries li.unsent").count() == 3
    screenshot(page, "40-offline-outbox")
    assert Encounter.objects.filter(patrol=patrol).count() == before

    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_until_sent(page)


def test_plan_a_week_then_patrol_offline(browser, phone, live_server, users, service, area, person):
    """The issue's whole story: plan the week, start a planned patrol, lose the network."""
    from django.utils import timezone

    from feltbok.fieldwork import planning
    from feltbok.fieldwork.models import Patrol, PlannedPatrol
    from feltbok.people.models import Person as PersonModel

    planning.create_default_templates(service)
    # The person was met last week, so they are on the phone's look-up list.
    PersonModel.objects.filter(pk=person.pk).update(last_contact_at=timezone.now())

    # The team lead generates this week's rota and staffs today's first patrol.
    lead = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, base_url=live_server.url
    )
    lead_page = lead.new_page()
    log_in(lead_page, users["team_lead"])
    lead_page.goto("/planning/")
    lead_page.wait_for_url("**/planning/*/*/")
    lead_page.click("form[action$='/generate/'] button")
    lead_page.wait_for_load_state()
    today = PlannedPatrol.objects.filter(service=service, date=timezone.localdate())
    planned = today.order_by("starts_at", "pk").first()
    for name in ("worker", "colleague"):
        lead_page.select_option(f"#assign-{planned.code}", str(users[name].pk))
        lead_page.click(f"#p-{planned.code} form[action$='/staff/add/'] button")
        lead_page.wait_for_load_state()
    assert set(planned.staff.all()) == {users["worker"], users["colleague"]}
    lead.close()

    # The worker starts it from "my patrols" on the phone.
    page = phone
    log_in(page, users["worker"])
    page.goto("/planning/mine/")
    page.click(f"form[action='/planning/patrol/{planned.code}/start/'] button")
    page.wait_for_url("**/patrols/*/")
    patrol = Patrol.objects.get()
    assert patrol.member_ids() == {users["worker"].pk, users["colleague"].pk}

    run_patrol_offline(page, patrol, person, area)

    tallies = Encounter.objects.filter(patrol=patrol, kind="anonymous")
    assert [(t.age_band, t.gender, t.head_count) for t in tallies] == [("18-22", "female", 2)]
    assert EncounterPerson.objects.filter(encounter__patrol=patrol, person=person).count() == 1
    newcomer = Person.objects.get(nickname="Nattergalen")
    assert EncounterPerson.objects.get(person=newcomer).first_contact is True
    assert Encounter.objects.filter(patrol=patrol).count() == 3
    assert SyncReceipt.objects.count() == 4  # the visit and the three entries


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
