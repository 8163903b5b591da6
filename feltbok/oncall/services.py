"""Writes of the on-call line: inquiries, dispatch, walk-ins, opening hours, retention.

Each write runs in one transaction with its audit entry. A broken rule raises `OncallError`
with a translated message and stores nothing.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from feltbok.accounts.models import Membership, Role
from feltbok.audit.models import AuditAction, AuditEvent
from feltbok.audit.services import _append, log_action
from feltbok.core.access import Perm
from feltbok.core.transactions import write_transaction
from feltbok.fieldwork.models import Patrol, PatrolStatus
from feltbok.oncall.models import (
    DEFAULT_RETENTION_DAYS,
    CallerType,
    Channel,
    EventKind,
    Feedback,
    Inquiry,
    InquiryEvent,
    InquiryStatus,
    LineKind,
    OncallSettings,
    OpeningException,
    OpeningHours,
    Outcome,
    Sign,
    Urgency,
    WalkInTopic,
    WalkInVisit,
)

# Staff an inquiry can be sent to in the office.
ASSIGNEE_ROLES = (Role.WORKER, Role.TEAM_LEAD, Role.COORDINATOR)
CONCERN_MAX = 4000
WHERE_MAX = 300
WHEN_MAX = 200
NOTE_MAX = 2000

# Oslo's on-call line and walk-in service (the seeds, Uteseksjonen): Mon–Thu 08–24,
# Fri 08–04, Sat 10–04, Sun 16–24; walk-in on weekdays 10–15.
OSLO_HOURS = {
    LineKind.ON_CALL: [
        (0, "08:00", "00:00"),
        (1, "08:00", "00:00"),
        (2, "08:00", "00:00"),
        (3, "08:00", "00:00"),
        (4, "08:00", "04:00"),
        (5, "10:00", "04:00"),
        (6, "16:00", "00:00"),
    ],
    LineKind.WALK_IN: [(day, "10:00", "15:00") for day in range(5)],
}


class OncallError(ValueError):
    """A rule of the on-call line was broken; the message is shown to the user."""


def _time(text) -> datetime.time:
    return datetime.time.fromisoformat(text) if isinstance(text, str) else text


# -- Text checks shared by the staff forms and the public form ------------------------------

# Control characters other than tab, newline and carriage return mean binary or pasted junk.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Markup that only a script or an attack would send: tags, event handlers, javascript: URLs.
_SCRIPT = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|svg|img|style|link|meta|form)\b"
    r"|\bjavascript\s*:|\bon[a-z]+\s*=|<[a-z!/?]",
    re.IGNORECASE,
)


def clean_text(value, *, limit, label, required=False) -> str:
    """Trimmed text, or OncallError for binary, script-laden, empty or oversized input."""
    text = "" if value is None else str(value)
    if _CONTROL.search(text) or any(unicodedata.category(ch) == "Cs" for ch in text):
        raise OncallError(
            _("“%(field)s” contains characters that cannot be saved. Write plain text.")
            % {"field": label}
        )
    if _SCRIPT.search(text):
        raise OncallError(
            _("“%(field)s” looks like code or markup. Write plain text without < and >.")
            % {"field": label}
        )
    text = text.strip()
    if required and not text:
        raise OncallError(_("Fill in “%(field)s”.") % {"field": label})
    if len(text) > limit:
        raise OncallError(
            _("“%(field)s” is too long: at most %(limit)s characters.")
            % {"field": label, "limit": limit}
        )
    return text


# -- Settings and opening hours ------------------------------------------------------------


def settings_for(service) -> OncallSettings:
    """The service's settings, or unsaved defaults when it has set none."""
    row = OncallSettings.objects.filter(service=service).first()
    if row is None:
        row = OncallSettings(
            service=service,
            public_slug=slugify(service.name)[:60],
            reporter_retention_days=DEFAULT_RETENTION_DAYS,
            public_form_enabled=False,
        )
    return row


@dataclass
class SettingsData:
    public_slug: str
    public_form_enabled: bool
    phone: str = ""
    walk_in_address: str = ""
    reporter_retention_days: int = DEFAULT_RETENTION_DAYS


