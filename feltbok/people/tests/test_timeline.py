"""One timeline per person, across contacts, incidents, follow-up, referrals and notifications."""

import pytest
from django.urls import reverse

from feltbok.fieldwork.services import (
    EncounterData,
    IncidentData,
    record_encounter,
    record_incident,
)
from feltbok.followup import services as followup
from feltbok.notifications.legal import ensure_types
from feltbok.notifications.models import NotificationType
from feltbok.notifications.services import record_concern
from feltbok.people.timeline import person_timeline
from feltbok.referrals.models import Partner, PartnerType
from feltbok.referrals.services import ReferralData, create_referral


@pytest.fixture
def history(actors, users, patrol, area, person):
    """A person met on patrol, in an incident, in follow-up, referred and notified about."""
    worker = actors["worker"]
    record_encounter(
        worker,
        patrol,
        EncounterData(kind="individual", area=area, persons=[person], topics=["food"]),
    )
    record_incident(
        worker,
        patrol,
        IncidentData(
            kind="overdose", area=area, note="Nalokson.", persons=[person], actions=["naloxone"]
        ),
    )
    episode = followup.start_episode(worker, person, contact_persons=[users["worker"]])
    followup.add_note(worker, episode, text="Snakket om bolig; vil søke NAV.")
    partner = Partner.objects.create(
        service=person.service, name="NAV Sentrum", partner_type=PartnerType.SOCIAL_SERVICES
    )
    create_referral(worker, ReferralData(person=person, partner=partner, purpose="Bolig"))
    ensure_types()
    record_concern(
        worker,
        notification_type=NotificationType.objects.get(country="NO", key="child_welfare"),
        person=person,
        concern="Bekymring.",
    )
    return episode


def kinds(items):
    return sorted({item.kind for item in items})


def test_the_contact_person_sees_the_whole_history(actors, person, history):
    items = person_timeline(actors["worker"], person)
    assert kinds(items) == [
        "encounter",
        "followup",
        "incident",
        "note",
        "notification",
        "referral",
    ]
    note = next(item for item in items if item.kind == "note")
    assert note.text == "Snakket om bolig; vil søke NAV."
    assert items == sorted(items, key=lambda item: item.at, reverse=True)


def test_a_colleague_sees_the_follow_up_but_not_its_notes(actors, person, history):
    items = person_timeline(actors["colleague"], person)
    assert "followup" in kinds(items)
    assert "note" not in kinds(items)


def test_a_coordinator_sees_contacts_only(actors, person, history):
    assert kinds(person_timeline(actors["coordinator"], person)) == ["encounter"]


def test_the_person_page_shows_the_timeline_in_constant_queries(
    login, actors, patrol, area, person, history, django_assert_max_num_queries
):
    client = login("worker")
    url = reverse("people:detail", args=[person.code])
    client.get(url)
    with django_assert_max_num_queries(26) as first:
        page = client.get(url).content.decode()
    assert "Snakket om bolig" in page
    assert "Referral to NAV Sentrum" in page
    assert reverse("fieldwork:incident_detail", args=[person.incidents.get().code]) in page

    # More of everything: the same number of queries.
    worker = actors["worker"]
    for _ in range(5):
        record_encounter(
            worker, patrol, EncounterData(kind="individual", area=area, persons=[person])
        )
        record_incident(
            worker, patrol, IncidentData(kind="threat", area=area, note="T.", persons=[person])
        )
        followup.add_note(worker, history, text="Ny samtale.")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)
