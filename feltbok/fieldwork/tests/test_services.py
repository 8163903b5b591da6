"""Patrols and encounters: the two-person rule, recording, ending, audit."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from feltbok.audit.models import AuditEvent
from feltbok.fieldwork.models import Encounter, EncounterKind, EncounterPerson, Patrol, Shift
from feltbok.fieldwork.services import (
    EncounterData,
    FieldworkError,
    end_patrol,
    record_encounter,
    start_patrol,
)
from feltbok.people.models import AgeBand, AnonymityLevel, Gender, Person
from feltbok.people.services import PersonData


def test_start_patrol_with_a_colleague(worker, users, area):
    patrol = start_patrol(worker, colleague=users["colleague"], shift=Shift.DAY, areas=[area])

    assert patrol.member_ids() == {users["worker"].pk, users["colleague"].pk}
    assert patrol.is_active
    assert list(patrol.areas.all()) == [area]
    assert AuditEvent.objects.filter(object_id=str(patrol.code), action="create").count() == 1


@pytest.mark.parametrize("colleague", [None, "worker"])
def test_a_patrol_of_one_is_refused(worker, users, area, colleague):
    with pytest.raises(FieldworkError, match="at least two staff"):
        start_patrol(
            worker,
            colleague=users[colleague] if colleague else None,
            shift=Shift.DAY,
            areas=[area],
        )
    assert Patrol.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_the_database_refuses_a_patrol_of_one(service, users):
    """The rule holds even if someone bypasses the service layer."""
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Patrol.objects.create(
            service=service,
            date=now.date(),
            shift=Shift.DAY,
            started_at=now,
            first_member=users["worker"],
            second_member=users["worker"],
        )
    assert Patrol.objects.count() == 0


def test_colleague_from_another_service_is_refused(worker, users, area):
    with pytest.raises(FieldworkError, match="field staff of this service"):
        start_patrol(worker, colleague=users["outsider"], shift=Shift.DAY, areas=[area])
    assert Patrol.objects.count() == 0


def test_analyst_cannot_be_on_patrol(worker, users, area):
    with pytest.raises(FieldworkError):
        start_patrol(worker, colleague=users["analyst"], shift=Shift.DAY, areas=[area])


def test_coordinator_cannot_start_a_patrol(actors, users, area):
    with pytest.raises(PermissionDenied):
        start_patrol(
            actors["coordinator"], colleague=users["worker"], shift=Shift.DAY, areas=[area]
        )


def test_one_active_patrol_at_a_time(patrol, worker, users, area):
    with pytest.raises(FieldworkError, match="already have a patrol"):
        start_patrol(worker, colleague=users["peer_worker"], shift=Shift.DAY, areas=[area])


def test_area_of_another_service_is_refused(worker, users, other_service):
    from conftest import SQUARE
    from feltbok.organisation.models import FieldArea

    foreign = FieldArea.objects.create(
        service=other_service, name="Vesterbro", boundary=SQUARE, valid_from="2018-01-01"
    )
    with pytest.raises(FieldworkError, match="field areas of this service"):
        start_patrol(worker, colleague=users["colleague"], shift=Shift.DAY, areas=[foreign])


def test_contact_with_a_known_person(patrol, worker, person, area):
    encounter = record_encounter(
        worker,
        patrol,
        EncounterData(kind=EncounterKind.INDIVIDUAL, area=area, persons=[person], topics=["food"]),
    )

    person.refresh_from_db()
    assert encounter.contact_count == 1
    assert list(encounter.persons.all()) == [person]
    assert EncounterPerson.objects.get(encounter=encounter).first_contact is True
    assert person.first_contact_at == encounter.occurred_at
    assert person.last_contact_at == encounter.occurred_at

    second = record_encounter(
        worker, patrol, EncounterData(kind=EncounterKind.INDIVIDUAL, area=area, persons=[person])
    )
    assert EncounterPerson.objects.get(encounter=second).first_contact is False


def test_contact_with_a_new_person_creates_both_in_one_go(patrol, worker, area):
    data = PersonData(
        anonymity_level=AnonymityLevel.NICKNAME,
        nickname="Måken",
        gender=Gender.FEMALE,
        age_band=AgeBand.FROM_13,
    )
    encounter = record_encounter(
        worker, patrol, EncounterData(kind=EncounterKind.INDIVIDUAL, area=area), new_person=data
    )

    person = Person.objects.get(nickname="Måken")
    assert list(encounter.persons.all()) == [person]
    assert EncounterPerson.objects.get(encounter=encounter).first_contact is True


def test_a_failing_new_person_stores_no_encounter(patrol, worker, area):
    data = PersonData(anonymity_level=AnonymityLevel.NICKNAME, nickname="", gender=Gender.MALE)
    with pytest.raises(ValueError, match="needs a nickname"):
        record_encounter(
            worker, patrol, EncounterData(kind=EncounterKind.INDIVIDUAL, area=area), new_person=data
        )
    assert Encounter.objects.count() == 0
    assert Person.objects.count() == 0


def test_anonymous_head_count(patrol, worker, area):
    encounter = record_encounter(
        worker, patrol, EncounterData(kind=EncounterKind.ANONYMOUS, area=area, head_count=7)
    )
    assert encounter.contact_count == 7
    assert encounter.persons.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "anonymous", "head_count": 0}, "at least one person counted"),
        ({"kind": "anonymous", "head_count": 201}, "between 1 and 200"),
        ({"kind": "individual"}, "exactly one person"),
        ({"kind": "group", "head_count": 1}, "two people or more"),
        ({"kind": "telepathic"}, "kind of contact"),
        ({"kind": "anonymous", "head_count": 2, "topics": ["bribe"]}, "Unknown topic"),
        ({"kind": "anonymous", "head_count": 2, "note": "x" * 501}, "at most 500"),
    ],
)
def test_bad_encounters_are_refused_and_nothing_is_stored(patrol, worker, area, data, message):
    with pytest.raises(FieldworkError, match=message):
        record_encounter(worker, patrol, EncounterData(area=area, **data))
    assert Encounter.objects.count() == 0


def test_area_outside_the_patrol_is_refused(patrol, worker, second_area):
    with pytest.raises(FieldworkError, match="this patrol's field areas"):
        record_encounter(
            worker, patrol, EncounterData(kind="anonymous", area=second_area, head_count=2)
        )


def test_only_members_record_in_a_patrol(patrol, actors, area):
    with pytest.raises(FieldworkError, match="Only the members"):
        record_encounter(
            actors["team_lead"], patrol, EncounterData(kind="anonymous", area=area, head_count=2)
        )
    assert Encounter.objects.count() == 0


def test_end_patrol(patrol, actors, area):
    ended = end_patrol(actors["colleague"], patrol)

    assert not ended.is_active
    assert ended.ended_at >= ended.started_at
    with pytest.raises(FieldworkError, match="has ended"):
        record_encounter(
            actors["worker"], ended, EncounterData(kind="anonymous", area=area, head_count=1)
        )
    with pytest.raises(FieldworkError, match="has ended"):
        end_patrol(actors["worker"], ended)
