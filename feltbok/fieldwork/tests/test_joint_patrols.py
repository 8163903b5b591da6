"""Joint patrols: each service keeps its own records of what its staff record.

The patrol belongs to the service that runs it (areas, arrivals, environments, the end and
the debrief); partner staff record their own contacts, head counts and incidents, stored in
their own service, and their hours there count as field hours in their own service.
"""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from feltbok.audit.models import AuditEvent
from feltbok.fieldwork import selectors, timeuse
from feltbok.fieldwork.models import (
    AreaVisit,
    Debrief,
    Encounter,
    EnvironmentObservation,
    IncidentNote,
    Patrol,
    Shift,
)
from feltbok.fieldwork.services import (
    EncounterData,
    FieldworkError,
    IncidentData,
    ObservationData,
    active_patrol_of,
    end_patrol,
    record_encounter,
    record_incident,
    record_observation,
    record_tally,
    start_patrol,
    start_visit,
    write_debrief,
)
from feltbok.people.models import Person
from feltbok.people.services import PersonData
from feltbok.sync.tests import outbox

REFUSED = "recorded by the service that runs the joint patrol"


@pytest.fixture
def joint(worker, users, area, other_service):
    """The worker's patrol with the outsider (team lead of a partner service)."""
    return start_patrol(
        worker,
        colleague=users["outsider"],
        shift=Shift.EVENING,
        areas=[area],
        partner_services=[other_service],
    )


@pytest.fixture
def partner(actors):
    return actors["outsider"]


def test_partner_contacts_are_kept_by_the_partners_service(joint, partner, worker, area):
    met = record_encounter(
        partner,
        joint,
        EncounterData(kind="individual", area=area),
        new_person=PersonData(anonymity_level="nickname", nickname="Trosten", gender="female"),
    )
    ours = record_encounter(worker, joint, EncounterData(kind="anonymous", area=area, head_count=2))

    assert met.service_id == partner.service_id
    person = Person.objects.get(nickname="Trosten")
    assert person.service_id == partner.service_id
    assert selectors.patrol_encounters(partner, joint) == [met]
    assert selectors.patrol_encounters(worker, joint) == [ours]
    event = AuditEvent.objects.get(object_id=str(met.code))
    assert (event.service_id, event.actor_id) == (partner.service_id, partner.user.pk)


def test_partner_tallies_and_incidents_are_kept_by_the_partners_service(
    joint, partner, worker, area
):
    cells = record_tally(partner, joint, area=area, counts={("18-22", "male"): 3})
    incident = record_incident(
        partner, joint, IncidentData(kind="threat", area=area, note="Truende person ved kiosken.")
    )

    assert [cell.service_id for cell in cells] == [partner.service_id]
    assert incident.service_id == partner.service_id
    assert selectors.patrol_incidents(partner, joint) == [incident]
    assert selectors.patrol_incidents(worker, joint) == []


def test_the_hosts_records_are_refused_to_partner_staff(joint, partner, worker, area):
    visit = start_visit(worker, joint, area=area)
    before = (AreaVisit.objects.count(), EnvironmentObservation.objects.count())

    with pytest.raises(FieldworkError, match=REFUSED):
        start_visit(partner, joint, area=area)
    with pytest.raises(FieldworkError, match=REFUSED):
        record_observation(partner, visit, ObservationData(people_present=4))
    with pytest.raises(FieldworkError, match=REFUSED):
        end_patrol(partner, joint)
    with pytest.raises(FieldworkError):
        write_debrief(partner, joint, text="Rolig kveld.")

    assert (AreaVisit.objects.count(), EnvironmentObservation.objects.count()) == before
    assert Debrief.objects.count() == 0
    joint.refresh_from_db()
    assert joint.is_active


def test_partner_staff_cannot_contact_the_hosts_persons(joint, partner, person, area):
    with pytest.raises(FieldworkError, match="Unknown person"):
        record_encounter(
            partner, joint, EncounterData(kind="individual", area=area, persons=[person])
        )
    assert Encounter.objects.count() == 0