def save_settings(actor, data: SettingsData) -> OncallSettings:
    actor.require(Perm.CONFIGURE_ONCALL)
    slug = slugify(data.public_slug)[:60]
    if not slug:
        raise OncallError(_("Give the public form an address of letters, digits and dashes."))
    days = data.reporter_retention_days
    if not isinstance(days, int) or not 1 <= days <= 365:
        raise OncallError(_("Give a number of days from 1 to 365."))
    phone = clean_text(data.phone, limit=40, label=_("On-call number"))
    address = clean_text(data.walk_in_address, limit=160, label=_("Walk-in address"))
    try:
        with write_transaction():
            row, _created = OncallSettings.objects.select_for_update().get_or_create(
                service_id=actor.service_id, defaults={"public_slug": slug}
            )
            row.public_slug = slug
            row.public_form_enabled = data.public_form_enabled
            row.phone = phone
            row.walk_in_address = address
            row.reporter_retention_days = days
            row.save()
            log_action(
                actor,
                AuditAction.UPDATE,
                row,
                detail={"retention_days": days, "public_form": data.public_form_enabled},
            )
    except IntegrityError as exc:
        raise OncallError(_("Another service already uses that address.")) from exc
    return row


def add_opening_hours(actor, *, kind, weekday, opens, closes) -> OpeningHours:
    actor.require(Perm.CONFIGURE_ONCALL)
    if kind not in LineKind.values:
        raise OncallError(_("Choose the on-call line or walk-in."))
    if weekday not in range(7):
        raise OncallError(_("Choose a weekday."))
    if opens is None or closes is None:
        raise OncallError(_("Give the opening and closing times."))
    try:
        with write_transaction():
            row = OpeningHours.objects.create(
                service_id=actor.service_id, kind=kind, weekday=weekday, opens=opens, closes=closes
            )
            log_action(actor, AuditAction.CREATE, row)
    except IntegrityError as exc:
        raise OncallError(_("That day already has a period opening at that time.")) from exc
    return row


def remove_opening_hours(actor, row: OpeningHours) -> None:
    actor.require(Perm.CONFIGURE_ONCALL)
    if row.service_id != actor.service_id:
        raise OncallError(_("Choose opening hours of this service."))
    with write_transaction():
        log_action(actor, AuditAction.DELETE, row)
        row.delete()


def add_exception(actor, *, kind, date, closed=True, opens=None, closes=None, note=""):
    actor.require(Perm.CONFIGURE_ONCALL)
    if kind not in LineKind.values:
        raise OncallError(_("Choose the on-call line or walk-in."))
    if date is None:
        raise OncallError(_("Give the date."))
    if not closed and (opens is None or closes is None):
        raise OncallError(_("Give the opening and closing times, or mark the day closed."))
    note = clean_text(note, limit=120, label=_("Note"))
    try:
        with write_transaction():
            row = OpeningException.objects.create(
                service_id=actor.service_id,
                kind=kind,
                date=date,
                closed=closed,
                opens=None if closed else opens,
                closes=None if closed else closes,
                note=note,
            )
            log_action(actor, AuditAction.CREATE, row)
    except IntegrityError as exc:
        raise OncallError(_("That date already has an exception.")) from exc
    return row


def remove_exception(actor, row: OpeningException) -> None:
    actor.require(Perm.CONFIGURE_ONCALL)
    if row.service_id != actor.service_id:
        raise OncallError(_("Choose an exception of this service."))
    with write_transaction():
        log_action(actor, AuditAction.DELETE, row)
        row.delete()


def seed_default_hours(service, *, hours=None) -> int:
    """Set a service's weekly hours (Oslo's by default) where it has none; a system import."""
    hours = hours or OSLO_HOURS
    rows = [
        OpeningHours(
            service=service, kind=kind, weekday=weekday, opens=_time(opens), closes=_time(closes)
        )
        for kind, periods in hours.items()
        if not OpeningHours.objects.filter(service=service, kind=kind).exists()
        for weekday, opens, closes in periods
    ]
    OpeningHours.objects.bulk_create(rows)
    from feltbok.oncall.selectors import clear_public_cache  # bulk_create sends no signal

    clear_public_cache()
    return len(rows)


