"""Retention runs, legal holds and erasure: exact outcomes, and nothing changed on refusal."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from feltbok.audit.models import AuditEvent
from feltbok.audit.services import verify_chain
from feltbok.counts.models import Observation
from feltbok.exports import services as exports
from feltbok.exports.models import ExportStatus, ProtectedExport
from feltbok.fieldwork.models import Debrief, Encounter, IncidentNote, IncidentPerson
from feltbok.followup.models import Episode, Goal, Need, Note, PlanVersion, Task
from feltbok.notifications.models import Notification
from feltbok.oncall.models import Inquiry, InquiryEvent, WalkInVisit
from feltbok.people.models import Person
from feltbok.privacy import services
from feltbok.privacy.models import (
    REMOVED,
    Erasure,
    LegalHold,
    RetentionSettings,
    ShreddedAuditEvent,
    ShreddingRecord,
)
from feltbok.privacy.services import PrivacyError, SettingsData
from feltbok.privacy.tests.conftest import ago, encounter_with, identified
from feltbok.referrals.models import Referral
from feltbok.sync.services import lookup_list, lookup_removals

REASON = "Personen ba om sletting i brev 20.11."


def snapshot():
    """Every table retention and erasure touch, as plain values."""
    return {
        model.__name__: sorted(map(tuple, model.objects.values_list().order_by("pk")), key=str)
        for model in (
            Person,
            Encounter,
            IncidentNote,
            IncidentPerson,
            Episode,
            Note,
            Task,
            Referral,
            Notification,
            Inquiry,
            WalkInVisit,
            Observation,
            Debrief,
            ShreddingRecord,
            ShreddedAuditEvent,
            Erasure,
            LegalHold,
        )
    } | {"audit": AuditEvent.objects.count()}


# -- Settings --------------------------------------------------------------------------------


def test_settings_default_until_saved_then_saved_and_audited(actors, service):
    row = services.settings_for(service)
    assert (row.pk, row.identity_months, row.note_months) == (None, 36, 24)
    assert (row.closed_inquiry_months, row.audit_years) == (24, 5)

    services.save_settings(actors["admin"], SettingsData(60, 12, 6, 10))

    row = RetentionSettings.objects.get(service=service)
    assert (row.identity_months, row.note_months, row.closed_inquiry_months) == (60, 12, 6)
    assert row.audit_years == 10
    event = AuditEvent.objects.get(object_type="retentionsettings")
    assert event.detail["identity_months"] == [36, 60]


@pytest.mark.parametrize(
    "values",
    [(-1, 24, 24, 5), (0, 24, 24, 5), (36, 9999, 24, 5), (36, 24, 24, 31), (True, 24, 24, 5)],
)
def test_settings_refuse_negative_or_absurd_periods(actors, values):
    with pytest.raises(PrivacyError, match="must be a whole number from"):
        services.save_settings(actors["admin"], SettingsData(*values))
    assert not RetentionSettings.objects.exists()
    assert not AuditEvent.objects.filter(object_type="retentionsettings").exists()


@pytest.mark.parametrize("persona", ["worker", "team_lead", "analyst"])
def test_only_administrators_set_retention(actors, persona):
    with pytest.raises(PermissionDenied):
        services.save_settings(actors[persona], SettingsData(36, 24, 24, 5))


# -- Retention -------------------------------------------------------------------------------


def _counts(result):
    return {what: count for _rule, what, count in result.counts}


EXPECTED = {
    "person.identity": 1,
    "encounter.note": 1,
    "incident.note": 1,
    "followup.note": 1,
    "debrief.text": 1,
    "inquiry.text": 0,  # the inquiry is not closed
    "inquiry.reporter": 1,
    "audit.event": 0,  # the audit rows are new
}


def test_dry_run_counts_and_changes_nothing_the_real_run_removes(service, copies, actors):
    fresh = identified(actors["worker"], name="Ola Nordmann")  # met today: stays
    before = snapshot()

    dry = services.apply_retention(service, dry_run=True)

    assert _counts(dry) == EXPECTED
    assert snapshot() == before

    real = services.apply_retention(service)

    assert _counts(real) == EXPECTED
    person = Person.objects.get(pk=copies.person.pk)
    assert (person.nickname, person.description, person.anonymity_level) == (
        "",
        REMOVED,
        "description",
    )
    assert (person.full_name_enc, person.national_id_enc, person.birth_date_enc) == ("", "", "")
    assert (person.full_name_bidx, person.national_id_bidx, person.flags) == ("", "", [])
    # What statistics use stays.
    assert (person.gender, person.age_band) == ("female", "36-49")
    assert Encounter.objects.get(pk=copies.encounter.pk).note == ""
    assert IncidentNote.objects.get(pk=copies.incident.pk).note == REMOVED
    assert Note.objects.get(pk=copies.note.pk).text == REMOVED
    assert Debrief.objects.get(pk=copies.debrief.pk).text == ""
    inquiry = Inquiry.objects.get(pk=copies.inquiry.pk)
    assert (inquiry.reporter_name, inquiry.reporter_phone) == ("", "")
    assert inquiry.reporter_purged_at is not None
    assert InquiryEvent.objects.filter(inquiry=inquiry, kind="purged").count() == 1
    assert Person.objects.get(pk=fresh.pk).nickname == "Kråka"
    records = {r.what: r.count for r in ShreddingRecord.objects.filter(rule__in=["identity"])}
    assert records == {"person.identity": 1}
    assert ShreddingRecord.objects.filter(erasure__isnull=True).count() == 6
    assert ShreddingRecord.objects.values("batch").distinct().count() == 1
    # The audit rows about the person stay, marked.
    about = AuditEvent.objects.filter(object_type="person", object_id=str(person.code))
    assert about.count() == 2
    assert ShreddedAuditEvent.objects.filter(event__in=about).count() == 2
    run = AuditEvent.objects.get(object_type="retention")
    assert run.actor_label == "retention"
    assert run.detail["person.identity"] == 1
    # A second run has nothing left to do.
    assert services.apply_retention(service).total == 0


def test_closed_inquiries_and_old_audit_rows(service, copies):
    Inquiry.objects.filter(pk=copies.inquiry.pk).update(
        status="closed", closed_at=ago(4 * 365), outcome="referred"
    )
    now = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=6 * 366)

    result = services.apply_retention(service, now=now)

    counts = _counts(result)
    assert counts["inquiry.text"] == 1
    # Rows about the person were marked by the identity rule; the audit rule marks the rest.
    assert counts["audit.event"] == 1
    marked = ShreddedAuditEvent.objects.values_list("event_id", flat=True)
    assert set(marked) == set(
        AuditEvent.objects.exclude(object_type="retention").values_list("pk", flat=True)
    )
    inquiry = Inquiry.objects.get(pk=copies.inquiry.pk)
    assert (inquiry.concern, inquiry.where) == (REMOVED, REMOVED)
    assert verify_chain(service.pk) == []


def test_legal_hold_stops_retention_for_that_person(service, copies, actors):
    services.place_hold(actors["team_lead"], copies.person, "Politisak 24-1234, vitneavhør")

    counts = _counts(services.apply_retention(service))

    assert counts["person.identity"] == 0
    assert counts["encounter.note"] == counts["incident.note"] == counts["followup.note"] == 0
    person = Person.objects.get(pk=copies.person.pk)
    assert person.nickname == "Kråka"
    assert person.full_name_enc
    assert Encounter.objects.get(pk=copies.encounter.pk).note == "Kråka sov under brua"


def test_persons_in_open_follow_up_keep_their_identity(service, copies):
    Episode.objects.filter(pk=copies.episode.pk).update(ended_on=None, end_reason="")
    assert _counts(services.apply_retention(service, dry_run=True))["person.identity"] == 0


def test_the_chain_verifies_after_retention_and_erasure(service, copies, actors):
    services.apply_retention(service)
    other = identified(actors["worker"], name="Per Hansen")
    services.erase_person(actors["team_lead"], other, REASON)

    assert verify_chain(service.pk) == []
    assert ShreddedAuditEvent.objects.count() >= 3


# -- Statistics stay the same ----------------------------------------------------------------


def test_statistics_identical_after_retention_and_erasure(
    service, users, actors, patrol, area, copies
):
    from feltbok.reports.models import StatisticsSettings
    from feltbok.reports.statistics import Query, run

    # Enough persons that no cell is suppressed; all met three years ago.
    when = ago(4 * 365)
    others = [identified(actors["worker"], name=f"Person {i}") for i in range(8)]
    encounter_with(patrol, area, others, when=when, note="Gruppe ved Oslo S")
    StatisticsSettings.objects.update_or_create(
        service=service, defaults={"suppression_threshold": 3}
    )
    start = when.date() - datetime.timedelta(days=7)
    end = when.date() + datetime.timedelta(days=7)
    queries = [
        Query(start=start, end=end, measure=measure, rows=rows, bucket="month")
        for measure, rows in [
            ("contacts", ()),
            ("contacts", ("gender",)),
            ("persons", ("age_band",)),
            ("persons", ("gender", "area")),
            ("new_persons", ()),
            ("incidents", ()),
            ("referrals", ()),
            ("notifications", ()),
        ]
    ]

    def figures():
        return [
            [(row.labels, row.cells) for row in run(actors["analyst"], q).table.rows]
            for q in queries
        ]

    before = figures()
    assert any(any(cells for _labels, cells in table) for table in before)

    services.apply_retention(service)
    services.erase_person(actors["team_lead"], others[0], REASON)

    assert figures() == before


# -- Legal hold ------------------------------------------------------------------------------


def test_hold_placed_and_lifted_with_reasons(actors, copies):
    hold = services.place_hold(actors["team_lead"], copies.person, "Klagesak hos Statsforvalteren")
    with pytest.raises(PrivacyError, match="already under a legal hold"):
        services.place_hold(actors["admin"], copies.person, "En gang til, samme person")

    lifted = services.lift_hold(actors["admin"], hold, "Klagesaken er avsluttet")

    assert lifted.lifted_by == actors["admin"].user
    assert lifted.lift_reason
    assert LegalHold.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="legalhold").count() == 2
    with pytest.raises(PrivacyError, match="already been lifted"):
        services.lift_hold(actors["admin"], hold, "Klagesaken er avsluttet")


@pytest.mark.parametrize("reason", ["", "   ", "kort", "x" * 301])
def test_hold_refuses_a_missing_or_bad_reason(actors, copies, reason):
    with pytest.raises(PrivacyError):
        services.place_hold(actors["team_lead"], copies.person, reason)
    assert not LegalHold.objects.exists()


# -- Erasure ---------------------------------------------------------------------------------


def test_erasure_reaches_every_copy(service, copies, actors, users):
    export = exports.create_protected_export(
        actors["team_lead"],
        kind="test",
        title="Test",
        files={"p.csv": b"Kraka"},
        person_ids=[copies.person.pk],
    ).export
    path = exports.file_path(export)
    assert path.exists()

    erasure = services.erase_person(actors["team_lead"], copies.person, REASON)

    person = Person.objects.get(pk=copies.person.pk)
    # The person record: no identity left.
    assert (person.nickname, person.description, person.full_name_enc) == ("", REMOVED, "")
    assert (person.national_id_bidx, person.birth_year, person.flags) == ("", None, [])
    # Contact notes linked to them.
    assert Encounter.objects.get(pk=copies.encounter.pk).note == ""
    # Incidents: the person link goes, the note is blanked.
    assert not IncidentPerson.objects.filter(person=person).exists()
    assert IncidentNote.objects.get(pk=copies.incident.pk).note == REMOVED
    # Follow-up episode, plan, needs, goals, notes, tasks.
    episode = Episode.objects.get(pk=copies.episode.pk)
    assert episode.plan == REMOVED
    assert PlanVersion.objects.get(episode=episode).text == REMOVED
    assert Need.objects.get(episode=episode).description == REMOVED
    assert Goal.objects.get(episode=episode).own_words == REMOVED
    assert Note.objects.get(pk=copies.note.pk).text == REMOVED
    assert Task.objects.get(pk=copies.task.pk).title == REMOVED
    # Referrals.
    assert Referral.objects.get(pk=copies.referral.pk).purpose == REMOVED
    # Notifications: the unsent one blanked, the sent one kept with the exception recorded.
    assert Notification.objects.get(pk=copies.draft.pk).concern == REMOVED
    assert Notification.objects.get(pk=copies.sent.pk).concern == "Sendt melding om Kråka"
    kept = ShreddingRecord.objects.get(erasure=erasure, what="notification.sent")
    assert kept.count == 1
    assert "must be able to document" in kept.exception
    # On-call inquiry and walk-in.
    inquiry = Inquiry.objects.get(pk=copies.inquiry.pk)
    assert (inquiry.concern, inquiry.where, inquiry.reporter_name) == (REMOVED, REMOVED, "")
    walk_in = WalkInVisit.objects.get(pk=copies.walk_in.pk)
    assert (walk_in.who, walk_in.outcome) == (REMOVED, REMOVED)
    # Count observations: still counted, no longer the person.
    observation = Observation.objects.get(pk=copies.observation.pk)
    assert observation.person is None
    assert len(observation.dedup_hash) == 64
    # Protected exports on disk.
    assert not path.exists()
    assert ProtectedExport.objects.get(pk=export.pk).status == ExportStatus.DISCARDED
    # The offline look-up list: gone, and the phone is told to drop it.
    Person.objects.filter(pk=person.pk).update(last_contact_at=ago(1))
    assert str(person.code) not in [str(p["id"]) for p in lookup_list(actors["worker"])]
    assert person.code in lookup_removals(actors["worker"])
    # Recorded and audited, without the content.
    whats = set(ShreddingRecord.objects.filter(erasure=erasure).values_list("what", flat=True))
    assert {"person.identity", "count.observation", "export.file", "emergency_access"} <= whats
    event = AuditEvent.objects.get(action="delete", object_type="person")
    assert event.actor == users["team_lead"]
    assert "Kråka" not in str(event.detail)
    assert "Kari" not in str(event.detail)
    assert ShreddedAuditEvent.objects.filter(
        event__object_id=str(person.code), event__action="read"
    ).exists()
    assert verify_chain(service.pk) == []


def test_erasure_under_legal_hold_is_refused_and_changes_nothing(copies, actors):
    services.place_hold(actors["team_lead"], copies.person, "Politisak 24-1234, vitneavhør")
    before = snapshot()

    with pytest.raises(PrivacyError, match="under a legal hold and cannot be erased"):
        services.erase_person(actors["admin"], copies.person, REASON)

    assert snapshot() == before


def test_erasure_after_the_hold_is_lifted(copies, actors):
    hold = services.place_hold(actors["team_lead"], copies.person, "Politisak 24-1234")
    services.lift_hold(actors["team_lead"], hold, "Saken er henlagt av politiet")

    services.erase_person(actors["admin"], copies.person, REASON)

    assert Erasure.objects.get().person == copies.person


def test_erasure_refuses_bad_input_and_a_second_erasure(copies, actors):
    before = snapshot()
    with pytest.raises(PrivacyError, match="at least 10 characters"):
        services.erase_person(actors["team_lead"], copies.person, "slett")
    assert snapshot() == before

    services.erase_person(actors["team_lead"], copies.person, REASON)
    with pytest.raises(PrivacyError, match="already been erased"):
        services.erase_person(actors["team_lead"], copies.person, REASON)
    with pytest.raises(PrivacyError, match="nothing left to hold"):
        services.place_hold(actors["team_lead"], copies.person, "For sent, personen er slettet")


@pytest.mark.parametrize("persona", ["worker", "coordinator", "analyst", "peer_worker"])
def test_only_team_leads_and_administrators_erase(copies, actors, persona):
    with pytest.raises(PermissionDenied):
        services.erase_person(actors[persona], copies.person, REASON)
    assert not Erasure.objects.exists()


def test_another_services_team_lead_cannot_erase(copies, actors):
    with pytest.raises(PrivacyError):
        services.erase_person(actors["outsider"], copies.person, REASON)
    assert Person.objects.get(pk=copies.person.pk).nickname == "Kråka"


# -- Command and task ------------------------------------------------------------------------


def test_command_dry_run_then_real_run(service, copies, capsys):
    call_command("apply_retention", "--dry-run", "--service", str(service.pk))
    out = capsys.readouterr().out
    assert "6 would remove" in out
    assert Person.objects.get(pk=copies.person.pk).nickname == "Kråka"

    call_command("apply_retention", "--service", str(service.code))
    out = capsys.readouterr().out
    assert "6 removed" in out
    assert Person.objects.get(pk=copies.person.pk).nickname == ""


def test_command_refuses_an_unknown_service(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No service"):
        call_command("apply_retention", "--service", "not-a-service")


def test_the_scheduled_task_runs_the_rules(service, copies):
    call_command("apply_retention", "--enqueue")

    assert Person.objects.get(pk=copies.person.pk).nickname == ""
    assert ShreddingRecord.objects.filter(what="person.identity").get().count == 1