def test_no_longer_a_partner_no_longer_records(joint, partner, other_service, area):
    joint.partner_services.remove(other_service)
    with pytest.raises(FieldworkError, match=REFUSED):
        record_tally(partner, joint, area=area, counts={("18-22", "male"): 1})
    assert Encounter.objects.count() == 0


def test_a_partner_finds_the_joint_patrol_under_way(joint, partner):
    assert active_patrol_of(partner) == joint


def test_partner_field_hours_count_in_their_own_service(joint, partner, worker, users):
    started = timezone.now() - datetime.timedelta(hours=3)
    Patrol.objects.filter(pk=joint.pk).update(started_at=started)
    joint.refresh_from_db()
    end_patrol(worker, joint, ended_at=started + datetime.timedelta(hours=2))
    day = joint.date

    theirs = timeuse.time_use(partner, day, day)
    ours = timeuse.time_use(actors_lead(worker, users), day, day)

    partner_rows = [row for team in theirs.teams for row in team.workers]
    assert [(row.user, row.field_minutes) for row in partner_rows] == [(users["outsider"], 120)]
    host_rows = {row.user: row.field_minutes for team in ours.teams for row in team.workers}
    assert host_rows[users["worker"]] == 120
    assert users["outsider"] not in host_rows


def actors_lead(worker, users):
    from feltbok.core.access import actor_for_user

    return actor_for_user(users["team_lead"])


# --- Patrol mode and sync for partner staff ---------------------------------------------------


def test_partner_patrol_page_offers_only_their_own_records(login, joint):
    client = login("outsider")
    response = client.get(reverse("fieldwork:patrol", args=[joint.code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="joint-note"' in page
    assert reverse("fieldwork:tally", args=[joint.code]) in page
    assert reverse("fieldwork:known", args=[joint.code]) in page
    assert reverse("fieldwork:arrive", args=[joint.code]) not in page
    assert reverse("fieldwork:end", args=[joint.code]) not in page
    assert reverse("fieldwork:observation", args=[joint.code]) not in page


def test_host_patrol_page_has_no_joint_note(login, joint):
    page = login("worker").get(reverse("fieldwork:patrol", args=[joint.code])).content.decode()
    assert 'id="joint-note"' not in page
    assert reverse("fieldwork:arrive", args=[joint.code]) in page


def test_partner_records_a_tally_in_patrol_mode(login, joint, area, partner):
    client = login("outsider")
    response = client.post(
        reverse("fieldwork:tally", args=[joint.code]),
        {"area": str(area.code), "n_18-22_female": "2"},
    )
    assert response.status_code == 302
    encounter = Encounter.objects.get()
    assert (encounter.service_id, encounter.head_count) == (partner.service_id, 2)


def test_partner_arrival_in_patrol_mode_is_refused_and_stores_nothing(login, joint, area):
    client = login("outsider")
    response = client.post(
        reverse("fieldwork:arrive", args=[joint.code]), {"area": str(area.code)}, follow=True
    )
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert AreaVisit.objects.count() == 0


def test_partner_syncs_contacts_and_gets_a_clear_refusal_for_an_arrival(
    login, joint, area, partner
):
    client = login("outsider")
    entries = [
        outbox.new_person_encounter(joint, area, nickname="Svalen"),
        outbox.tally(joint, area),
        outbox.visit_start(joint, area),
    ]
    response = client.post(
        "/api/sync", json.dumps({"entries": entries}), content_type="application/json"
    )
    results = response.json()["results"]
    assert [result["status"] for result in results] == [201, 201, 400]
    assert REFUSED in results[2]["error"]["message"]
    assert Person.objects.get(nickname="Svalen").service_id == partner.service_id
    assert set(Encounter.objects.values_list("service_id", flat=True)) == {partner.service_id}
    assert AreaVisit.objects.count() == 0
    assert IncidentNote.objects.count() == 0