# -- Inquiries -----------------------------------------------------------------------------


@dataclass
class InquiryData:
    concern: str
    urgency: str
    caller_type: str
    channel: str = Channel.PHONE
    where: str = ""
    when: str = ""
    person: object = None
    signs: list[str] = field(default_factory=list)
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""


def _check_inquiry(data: InquiryData, service_id) -> dict:
    if data.urgency not in Urgency.values:
        raise OncallError(_("Choose how urgent it is."))
    if data.caller_type not in CallerType.values:
        raise OncallError(_("Choose who contacted us."))
    if data.channel not in Channel.values:
        raise OncallError(_("Choose how the inquiry came in."))
    if data.person is not None and data.person.service_id != service_id:
        raise OncallError(_("Choose a person of this service."))
    signs = list(dict.fromkeys(data.signs))
    if any(sign not in Sign.values for sign in signs):
        raise OncallError(_("Choose signs from the list."))
    email = clean_text(data.reporter_email, limit=254, label=_("E-mail"))
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise OncallError(_("Give a valid e-mail address, or leave it empty."))
    phone = clean_text(data.reporter_phone, limit=40, label=_("Phone"))
    if phone and not re.fullmatch(r"\+?[0-9 ().-]{3,40}", phone):
        raise OncallError(_("Give a phone number of digits, or leave it empty."))
    return {
        "concern": clean_text(
            data.concern, limit=CONCERN_MAX, label=_("What the concern is"), required=True
        ),
        "where": clean_text(data.where, limit=WHERE_MAX, label=_("Where")),
        "when": clean_text(data.when, limit=WHEN_MAX, label=_("When")),
        "signs": signs,
        "reporter_name": clean_text(data.reporter_name, limit=120, label=_("Name")),
        "reporter_phone": phone,
        "reporter_email": email,
    }


def log_inquiry(actor, data: InquiryData) -> Inquiry:
    """A coordinator logs a call (or an e-mail, or a walk-in inquiry) as it comes in."""
    actor.require(Perm.TRIAGE_INQUIRIES)
    if data.channel == Channel.PUBLIC_FORM:
        raise OncallError(_("Choose how the inquiry came in."))
    values = _check_inquiry(data, actor.service_id)
    now = timezone.now()
    with write_transaction():
        inquiry = Inquiry.objects.create(
            service_id=actor.service_id,
            channel=data.channel,
            caller_type=data.caller_type,
            urgency=data.urgency,
            person=data.person,
            received_at=now,
            received_by=actor.user,
            **values,
        )
        InquiryEvent.objects.create(
            service_id=actor.service_id,
            inquiry=inquiry,
            kind=EventKind.RECEIVED,
            occurred_at=now,
            by=actor.user,
        )
        detail = {"channel": data.channel, "urgency": data.urgency}
        if data.person is not None:
            detail["person"] = str(data.person.code)
        log_action(actor, AuditAction.CREATE, inquiry, detail=detail)
    return inquiry


def _log_public(service_id, action, obj, detail):
    """An audit entry for a write no logged-in user made (the public form, the retention sweep).

    `log_action` needs an acting user; these writes have none, so the entry is built the same
    way with an empty actor and a label saying where it came from.
    """
    _append(
        service_id,
        [
            AuditEvent(
                service_id=service_id,
                actor=None,
                actor_label=detail.pop("label"),
                role="",
                action=action,
                object_type=obj._meta.model_name,
                object_id=str(obj.code),
                detail=detail,
                created_at=timezone.now(),
            )
        ],
    )


