"""Incidents and staff safety on a phone: the warning shows, the incident goes via the outbox."""

from feltbok.fieldwork.models import IncidentNote
from feltbok.fieldwork.services import EncounterData, record_encounter, start_visit
from feltbok.organisation import services as places
from tests.e2e.conftest import check_accessibility, log_in, screenshot


def test_worker_records_an_overdose_at_a_place_flagged_for_staff_safety(
    phone, users, actors, area, person, patrol
):
    worker = actors["worker"]
    place = places.create_place(
        actors["team_lead"],
        places.PlaceData(
            area=area,
            name="P-hus Vaterland",
            kind="parking_garage",
            safety_note="Aldri gå inn alene.",
        ),
    )
    record_encounter(worker, patrol, EncounterData(kind="individual", area=area, persons=[person]))
    start_visit(worker, patrol, area=area, place=place)
    page = phone
    log_in(page, users["worker"])

    page.goto(f"/patrols/{patrol.code}/")
    assert page.locator(".ds-alert[role=alert]").inner_text().endswith("Aldri gå inn alene.")

    page.click("a[href$='/incident/']")
    check_accessibility(page, "incident with actions and persons")
    page.check("input[name=kind][value=overdose]")
    page.select_option("#id_place", str(place.code))
    page.check("input[name=actions][value=naloxone]")
    page.check("input[name=actions][value=ambulance]")
    page.check(f"input[name=persons][value='{person.code}']")
    page.fill("#id_note", "Fant ham i trappeoppgangen; pustet etter nalokson.")
    screenshot(page, "incident-form")
    with page.expect_navigation():
        page.click("form[data-outbox=incident] button[type=submit]")
    page.wait_for_function("() => document.documentElement.dataset.unsent === '0'")

    incident = IncidentNote.objects.get()
    assert incident.actions == ["ambulance", "naloxone"]
    assert list(incident.persons.all()) == [person]
    assert incident.place == place

    page.goto("/patrols/incidents/")
    check_accessibility(page, "incident list")
    page.click(f"a[href='/patrols/incidents/{incident.code}/']")
    check_accessibility(page, "incident detail")
    screenshot(page, "incident-detail")
    assert "Nalokson gitt" in page.content()
