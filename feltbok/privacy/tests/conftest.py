"""A person with something in every copy: contacts, incident, follow-up, referral,
notifications (one sent, one not), inquiry, walk-in, count observation, emergency access,
protected export. All synthetic."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.counts.models import Campaign, Category, Definition, Observation
from feltbok.fieldwork.models import (
    Debrief,
    Encounter,
    EncounterPerson,
    IncidentNote,
    IncidentPerson,
)
from feltbok.followup.models import Episode, Goal, Need, Note, PlanVersion, Task
from feltbok.notifications.legal import ensure_types
from feltbok.notifications.models import Notification, NotificationType
from feltbok.oncall.models import Inquiry, WalkInVisit
from feltbok.oversight.models import EmergencyAccess
from feltbok.people.models import Person
from feltbok.people.services import PersonData, create_person
from feltbok.referrals.models import Partner, PartnerType, Referral

CHANNEL = "letter"
YEARS_AGO = 4  # past every default retention period


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    """Export files go to a fresh directory per test."""
    settings.VAR_DIR = tmp_path
    return tmp_path


def ago(days):
    return timezone.now() - datetime.timedelta(days=days)


@dataclass
class Copies:
    person: Person
    encounter: Encounter
    incident: IncidentNote
    episode: Episode
    note: Note
    task: Task
    referral: Referral
    sent: Notification
    draft: Notification
    inquiry: Inquiry
    walk_in: WalkInVisit
    observation: Observation
    debrief: Debrief


def encounter_with(patrol, area, persons, *, when, note=""):
    row = Encounter.objects.create(
        service=patrol.service,
        patrol=patrol,
        occurred_at=when,
        area=area,
        kind="individual",
        contact_count=len(persons),
        recorded_by=patrol.first_member,
        note=note,
    )
    for person in persons:
        EncounterPerson.objects.create(service=patrol.service, encounter=row, person=person)
    return row


def identified(worker, name="Kari Nordmann"):
    return create_person(
        worker,
        PersonData(
            anonymity_level="identified",
            nickname="Kråka",
            full_name=name,
            birth_date=datetime.date(1990, 5, 17),
            national_id="17059012345",
            gender="female",
            age_band="36-49",
            birth_year=1990,
            flags=["safety"],
        ),
    )


def make_copies(service, users, actors, patrol, area, *, days=YEARS_AGO * 365):
    worker = actors["worker"]
    person = identified(worker)
    when = ago(days)
    Person.objects.filter(pk=person.pk).update(
        created_at=when, first_contact_at=when, last_contact_at=when
    )
    person.refresh_from_db()
    user = users["worker"]
    encounter = encounter_with(patrol, area, [person], when=when, note="Kråka sov under brua")
    incident = IncidentNote.objects.create(
        service=service,
        patrol=patrol,
        area=area,
        occurred_at=when,
        kind="overdose",
        note="Kråka fikk nalokson",
        recorded_by=user,
    )
    IncidentPerson.objects.create(service=service, incident=incident, person=person)
    episode = Episode.objects.create(
        service=service,
        person=person,
        started_on=when.date(),
        ended_on=when.date() + datetime.timedelta(days=30),
        end_reason="goals_met",
        plan="Bolig hos Kirkens Bymisjon",
        started_by=user,
    )
    PlanVersion.objects.create(
        service=service,
        episode=episode,
        version=1,
        text="Bolig hos Kirkens Bymisjon",
        edited_by=user,
        edited_at=when,
    )
    Need.objects.create(
        service=service,
        episode=episode,
        kind="housing",
        description="Trenger bolig",
        recorded_on=when.date(),
        recorded_by=user,
    )
    Goal.objects.create(
        service=service,
        episode=episode,
        own_words="Få meg en leilighet",
        status_changed_on=when.date(),
        recorded_by=user,
    )
    note = Note.objects.create(
        service=service,
        episode=episode,
        text="Kråka fortalte om moren",
        written_on=when.date(),
        written_by=user,
    )
    task = Task.objects.create(
        service=service,
        episode=episode,
        title="Ring Kråka om timen",
        due_on=when.date(),
        owner=user,
        created_by=user,
    )
    partner = Partner.objects.create(
        service=service, name="NAV Sentrum", partner_type=PartnerType.SOCIAL_SERVICES
    )
    referral = Referral.objects.create(
        service=service,
        person=person,
        partner=partner,
        purpose="Søknad om bolig for Kråka",
        owner=user,
        created_by=user,
        status_changed_at=when,
    )
    ensure_types()
    kind = NotificationType.objects.get(country="NO", key="child_welfare")
    common = {
        "service": service,
        "notification_type": kind,
        "person": person,
        "concern_at": when,
        "deadline_at": when,
        "recorded_by": user,
    }
    sent = Notification.objects.create(
        **common,
        concern="Sendt melding om Kråka",
        status="sent",
        sent_at=when,
        decision="send",
        decision_reasons="Mistanke om omsorgssvikt",
        recipient="Barnevernvakten i Oslo",
        channel=CHANNEL,
    )
    draft = Notification.objects.create(**common, concern="Utkast om Kråka")
    inquiry = Inquiry.objects.create(
        service=service,
        channel="phone",
        caller_type="relative",
        concern="Moren ringte om Kråka",
        where="Under brua",
        urgency="today",
        received_at=when,
        person=person,
        reporter_name="Mor Nordmann",
        reporter_phone="+4799999999",
    )
    walk_in = WalkInVisit.objects.create(
        service=service,
        occurred_at=when,
        person=person,
        who="Kråka",
        topic="conversation",
        outcome="Snakket om bolig",
        recorded_by=user,
    )
    definition = Definition.objects.get(code="no_national")
    campaign = Campaign.objects.create(
        service=service,
        name="Kartlegging",
        definition=definition,
        starts_on=when.date(),
        ends_on=when.date(),
        created_by=user,
    )
    observation = Observation.objects.create(
        service=service,
        campaign=campaign,
        observed_on=when.date(),
        source="patrol",
        recorded_by=user,
        person=person,
        category=Category.objects.filter(definition=definition).first(),
        gender="female",
        age_band=Observation._meta.get_field("age_band").choices[1][0],
        comorbidity="both",
    )
    EmergencyAccess.objects.create(
        service=service,
        person=person,
        user=users["colleague"],
        role="worker",
        reason_kind="inquiry",
        reason_text="Moren ringte i natt",
        granted_at=when,
        expires_at=when + datetime.timedelta(hours=2),
    )
    debrief = Debrief.objects.create(
        service=service, patrol=patrol, text="Rolig kveld, Kråka var ute", written_by=user
    )
    Debrief.objects.filter(pk=debrief.pk).update(created_at=when)
    log_action(worker, AuditAction.READ, person)
    return Copies(
        person,
        encounter,
        incident,
        episode,
        note,
        task,
        referral,
        sent,
        draft,
        inquiry,
        walk_in,
        observation,
        debrief,
    )


@pytest.fixture
def copies(service, users, actors, patrol, area):
    return make_copies(service, users, actors, patrol, area)