def submit_public_concern(service, data: InquiryData, *, settings_row=None) -> Inquiry:
    """A concern from the public form: lands in the triage queue as a new inquiry.

    `settings_row` is the service's settings when the caller has just read them.
    """
    settings = settings_row or OncallSettings.objects.filter(service=service).first()
    if settings is None or not settings.public_form_enabled or settings.service_id != service.pk:
        raise OncallError(_("This service does not take concerns through this form."))
    data.channel = Channel.PUBLIC_FORM
    if data.caller_type not in CallerType.values:
        data.caller_type = CallerType.UNKNOWN
    if data.urgency not in Urgency.values:
        data.urgency = Urgency.THIS_WEEK
    data.person = None
    values = _check_inquiry(data, service.pk)
    now = timezone.now()
    with transaction.atomic():
        inquiry = Inquiry.objects.create(
            service=service,
            channel=Channel.PUBLIC_FORM,
            caller_type=data.caller_type,
            urgency=data.urgency,
            received_at=now,
            **values,
        )
        InquiryEvent.objects.create(
            service=service, inquiry=inquiry, kind=EventKind.RECEIVED, occurred_at=now
        )
        _log_public(
            service.pk,
            AuditAction.CREATE,
            inquiry,
            {"label": "public form", "channel": Channel.PUBLIC_FORM},
        )
    return inquiry


def _locked(actor, inquiry) -> Inquiry:
    if inquiry.service_id != actor.service_id:
        raise OncallError(_("Choose an inquiry of this service."))
    return Inquiry.objects.select_for_update().get(pk=inquiry.pk)


def _event(actor, inquiry, kind, now, **fields):
    return InquiryEvent.objects.create(
        service_id=actor.service_id,
        inquiry=inquiry,
        kind=kind,
        occurred_at=now,
        by=actor.user,
        **fields,
    )


def dispatch(actor, inquiry: Inquiry, *, patrol=None, assignee=None, note="") -> Inquiry:
    """Send an inquiry to a patrol under way of this service, or to a staff member."""
    actor.require(Perm.TRIAGE_INQUIRIES)
    if (patrol is None) == (assignee is None):
        raise OncallError(_("Choose a patrol under way or a staff member, one of them."))
    if patrol is not None:
        if patrol.service_id != actor.service_id:
            raise OncallError(_("That patrol belongs to another service. Choose one of yours."))
        if patrol.status != PatrolStatus.ACTIVE:
            raise OncallError(_("That patrol is not on duty now. Choose a patrol under way."))
    if (
        assignee is not None
        and not Membership.objects.filter(
            user=assignee, service_id=actor.service_id, role__in=ASSIGNEE_ROLES, is_active=True
        ).exists()
    ):
        raise OncallError(_("Choose a staff member of this service."))
    note = clean_text(note, limit=NOTE_MAX, label=_("Note"))
    now = timezone.now()
    with write_transaction():
        current = _locked(actor, inquiry)
        # Still on duty at the moment of writing (it may have ended meanwhile).
        if (
            patrol is not None
            and not Patrol.objects.filter(pk=patrol.pk, status=PatrolStatus.ACTIVE).exists()
        ):
            raise OncallError(_("That patrol is not on duty now. Choose a patrol under way."))
        if not current.is_open:
            raise OncallError(_("This inquiry is closed."))
        before = current.status
        current.patrol = patrol
        current.assignee = assignee
        fields = ["patrol", "assignee", "status", "updated_at"]
        if current.first_dispatched_at is None:
            current.first_dispatched_at = now
            fields.append("first_dispatched_at")
        current.status = InquiryStatus.DISPATCHED
        current.save(update_fields=fields)
        _event(
            actor, current, EventKind.DISPATCHED, now, patrol=patrol, assignee=assignee, note=note
        )
        target = {"patrol": str(patrol.code)} if patrol else {"assignee": assignee.email}
        log_action(
            actor,
            AuditAction.UPDATE,
            current,
            detail={"status": [before, current.status], **target},
        )
    return current


