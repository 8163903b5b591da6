"""The first field workflow end to end, on a phone, with axe on every page."""

import pytest
from django.utils import timezone

from feltbok.audit.models import AuditEvent
from feltbok.fieldwork.models import Encounter, EnvironmentObservation, IncidentNote, Patrol
from feltbok.people.models import Person

from .conftest import check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_worker_runs_a_patrol_on_a_phone(phone, users, area, second_area, person, live_server):
    page = phone
    log_in(page, users["worker"])
    check_accessibility(page, "patrols")
    screenshot(page, "01-patrols")

    # Start the patrol with a colleague; shift and areas are preselected.
    page.click("a[href='/patrols/start/']")
    check_accessibility(page, "start patrol")
    page.select_option("#id_colleague", str(users["colleague"].pk))
    screenshot(page, "02-start-patrol")
    page.click("form button[type=submit]")
    page.wait_for_url("**/patrols/*/")
    patrol = Patrol.objects.get()
    assert patrol.member_ids() == {users["worker"].pk, users["colleague"].pk}
    check_accessibility(page, "patrol")
    screenshot(page, "03-patrol")

    # A contact with an anonymous person, new to the service: known by a nickname.
    page.click("a[href$='/new-person/']")
    check_accessibility(page, "new person")
    page.fill("#id_person-nickname", "Stormen")
    page.check("#id_person-gender_1")  # male
    page.select_option("#id_person-age_band", "18-22")
    page.check("input[name=topics][value=food]")
    screenshot(page, "04-new-person")
    page.click("form button[type=submit]")
    page.wait_for_url(f"**/patrols/{patrol.code}/")
    stormen = Person.objects.get(nickname="Stormen")
    assert stormen.anonymity_level == "nickname"
    assert stormen.full_name_enc == ""

    # Later: find the person again by nickname and record a routine contact.
    page.click("a[href$='/known/']")
    page.fill("#id_q", "storm")
    page.wait_for_selector(f"a[href$='/contact/{stormen.code}/']")
    check_accessibility(page, "known person")
    screenshot(page, "05-known-person")
    page.click(f"a[href$='/contact/{stormen.code}/']")
    check_accessibility(page, "contact")
    page.click("form button[type=submit] >> nth=0")
    page.wait_for_url(f"**/patrols/{patrol.code}/")
    assert Encounter.objects.filter(persons=stormen).count() == 2

    # An anonymous head count: three taps on +1.
    page.click("a[href$='/tally/']")
    check_accessibility(page, "anonymous count")
    for _tap in range(3):
        page.click("[data-plus='id_n_18-22_male']")
    screenshot(page, "06-tally")
    page.click("form[data-outbox=tally] button[type=submit]")
    page.wait_for_url(f"**/patrols/{patrol.code}/")
    tally = Encounter.objects.filter(kind="anonymous").get()
    assert (tally.contact_count, tally.age_band, tally.gender) == (3, "18-22", "male")
    screenshot(page, "06-patrol-with-contacts")

    # A group contact, an environment observation and an incident note.
    page.click("a[href$='/group/']")
    check_accessibility(page, "group contact")
    page.goto(f"/patrols/{patrol.code}/")
    page.select_option("form[data-outbox=arrive] select[name=area]", str(area.code))
    with page.expect_navigation():
        page.click("form[data-outbox=arrive] button[type=submit]")
    page.wait_for_function("() => document.documentElement.dataset.unsent === '0'")
    page.click("a[href$='/observation/']")
    check_accessibility(page, "environment observation")
    page.fill("#id_people_present", "14")
    page.check("input[name=mood][value=tense]")
    with page.expect_navigation():
        page.click("form[data-outbox=observation] button[type=submit]")
    page.wait_for_function("() => document.documentElement.dataset.unsent === '0'")
    page.click("a[href$='/incident/']")
    check_accessibility(page, "incident")
    page.check("input[name=kind][value=overdose]")
    page.fill("#id_note", "Naloxone given, ambulance called.")
    with page.expect_navigation():
        page.click("form[data-outbox=incident] button[type=submit]")
    page.wait_for_function("() => document.documentElement.dataset.unsent === '0'")
    assert EnvironmentObservation.objects.get().people_present == 14
    assert IncidentNote.objects.get().kind == "overdose"

    # End the patrol (the button asks first), then the debrief.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[action$='/end/'] button")
    page.wait_for_url("**/debrief/")
    check_accessibility(page, "debrief")
    patrol.refresh_from_db()
    assert not patrol.is_active


def test_routine_contact_takes_at_most_five_taps(phone, users, area, person, patrol):
    """From the patrol page: known person → the person → save. Typing is not needed."""
    from feltbok.fieldwork.services import EncounterData, record_encounter

    record_encounter(
        users_actor(users["worker"]),
        patrol,
        EncounterData(kind="individual", area=area, persons=[person]),
    )
    page = phone
    log_in(page, users["worker"])
    page.goto(f"/patrols/{patrol.code}/")
    taps = 0

    page.click("a[href$='/known/']")
    taps += 1
    page.click(f"a[href$='/contact/{person.code}/']")  # listed under "recently met"
    taps += 1
    with page.expect_navigation():
        page.click("form[data-outbox=contact] button[type=submit]")
    taps += 1
    page.wait_for_function("() => document.documentElement.dataset.unsent === '0'")

    assert taps <= 5
    assert Encounter.objects.filter(persons=person).count() == 2


def users_actor(user):
    from feltbok.core.access import actor_for_user

    return actor_for_user(user)


def test_team_lead_sees_who_opened_the_record(phone, users, person, actors):
    from feltbok.people.selectors import open_person

    open_person(actors["worker"], person.code)
    page = phone
    log_in(page, users["team_lead"])
    page.goto(f"/people/{person.code}/")
    check_accessibility(page, "person")
    screenshot(page, "07-person")
    page.click(f"a[href='/people/{person.code}/access-log/']")
    check_accessibility(page, "access log")
    screenshot(page, "08-access-log")
    rows = page.locator("tbody tr")
    assert rows.count() == AuditEvent.objects.filter(object_id=str(person.code)).count()
    assert "Test Outreach worker" in page.inner_text("tbody") or "worker@test.example" in (
        page.inner_text("tbody")
    )


def test_analyst_sees_the_weekly_statistic_and_no_person(
    phone, users, area, patrol, person, actors
):
    from feltbok.fieldwork.services import EncounterData, record_encounter

    for _ in range(3):
        record_encounter(
            actors["worker"], patrol, EncounterData(kind="anonymous", area=area, head_count=2)
        )
    page = phone
    log_in(page, users["analyst"])
    page.wait_for_url("**/statistics/")
    check_accessibility(page, "statistics")
    screenshot(page, "09-statistics")
    week = timezone.localdate().isocalendar()[1]
    row = page.locator("tbody tr", has_text=area.name)
    assert row.locator("td").last.inner_text() == "6"
    assert str(week) in page.inner_text("thead")

    response = page.goto(f"/people/{person.code}/")
    assert response.status == 403
    assert "Ravnen" not in page.content()


def test_login_page_is_accessible_and_in_norwegian(phone):
    phone.goto("/accounts/login/")
    check_accessibility(phone, "login")
    screenshot(phone, "00-login")
