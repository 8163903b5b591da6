"""What a phone's outbox sends: entry builders and helpers shared by the sync tests."""

import json
import uuid

from django.urls import reverse
from django.utils import timezone

from feltbok.audit.models import AuditEvent
from feltbok.fieldwork.models import (
    AreaVisit,
    Debrief,
    Encounter,
    EncounterPerson,
    EnvironmentObservation,
    IncidentNote,
    Patrol,
)
from feltbok.people.models import Person
from feltbok.sync.models import SyncReceipt


def sync_url():
    return reverse("api:sync")


def new_id() -> str:
    return str(uuid.uuid4())


def new_key() -> str:
    return uuid.uuid4().hex


def now() -> str:
    return timezone.now().isoformat()


def entry(entry_type, key=None, **data) -> dict:
    return {"key": key or new_key(), "type": entry_type, "data": data}


def tally(patrol, area, counts=(("18-22", "male", 2),), **extra) -> dict:
    cells = [{"age_band": band, "gender": gender, "count": n} for band, gender, n in counts]
    return entry(
        "tally",
        patrol=str(patrol.code),
        area=str(area.code),
        occurred_at=now(),
        counts=cells,
        **extra,
    )


def new_person_encounter(patrol, area, nickname="Måken", person_id=None, **extra) -> dict:
    return entry(
        "encounter",
        id=new_id(),
        patrol=str(patrol.code),
        area=str(area.code),
        occurred_at=now(),
        kind="individual",
        new_person={
            "id": person_id or new_id(),
            "anonymity_level": "nickname",
            "nickname": nickname,
            "gender": "female",
            "age_band": "23-25",
        },
        topics=["conversation"],
        **extra,
    )


def known_encounter(patrol, area, person_code, **extra) -> dict:
    data = {
        "id": new_id(),
        "patrol": str(patrol.code),
        "area": str(area.code),
        "occurred_at": now(),
        "kind": "individual",
        "persons": [str(person_code)],
        "topics": ["food", "conversation"],
        "note": "Delte ut mat.",
    }
    data.update(extra)
    return entry("encounter", **data)


def visit_start(patrol, area, **extra) -> dict:
    return entry(
        "visit.start",
        id=new_id(),
        patrol=str(patrol.code),
        area=str(area.code),
        arrived_at=now(),
        **extra,
    )


def visit_end(visit_id, version=1) -> dict:
    return entry("visit.end", id=str(visit_id), left_at=now(), version=version)


def observation(visit_id, **extra) -> dict:
    data = {
        "id": new_id(),
        "visit": str(visit_id),
        "observed_at": now(),
        "people_present": 12,
        "age_mix": ["18-22", "23-25"],
        "mood": "calm",
        "substances": ["alcohol"],
        "note": "Rolig kveld.",
    }
    data.update(extra)
    return entry("observation", **data)


def incident(patrol, area, **extra) -> dict:
    data = {
        "id": new_id(),
        "patrol": str(patrol.code),
        "area": str(area.code),
        "occurred_at": now(),
        "kind": "overdose",
        "note": "Ringte 113, fulgte opp til ambulansen kom.",
    }
    data.update(extra)
    return entry("incident", **data)


def encounter_update(encounter_id, version, **changes) -> dict:
    return entry("encounter.update", id=str(encounter_id), version=version, **changes)


def patrol_end(patrol) -> dict:
    return entry("patrol.end", patrol=str(patrol.code), ended_at=now())


def debrief(patrol, text="Rolig kveld.", **extra) -> dict:
    return entry("debrief", patrol=str(patrol.code), text=text, **extra)


def post(client, entries, **extra):
    body = json.dumps({"entries": entries})
    return client.post(sync_url(), body, content_type="application/json", **extra)


def send(client, entries) -> list[dict]:
    response = post(client, entries)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert len(results) == len(entries)
    return results


def statuses(results) -> list[int]:
    return [result["status"] for result in results]


def snapshot() -> dict:
    """Row counts of everything an entry can write, and the patrols' states."""
    counts = {
        model.__name__: model.objects.count()
        for model in (
            AreaVisit,
            EnvironmentObservation,
            Encounter,
            EncounterPerson,
            IncidentNote,
            Person,
            Debrief,
            SyncReceipt,
            AuditEvent,
        )
    }
    counts["patrols"] = sorted(Patrol.objects.values_list("code", "status", "ended_at"))
    counts["versions"] = sorted(
        [
            *Encounter.objects.values_list("code", "version", "note"),
            *AreaVisit.objects.values_list("code", "version", "left_at"),
        ]
    )
    return counts