def can_handle(actor, inquiry) -> bool:
    """Triage staff, or the patrol's members / the person it was sent to."""
    if inquiry.service_id != actor.service_id:
        return False
    if actor.can(Perm.TRIAGE_INQUIRIES):
        return True
    if not actor.can(Perm.HANDLE_INQUIRIES):
        return False
    if inquiry.patrol_id is not None and actor.user.pk in inquiry.patrol.member_ids():
        return True
    return (
        inquiry.assignee_id is not None
        and inquiry.assignee_id == actor.user.pk
        and actor.role != Role.PEER_WORKER
    )


def _require_handler(actor, inquiry):
    actor.require(Perm.HANDLE_INQUIRIES)
    if not can_handle(actor, inquiry):
        raise OncallError(_("Only the patrol or the staff member it was sent to can do this."))


def start_follow_up(actor, inquiry: Inquiry, note="") -> Inquiry:
    """The patrol (or staff member) is on it: "being followed up"."""
    _require_handler(actor, inquiry)
    note = clean_text(note, limit=NOTE_MAX, label=_("What was done"))
    now = timezone.now()
    with write_transaction():
        current = _locked(actor, inquiry)
        if current.status != InquiryStatus.DISPATCHED:
            raise OncallError(_("Only a dispatched inquiry can be marked as being followed up."))
        current.status = InquiryStatus.FOLLOWING_UP
        current.save(update_fields=["status", "updated_at"])
        _event(actor, current, EventKind.FOLLOWING_UP, now, note=note)
        log_action(
            actor,
            AuditAction.UPDATE,
            current,
            detail={"status": [InquiryStatus.DISPATCHED, InquiryStatus.FOLLOWING_UP]},
        )
    return current


def add_note(actor, inquiry: Inquiry, note: str) -> InquiryEvent:
    """What was done, in a few words."""
    _require_handler(actor, inquiry)
    note = clean_text(note, limit=NOTE_MAX, label=_("What was done"), required=True)
    now = timezone.now()
    with write_transaction():
        current = _locked(actor, inquiry)
        if not current.is_open:
            raise OncallError(_("This inquiry is closed."))
        event = _event(actor, current, EventKind.NOTE, now, note=note)
        current.save(update_fields=["updated_at"])
        log_action(actor, AuditAction.UPDATE, current, detail={"note": True})
    return event


def close(actor, inquiry: Inquiry, outcome: str, note="") -> Inquiry:
    _require_handler(actor, inquiry)
    if outcome not in Outcome.values:
        raise OncallError(_("Choose the outcome."))
    note = clean_text(note, limit=NOTE_MAX, label=_("What was done"))
    now = timezone.now()
    with write_transaction():
        current = _locked(actor, inquiry)
        if not current.is_open:
            raise OncallError(_("This inquiry is already closed."))
        before = current.status
        current.status = InquiryStatus.CLOSED
        current.outcome = outcome
        current.closed_at = now
        current.save(update_fields=["status", "outcome", "closed_at", "updated_at"])
        _event(actor, current, EventKind.CLOSED, now, note=note)
        log_action(
            actor,
            AuditAction.UPDATE,
            current,
            detail={"status": [before, InquiryStatus.CLOSED], "outcome": outcome},
        )
    return current


def decide_feedback(actor, inquiry: Inquiry, feedback: str, reason: str) -> Inquiry:
    """Record what the caller may be told, and why (confidentiality)."""
    actor.require(Perm.TRIAGE_INQUIRIES)
    if feedback not in Feedback.values:
        raise OncallError(_("Choose what the caller may be told."))
    reason = clean_text(reason, limit=300, label=_("Why"), required=True)
    now = timezone.now()
    with write_transaction():
        current = _locked(actor, inquiry)
        before = current.feedback
        current.feedback = feedback
        current.feedback_reason = reason
        current.save(update_fields=["feedback", "feedback_reason", "updated_at"])
        _event(
            actor, current, EventKind.FEEDBACK, now, note=f"{Feedback(feedback).label}: {reason}"
        )
        log_action(actor, AuditAction.UPDATE, current, detail={"feedback": [before, feedback]})
    return current


