"""Retention runs, legal holds and the erasure of one person.

Identity and free text are anonymised in place, never deleted with their rows: contacts, age
band, gender, areas and dates stay, so statistics give the same figures after a run (ADR on
anonymise vs delete). Each removal is recorded as a `ShreddingRecord` (what, when, rule, how
many; never the content) and the audit rows that point to what was removed get a marker row.
"""

import datetime
import secrets
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from feltbok.audit.models import AuditAction, AuditEvent
from feltbok.audit.services import _append, log_action
from feltbok.core.access import Perm
from feltbok.core.transactions import write_transaction
from feltbok.counts.models import Observation
from feltbok.fieldwork.models import (
    Debrief,
    Encounter,
    EncounterPerson,
    IncidentNote,
    IncidentPerson,
)
from feltbok.followup.models import (
    Commission,
    DeclinedContact,
    Episode,
    Goal,
    Need,
    NeedChange,
    Note,
    PlanVersion,
    Task,
)
from feltbok.notifications.models import Notification, NotificationCorrection
from feltbok.oncall.models import EventKind, Inquiry, InquiryEvent, InquiryStatus, WalkInVisit
from feltbok.oncall.services import DEFAULT_RETENTION_DAYS
from feltbok.oversight.models import EmergencyAccess
from feltbok.people.models import AnonymityLevel, Person
from feltbok.privacy.models import (
    LIMITS,
    REMOVED,
    Erasure,
    LegalHold,
    RetentionSettings,
    Rule,
    ShreddedAuditEvent,
    ShreddingRecord,
)
from feltbok.referrals.models import Referral, ReferralEvent

# A reason must say something (as for emergency access).
REASON_MIN_LENGTH = 10
# Who the audit log names for the scheduled run (no user acts).
RETENTION_LABEL = "retention"

# Why some copies are kept on erasure: recorded as the exception, never silently skipped.
KEPT_NOTIFICATION = gettext_noop(
    "A notification that was sent is kept: the service must be able to document it "
    "(duty to report and record-keeping). Its content is not removed."
)
KEPT_ACCESS_LOG = gettext_noop(
    "The record of who opened the person is kept: accountability for access (GDPR art. 5(2) "
    "and 32). Its rows are marked as shredded."
)
KEPT_AUDIT = gettext_noop(
    "Access-log rows past retention are marked, not deleted: the log is a hash chain."
)


class PrivacyError(ValueError):
    """Input that breaks a rule; the message is shown to the user and nothing changed."""


# -- Settings --------------------------------------------------------------------------------


def settings_for(service) -> RetentionSettings:
    """The service's retention settings, or unsaved defaults when it has set none."""
    row = RetentionSettings.objects.filter(service=service).first()
    return row or RetentionSettings(service=service)


@dataclass
class SettingsData:
    identity_months: int
    note_months: int
    closed_inquiry_months: int
    audit_years: int


