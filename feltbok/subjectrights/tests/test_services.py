import io
import json

import pytest
import pyzipper
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from feltbok.audit.models import AuditAction, AuditEvent
from feltbok.exports import services as exports
from feltbok.fieldwork.services import EncounterData, record_encounter
from feltbok.people.models import Person
from feltbok.people.selectors import open_person, search_persons
from feltbok.subjectrights import selectors, services
from feltbok.subjectrights.models import PersonCorrection

REASON = "The person showed ID at the office today"


def test_rectification_keeps_the_earlier_values(actors, identified):
    corrections = services.rectify_person(
        actors["worker"],
        identified,
        {"nickname": "Måsen", "full_name": "Kari Nordmann Hansen", "birth_year": "1991"},
        REASON,
    )

    identified.refresh_from_db()
    assert identified.nickname == "Måsen"
    assert identified.decrypt_field("full_name") == "Kari Nordmann Hansen"
    assert identified.birth_year == 1991
    by_field = {c.field: c for c in corrections}
    assert sorted(by_field) == ["birth_year", "full_name", "nickname"]
    assert by_field["nickname"].old_value == "Måken"
    assert by_field["birth_year"].old_value == "1990"
    # The earlier name is kept only encrypted, and reads back.
    stored = PersonCorrection.objects.get(field="full_name")
    assert stored.old_value == ""
    assert "Kari" not in stored.old_value_enc
    assert stored.read_old_value() == "Kari Nordmann"
    assert stored.corrected_by == actors["worker"].user
    assert stored.reason == REASON
    # Search by the new name finds the person; by the old name not.
    assert search_persons(actors["worker"], "Kari Nordmann Hansen") == [identified]
    assert search_persons(actors["worker"], "Kari Nordmann") == []
    # Audited with the fields, never the values.
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(identified.code))
    assert event.detail == {"rectified": ["birth_year", "full_name", "nickname"]}
    assert "Kari" not in json.dumps(event.detail) + event.reason


@pytest.mark.parametrize(
    ("changes", "reason", "message"),
    [
        ({"nickname": "Måsen"}, "too short", "at least 10 characters"),
        ({"birth_year": "1800"}, REASON, "birth year must be between"),
        ({"birth_date": "17.05.1990"}, REASON, "YYYY-MM-DD"),
        ({"full_name": ""}, REASON, "needs a full name"),
        ({"gender": "robot"}, REASON, "gender from the list"),
        ({"nickname": "Måken"}, REASON, "Nothing was changed"),
        ({"flags": ["violence"]}, REASON, "cannot be corrected here"),
    ],
)
def test_bad_rectification_changes_nothing(actors, identified, changes, reason, message):
    before = Person.objects.values().get(pk=identified.pk)
    events = AuditEvent.objects.count()

    with pytest.raises(services.SubjectRightsError, match=message):
        services.rectify_person(actors["worker"], identified, changes, reason)

    assert Person.objects.values().get(pk=identified.pk) == before
    assert not PersonCorrection.objects.exists()
    assert AuditEvent.objects.count() == events


def test_roles_without_the_right_cannot_rectify(actors, identified):
    for persona in ("coordinator", "peer_worker", "analyst", "admin"):
        with pytest.raises(PermissionDenied):
            services.rectify_person(actors[persona], identified, {"nickname": "X"}, REASON)
    with pytest.raises(services.SubjectRightsError):
        services.rectify_person(actors["outsider"], identified, {"nickname": "X"}, REASON)
    assert not PersonCorrection.objects.exists()


def _history(actors, patrol, area, person, n):
    for i in range(n):
        record_encounter(
            actors["worker"],
            patrol,
            EncounterData(kind="individual", area=area, persons=[person], note=f"Samtale {i}"),
        )


def _open(created):
    path = exports.file_path(created.export)
    with pyzipper.AESZipFile(path) as archive:
        archive.setpassword(created.password.encode())
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_access_export_holds_everything_and_who_read_it(actors, patrol, area, identified):
    _history(actors, patrol, area, identified, 2)
    open_person(actors["coordinator"], identified.code)  # a reader, in the access log
    services.rectify_person(actors["worker"], identified, {"nickname": "Måsen"}, REASON)

    created = services.make_access_export(actors["team_lead"], identified, "Letter of 20 Nov")

    files = _open(created)
    (pdf_name,) = [n for n in files if n.endswith(".pdf")]
    (json_name,) = [n for n in files if n.endswith(".json")]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(files[pdf_name])).pages)
    assert "Kari Nordmann" in text
    assert "coordinator@test.example" in text
    assert "Samtale 1" in text
    data = json.loads(files[json_name])
    assert set(data) == {
        "generated",
        "service",
        "requested_by",
        "person",
        "history",
        "count_observations",
        "corrections",
        "access_log",
        "exports",
    }
    assert data["person"]["identity"]["national_id"] == "17059012345"
    assert [item["text"] for item in data["history"]] == ["Samtale 1", "Samtale 0"]
    assert data["corrections"][0]["earlier_value"] == "Måken"
    readers = {row["who"] for row in data["access_log"] if row["action"] == "Read"}
    assert "coordinator@test.example" in readers
    # Recorded: the export holds the person; audited on the person with the reason.
    assert list(created.export.persons.all()) == [identified]
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, object_id=str(identified.code))
    assert "Letter of 20 Nov" in event.reason


def test_the_access_export_is_for_team_leads_with_a_reason(actors, identified):
    with pytest.raises(PermissionDenied):
        services.make_access_export(actors["worker"], identified, "Letter of 20 Nov")
    with pytest.raises(services.SubjectRightsError):
        services.make_access_export(actors["team_lead"], identified, "short")
    assert not exports.export_dir().exists() or not any(exports.export_dir().rglob("*.zip"))


def test_everything_held_in_constant_queries(actors, patrol, area, identified):
    lead = actors["team_lead"]
    _history(actors, patrol, area, identified, 1)
    with CaptureQueriesContext(connection) as few:
        selectors.everything_held(lead, identified, now=identified.created_at)
    _history(actors, patrol, area, identified, 6)
    services.rectify_person(actors["worker"], identified, {"nickname": "Måsen"}, REASON)
    open_person(actors["coordinator"], identified.code)
    with CaptureQueriesContext(connection) as many:
        data = selectors.everything_held(lead, identified, now=identified.created_at)
    assert len(data["history"]) == 7
    assert len(many) == len(few)