def link_person(actor, inquiry: Inquiry, person) -> Inquiry:
    actor.require(Perm.TRIAGE_INQUIRIES)
    actor.require(Perm.VIEW_PERSON)
    if person is None or person.service_id != actor.service_id:
        raise OncallError(_("Choose a person of this service."))
    now = timezone.now()
    with write_transaction():
        current = _locked(actor, inquiry)
        current.person = person
        current.save(update_fields=["person", "updated_at"])
        _event(actor, current, EventKind.PERSON, now)
        log_action(actor, AuditAction.UPDATE, current, detail={"person": str(person.code)})
    return current


# -- Retention -----------------------------------------------------------------------------


def purge_expired_reporter_details(now=None) -> int:
    """Remove reporters' contact details older than each service's retention period.

    Counted from when the inquiry was received. The inquiry stays; an event and an audit
    entry record that the details were removed. Returns the number of inquiries purged.
    """
    now = now or timezone.now()
    days_by_service = dict(
        OncallSettings.objects.values_list("service_id", "reporter_retention_days")
    )
    held = (
        Inquiry.objects.filter(reporter_purged_at__isnull=True)
        .exclude(reporter_name="", reporter_phone="", reporter_email="")
        .values_list("pk", "service_id", "received_at")
    )
    due = [
        (pk, service_id)
        for pk, service_id, received_at in held
        if received_at
        <= now - datetime.timedelta(days=days_by_service.get(service_id, DEFAULT_RETENTION_DAYS))
    ]
    for pk, service_id in due:
        with transaction.atomic():
            inquiry = Inquiry.objects.select_for_update().get(pk=pk)
            inquiry.reporter_name = inquiry.reporter_phone = inquiry.reporter_email = ""
            inquiry.reporter_purged_at = now
            inquiry.save(
                update_fields=[
                    "reporter_name",
                    "reporter_phone",
                    "reporter_email",
                    "reporter_purged_at",
                    "updated_at",
                ]
            )
            InquiryEvent.objects.create(
                service_id=service_id, inquiry=inquiry, kind=EventKind.PURGED, occurred_at=now
            )
            _log_public(
                service_id,
                AuditAction.UPDATE,
                inquiry,
                {"label": "retention", "reporter_details": "removed"},
            )
    return len(due)


# -- Walk-in visits ------------------------------------------------------------------------


@dataclass
class WalkInData:
    topic: str
    occurred_at: datetime.datetime | None = None
    person: object = None
    who: str = ""
    outcome: str = ""
    follow_up_needed: bool = False
    follow_up: str = ""


def record_walk_in(actor, data: WalkInData) -> WalkInVisit:
    actor.require(Perm.RECORD_WALKINS)
    if data.topic not in WalkInTopic.values:
        raise OncallError(_("Choose the topic."))
    if data.person is not None and data.person.service_id != actor.service_id:
        raise OncallError(_("Choose a person of this service."))
    now = timezone.now()
    occurred_at = data.occurred_at or now
    if occurred_at > now + datetime.timedelta(minutes=5):
        raise OncallError(_("The time cannot be in the future."))
    if occurred_at < now - datetime.timedelta(days=7):
        raise OncallError(_("Record walk-in visits within a week."))
    who = clean_text(data.who, limit=120, label=_("Who"))
    outcome = clean_text(data.outcome, limit=2000, label=_("Outcome"))
    follow_up = clean_text(data.follow_up, limit=500, label=_("What follow-up"))
    if data.follow_up_needed and not follow_up:
        raise OncallError(_("Say what follow-up is needed."))
    if not data.follow_up_needed:
        follow_up = ""
    with write_transaction():
        visit = WalkInVisit.objects.create(
            service_id=actor.service_id,
            occurred_at=occurred_at,
            person=data.person,
            who=who,
            topic=data.topic,
            outcome=outcome,
            follow_up_needed=data.follow_up_needed,
            follow_up=follow_up,
            recorded_by=actor.user,
        )
        detail = {"topic": data.topic}
        if data.person is not None:
            detail["person"] = str(data.person.code)
        log_action(actor, AuditAction.CREATE, visit, detail=detail)
    return visit