def save_settings(actor, data: SettingsData) -> RetentionSettings:
    actor.require(Perm.CONFIGURE_RETENTION)
    values = {name: getattr(data, name) for name in LIMITS}
    for name, value in values.items():
        low, high = LIMITS[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            label = RetentionSettings._meta.get_field(name).verbose_name
            raise PrivacyError(
                _("“%(field)s” must be a whole number from %(low)s to %(high)s.")
                % {"field": label, "low": low, "high": high}
            )
    with write_transaction():
        # Created with the defaults first, so the audit row shows what changed from them.
        row, _created = RetentionSettings.objects.select_for_update().get_or_create(
            service_id=actor.service_id
        )
        before = {name: getattr(row, name) for name in LIMITS}
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_by = actor.user
        row.save()
        changed = {name: [before[name], value] for name, value in values.items()}
        log_action(actor, AuditAction.UPDATE, row, detail=changed)
    return row


# -- Legal holds -----------------------------------------------------------------------------


def _clean_reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if len(text) < REASON_MIN_LENGTH:
        raise PrivacyError(
            _("Give a reason of at least %(count)s characters.") % {"count": REASON_MIN_LENGTH}
        )
    if len(text) > 300:
        raise PrivacyError(_("The reason is too long: at most 300 characters."))
    return text


def active_hold(person) -> LegalHold | None:
    return LegalHold.objects.filter(person=person, lifted_at__isnull=True).first()


def held_person_ids(service_id):
    """Persons under a legal hold in force: left out of every retention rule."""
    return LegalHold.objects.filter(service_id=service_id, lifted_at__isnull=True).values(
        "person_id"
    )


def place_hold(actor, person, reason: str) -> LegalHold:
    actor.require(Perm.LEGAL_HOLD)
    text = _clean_reason(reason)
    if Erasure.objects.filter(person=person).exists():
        raise PrivacyError(_("This person has been erased; there is nothing left to hold."))
    try:
        with write_transaction():
            hold = LegalHold.objects.create(
                service_id=actor.service_id, person=person, reason=text, placed_by=actor.user
            )
            log_action(
                actor,
                AuditAction.CREATE,
                hold,
                reason=gettext_noop("legal hold"),
                detail={"person": str(person.code)},
            )
    except IntegrityError as exc:
        raise PrivacyError(_("This person is already under a legal hold.")) from exc
    return hold


def lift_hold(actor, hold: LegalHold, reason: str) -> LegalHold:
    actor.require(Perm.LEGAL_HOLD)
    text = _clean_reason(reason)
    with write_transaction():
        current = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if current.lifted_at is not None:
            raise PrivacyError(_("This legal hold has already been lifted."))
        current.lifted_at = timezone.now()
        current.lifted_by = actor.user
        current.lift_reason = text
        current.save(update_fields=["lifted_at", "lifted_by", "lift_reason", "updated_at"])
        log_action(
            actor,
            AuditAction.UPDATE,
            current,
            reason=gettext_noop("legal hold lifted"),
            detail={"person": str(current.person.code)},
        )
    return current


# -- Shared anonymisation --------------------------------------------------------------------


def _scrub(field_name):
    """A text field emptied where it was empty, else the neutral marker (constraints that
    require text, e.g. a decision's reasons, stay satisfied)."""
    return Case(When(**{field_name: ""}, then=Value("")), default=Value(REMOVED))


def _scrub_update(queryset, fields, now, **extra) -> int:
    values = {name: _scrub(name) for name in fields}
    model_fields = {f.name for f in queryset.model._meta.get_fields()}
    if "updated_at" in model_fields:
        values["updated_at"] = now
    return queryset.update(**values, **extra)


def _anonymise_persons(queryset, now) -> int:
    """Identity removed: encrypted fields, blind indexes, nickname, description, birth year and
    flags. Gender, age band and contact dates stay for statistics."""
    return queryset.update(
        anonymity_level=AnonymityLevel.DESCRIPTION,
        nickname="",
        nickname_norm="",
        nickname_key="",
        description=REMOVED,
        full_name_enc="",
        birth_date_enc="",
        national_id_enc="",
        full_name_bidx="",
        national_id_bidx="",
        birth_year=None,
        flags=[],
        updated_at=now,
    )


def is_anonymised(person) -> bool:
    return person.anonymity_level == AnonymityLevel.DESCRIPTION and person.description == REMOVED


def _mark_audit(service_id, record, object_type, codes) -> int:
    """Marker rows for the audit events about these objects (the events never change)."""
    codes = [str(code) for code in codes]
    if not codes:
        return 0
    already = ShreddedAuditEvent.objects.filter(service_id=service_id).values("event_id")
    event_ids = AuditEvent.objects.filter(
        service_id=service_id, object_type=object_type, object_id__in=codes
    ).exclude(pk__in=already)
    marks = [
        ShreddedAuditEvent(event_id=pk, service_id=service_id, record=record)
        for pk in event_ids.values_list("pk", flat=True)
    ]
    ShreddedAuditEvent.objects.bulk_create(marks, batch_size=500)
    return len(marks)


# -- Retention -------------------------------------------------------------------------------


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day and time `months` calendar months earlier (the last day of a short month)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass
class Step:
    """One rule applied to one kind of row: what is due, and how to remove it."""

    rule: str
    what: str
    due: object  # a queryset of the rows due
    apply: object  # (queryset, record) -> count; writes
    exception: str = ""


@dataclass
class RunResult:
    service_id: int
    dry_run: bool
    batch: uuid.UUID
    counts: list[tuple[str, str, int]] = field(default_factory=list)  # (rule, what, count)

    @property
    def total(self) -> int:
        return sum(count for _rule, _what, count in self.counts)


def _retention_steps(service, now) -> list[Step]:
    settings_row = settings_for(service)
    held = held_person_ids(service.pk)
    sid = service.pk

    # Identity of persons with no contact for the period, not in an open follow-up.
    identity_cut = months_before(now, settings_row.identity_months)
    open_episodes = Episode.objects.filter(service_id=sid, ended_on__isnull=True).values(
        "person_id"
    )
    persons = (
        Person.objects.filter(service_id=sid)
        .alias(seen=Coalesce("last_contact_at", "created_at"))
        .filter(seen__lt=identity_cut)
        .exclude(anonymity_level=AnonymityLevel.DESCRIPTION, description=REMOVED)
        .exclude(pk__in=held)
        .exclude(pk__in=open_episodes)
    )

    def apply_identity(queryset, record):
        codes = list(queryset.values_list("code", flat=True))
        count = _anonymise_persons(Person.objects.filter(code__in=codes), now)
        _mark_audit(sid, record, "person", codes)
        return count

    # Free-text notes older than the period (not those about a person under legal hold).
    note_cut = months_before(now, settings_row.note_months)
    held_encounters = EncounterPerson.objects.filter(person_id__in=held).values("encounter_id")
    held_incidents = IncidentPerson.objects.filter(person_id__in=held).values("incident_id")
    encounters = (
        Encounter.objects.filter(service_id=sid, occurred_at__lt=note_cut)
        .exclude(note="")
        .exclude(pk__in=held_encounters)
    )
    incidents = (
        IncidentNote.objects.filter(service_id=sid, occurred_at__lt=note_cut)
        .exclude(note=REMOVED)
        .exclude(pk__in=held_incidents)
    )
    notes = (
        Note.objects.filter(service_id=sid, written_on__lt=note_cut.date())
        .exclude(text=REMOVED)
        .exclude(episode__person_id__in=held)
    )
    debriefs = Debrief.objects.filter(service_id=sid, created_at__lt=note_cut).exclude(text="")

    # Closed inquiries: their text (the inquiry, its dates and status stay).
    inquiry_cut = months_before(now, settings_row.closed_inquiry_months)
    inquiries = (
        Inquiry.objects.filter(
            service_id=sid, status=InquiryStatus.CLOSED, closed_at__lt=inquiry_cut
        )
        .exclude(concern=REMOVED)
        .exclude(person_id__in=held)
    )

    def apply_inquiries(queryset, record):
        pks = list(queryset.values_list("pk", flat=True))
        InquiryEvent.objects.filter(inquiry_id__in=pks).exclude(note="").update(
            note="", updated_at=now
        )
        return _scrub_update(
            Inquiry.objects.filter(pk__in=pks), ["concern", "where", "when", "feedback_reason"], now
        )

    # Reporters' contact details: the on-call setting's period, counted from receipt.
    from feltbok.oncall.models import OncallSettings

    days = (
        OncallSettings.objects.filter(service_id=sid)
        .values_list("reporter_retention_days", flat=True)
        .first()
    ) or DEFAULT_RETENTION_DAYS
    reporters = Inquiry.objects.filter(
        service_id=sid,
        reporter_purged_at__isnull=True,
        received_at__lte=now - datetime.timedelta(days=days),
    ).exclude(reporter_name="", reporter_phone="", reporter_email="")

    def apply_reporters(queryset, record):
        pks = list(queryset.values_list("pk", flat=True))
        InquiryEvent.objects.bulk_create(
            [
                InquiryEvent(service_id=sid, inquiry_id=pk, kind=EventKind.PURGED, occurred_at=now)
                for pk in pks
            ]
        )
        return Inquiry.objects.filter(pk__in=pks).update(
            reporter_name="",
            reporter_phone="",
            reporter_email="",
            reporter_purged_at=now,
            updated_at=now,
        )

    # The access log: marked past retention, never deleted (the chain).
    audit_cut = now.replace(year=now.year - settings_row.audit_years)
    audit_rows = AuditEvent.objects.filter(service_id=sid, created_at__lt=audit_cut).exclude(
        pk__in=ShreddedAuditEvent.objects.filter(service_id=sid).values("event_id")
    )

    def apply_audit(queryset, record):
        pks = list(queryset.values_list("pk", flat=True))
        ShreddedAuditEvent.objects.bulk_create(
            [ShreddedAuditEvent(event_id=pk, service_id=sid, record=record) for pk in pks],
            batch_size=500,
        )
        return len(pks)

    return [
        Step(Rule.IDENTITY, "person.identity", persons, apply_identity),
        Step(
            Rule.NOTES,
            "encounter.note",
            encounters,
            lambda qs, _r: qs.update(note="", version=F("version") + 1, updated_at=now),
        ),
        Step(
            Rule.NOTES, "incident.note", incidents, lambda qs, _r: _scrub_update(qs, ["note"], now)
        ),
        Step(Rule.NOTES, "followup.note", notes, lambda qs, _r: _scrub_update(qs, ["text"], now)),
        Step(
            Rule.NOTES,
            "debrief.text",
            debriefs,
            lambda qs, _r: qs.update(text="", version=F("version") + 1, updated_at=now),
        ),
        Step(Rule.CLOSED_INQUIRY, "inquiry.text", inquiries, apply_inquiries),
        Step(Rule.REPORTER, "inquiry.reporter", reporters, apply_reporters),
        Step(Rule.AUDIT, "audit.event", audit_rows, apply_audit, exception=KEPT_AUDIT),
    ]


def apply_retention(service, *, now=None, dry_run=False) -> RunResult:
    """Find what each retention rule makes due in one service and remove it (or, with
    `dry_run`, only count it). One transaction per service; recorded and audited."""
    now = now or timezone.now()
    result = RunResult(service_id=service.pk, dry_run=dry_run, batch=uuid.uuid4())
    steps = _retention_steps(service, now)
    if dry_run:
        result.counts = [(step.rule, step.what, step.due.count()) for step in steps]
        return result
    with write_transaction():
        for step in steps:
            # The record first, so audit markers can point to it; dropped when nothing was due.
            record = ShreddingRecord.objects.create(
                service=service,
                rule=step.rule,
                what=step.what,
                count=0,
                exception=step.exception,
                batch=result.batch,
            )
            count = step.apply(step.due, record)
            if count:
                record.count = count
                record.save(update_fields=["count", "updated_at"])
            else:
                record.delete()
            result.counts.append((step.rule, step.what, count))
        if result.total:
            _append(
                service.pk,
                [
                    AuditEvent(
                        service_id=service.pk,
                        actor=None,
                        actor_label=RETENTION_LABEL,
                        role="",
                        action=AuditAction.DELETE,
                        object_type="retention",
                        object_id=str(result.batch),
                        detail={what: count for _rule, what, count in result.counts if count},
                        created_at=timezone.now(),
                    )
                ],
            )
    return result


# -- Erasure of one person -------------------------------------------------------------------


def _discard_exports(person, actor, reason) -> int | None:
    """Protected exports on disk that hold the person (None where that app is absent)."""
    try:
        from feltbok.exports.services import discard_exports_for_person
    except ImportError:  # pragma: no cover - the exports app is part of the same release
        return None
    return discard_exports_for_person(person, actor=actor, reason=reason)


def erase_person(actor, person, reason: str) -> Erasure:
    """Remove one person's identity and person-level content from every copy.

    Refused, with nothing changed, for a person under a legal hold or already erased. Kept
    where the law requires it (a sent notification, the access log), with the reason recorded.
    """
    actor.require(Perm.ERASE_PERSON)
    text = _clean_reason(reason)
    now = timezone.now()
    sid = actor.service_id
    if person.service_id != sid:
        raise PrivacyError(_("This person is not in your service."))
    with write_transaction():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if active_hold(locked) is not None:
            raise PrivacyError(
                _(
                    "This person is under a legal hold and cannot be erased. Lift the hold "
                    "first if it no longer applies."
                )
            )
        if Erasure.objects.filter(person=locked).exists():
            raise PrivacyError(_("This person has already been erased."))
        erasure = Erasure.objects.create(
            service_id=sid, person=locked, reason=text, erased_by=actor.user
        )
        batch = uuid.uuid4()
        counts = {}

        def record(what, count, object_type="", codes=(), exception=""):
            if not count and not exception:
                return
            row = ShreddingRecord.objects.create(
                service_id=sid,
                rule=Rule.ERASURE,
                what=what,
                count=count,
                exception=exception,
                batch=batch,
                erasure=erasure,
            )
            if object_type:
                _mark_audit(sid, row, object_type, codes)
            counts[what] = count

        persons = Person.objects.filter(pk=locked.pk)
        record("person.identity", _anonymise_persons(persons, now), "person", [locked.code])

        encounter_ids = EncounterPerson.objects.filter(person=locked).values("encounter_id")
        encounters = Encounter.objects.filter(pk__in=encounter_ids)
        codes = list(encounters.exclude(note="").values_list("code", flat=True))
        count = Encounter.objects.filter(code__in=codes).update(
            note="", version=F("version") + 1, updated_at=now
        )
        record("encounter.note", count, "encounter", codes)

        incident_ids = list(
            IncidentPerson.objects.filter(person=locked).values_list("incident_id", flat=True)
        )
        incidents = IncidentNote.objects.filter(pk__in=incident_ids)
        codes = list(incidents.values_list("code", flat=True))
        record("incident.note", _scrub_update(incidents, ["note"], now), "incidentnote", codes)
        count, _deleted = IncidentPerson.objects.filter(person=locked).delete()
        record("incident.person_link", count)

        _erase_followup(locked, now, record)
        _erase_referrals(locked, now, record)
        _erase_notifications(locked, now, record)
        _erase_oncall(locked, now, record)

        # Count observations: the person link goes; a random key keeps the observation
        # counted and its duplicates (of the same person) together.
        observations = Observation.objects.filter(person=locked)
        codes = list(observations.values_list("code", flat=True))
        count = observations.update(person=None, dedup_hash=secrets.token_hex(32), updated_at=now)
        record("count.observation", count, "observation", codes)

        accesses = EmergencyAccess.objects.filter(person=locked).count()
        record("emergency_access", 0, exception=KEPT_ACCESS_LOG if accesses else "")

        exports = _discard_exports(locked, actor, gettext_noop("erasure of a person"))
        if exports is not None:
            record("export.file", exports)

        log_action(
            actor,
            AuditAction.DELETE,
            locked,
            reason=gettext_noop("erasure on request"),
            detail={"erasure": str(erasure.code), "removed": counts},
        )
    return erasure


def _erase_followup(person, now, record):
    episodes = Episode.objects.filter(person=person)
    codes = list(episodes.values_list("code", flat=True))
    record("followup.episode", _scrub_update(episodes, ["plan", "end_note"], now), "episode", codes)
    in_episodes = {"episode__person": person}
    record(
        "followup.plan_version",
        _scrub_update(PlanVersion.objects.filter(**in_episodes), ["text"], now),
    )
    record("followup.need", _scrub_update(Need.objects.filter(**in_episodes), ["description"], now))
    record(
        "followup.need_change",
        _scrub_update(NeedChange.objects.filter(need__episode__person=person), ["note"], now),
    )
    record("followup.goal", _scrub_update(Goal.objects.filter(**in_episodes), ["own_words"], now))
    record("followup.note", _scrub_update(Note.objects.filter(**in_episodes), ["text"], now))
    tasks = Task.objects.filter(**in_episodes)
    codes = list(tasks.values_list("code", flat=True))
    record("followup.task", _scrub_update(tasks, ["title", "usual_times"], now), "task", codes)
    commissions = Commission.objects.filter(**in_episodes)
    codes = list(commissions.values_list("code", flat=True))
    count = _scrub_update(
        commissions, ["requested_by", "requested_by_organisation", "what", "outcome"], now
    )
    record("followup.commission", count, "commission", codes)
    record(
        "followup.declined_contact",
        _scrub_update(DeclinedContact.objects.filter(person=person), ["note"], now),
    )


def _erase_referrals(person, now, record):
    referrals = Referral.objects.filter(person=person)
    codes = list(referrals.values_list("code", flat=True))
    count = _scrub_update(
        referrals, ["purpose", "consent_scope", "home_municipality", "follow_up_note"], now
    )
    record("referral", count, "referral", codes)
    record(
        "referral.event",
        _scrub_update(ReferralEvent.objects.filter(referral__person=person), ["note"], now),
    )


def _erase_notifications(person, now, record):
    notifications = Notification.objects.filter(person=person)
    # Sent (or closed after sending): kept with their content, the exception recorded.
    sent = notifications.filter(sent_at__isnull=False)
    kept = sent.count()
    if kept:
        record("notification.sent", kept, exception=KEPT_NOTIFICATION)
    unsent = notifications.filter(sent_at__isnull=True)
    codes = list(unsent.values_list("code", flat=True))
    record(
        "notification.corrections",
        _scrub_update(
            NotificationCorrection.objects.filter(notification__in=unsent),
            ["old_value", "new_value"],
            now,
        ),
    )
    count = _scrub_update(
        unsent,
        ["subject", "concern", "assessment", "decision_reasons", "approval_note", "follow_up"],
        now,
    )
    record("notification", count, "notification", codes)


def _erase_oncall(person, now, record):
    inquiries = Inquiry.objects.filter(person=person)
    codes = list(inquiries.values_list("code", flat=True))
    InquiryEvent.objects.filter(inquiry__person=person).exclude(note="").update(
        note="", updated_at=now
    )
    count = _scrub_update(
        inquiries,
        ["concern", "where", "when", "feedback_reason"],
        now,
        reporter_name="",
        reporter_phone="",
        reporter_email="",
    )
    record("inquiry", count, "inquiry", codes)
    visits = WalkInVisit.objects.filter(person=person)
    codes = list(visits.values_list("code", flat=True))
    count = _scrub_update(visits, ["who", "outcome", "follow_up"], now)
    record("walk_in", count, "walkinvisit", codes)


def erased_since(service_id, since):
    """Codes of persons erased since `since`: the phones' look-up lists drop them."""
    return Erasure.objects.filter(service_id=service_id, created_at__gte=since).values_list(
        "person__code", flat=True
    )
