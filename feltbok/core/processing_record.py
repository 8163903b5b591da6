"""The record of processing activities (GDPR Article 30(1)) of one service, from its data.

Read from what the service has configured and stores, so the record follows the installation:
which activities hold records, which fields are encrypted, who receives what (partners by type,
notification recipients by type), the retention periods in force, the security settings.
Counts only: nothing person-level is read, so nothing here is audited.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from feltbok.accounts.models import Membership, Role
from feltbok.core.crypto import key_ring
from feltbok.organisation.models import Service, Team

# Each activity: the models that hold its records (app label, model), its purpose, its data
# subjects and data. An activity whose app is not installed is left out.
ACTIVITIES = [
    {
        "name": _("Outreach contact work"),
        "models": [("fieldwork", "Encounter"), ("people", "Person")],
        "purpose": _(
            "Record contacts with people met in street outreach, so that help continues "
            "between shifts and colleagues, and staff stay safe (safety flags, incidents)."
        ),
        "subjects": _("people met in the field, including children and young people"),
        "data": _(
            "nickname or description; gender; age band or birth year; identity (full name, "
            "birth date, national identity number) when the person agrees; time, area and "
            "place of contacts; topics; incidents (such as overdoses); flags"
        ),
    },
    {
        "name": _("Field notes and debriefs"),
        "models": [("fieldwork", "IncidentNote"), ("fieldwork", "Debrief")],
        "purpose": _("Document incidents and shifts for follow-up and staff safety."),
        "subjects": _("people met in the field; staff"),
        "data": _("free-text notes; incident kind and actions taken; substances seen"),
    },
    {
        "name": _("Individual follow-up"),
        "models": [("followup", "Episode"), ("followup", "Note"), ("followup", "Need")],
        "purpose": _("Plan and document follow-up of a person: needs, goals, notes and tasks."),
        "subjects": _("people in follow-up, including children and young people"),
        "data": _("needs (including health and substance use), goals, notes, tasks, contacts"),
    },
    {
        "name": _("Referrals to partners"),
        "models": [("referrals", "Referral")],
        "purpose": _("Refer a person to another service with their consent, and follow up."),
        "subjects": _("people referred"),
        "data": _("the person's pseudonym, the partner, the reason and the outcome"),
    },
    {
        "name": _("Mandatory notifications"),
        "models": [("notifications", "Notification")],
        "purpose": _(
            "Notify the authorities where the law sets aside the duty of confidentiality "
            "(for example concern for a child)."
        ),
        "subjects": _("people the concern is about, including children"),
        "data": _("the concern, the assessment, the decision and its grounds, the recipient"),
    },
    {
        "name": _("On-call line, walk-ins and public concern form"),
        "models": [("oncall", "Inquiry"), ("oncall", "WalkInVisit")],
        "purpose": _("Receive concerns from the public and partners and dispatch a patrol."),
        "subjects": _("members of the public who report a concern; the people concerned"),
        "data": _(
            "the reporter's name, telephone and e-mail (removed after the retention period); "
            "the concern, where and when; urgency"
        ),
    },
    {
        "name": _("Homelessness counts"),
        "models": [("counts", "Observation")],
        "purpose": _("Count people without a home on a count night (ETHOS Light)."),
        "subjects": _("people counted; no identity is recorded"),
        "data": _(
            "sleeping situation, age band, gender, duration, substance use and mental illness"
        ),
    },
    {
        "name": _("Statistics and reports"),
        "models": [("reportbuilder", "Report")],
        "purpose": _("Report activity to the municipality and funders as aggregates only."),
        "subjects": _("none: aggregates, small cells suppressed"),
        "data": _("counts by period, area, age band and gender"),
    },
    {
        "name": _("Staff accounts, access control and audit"),
        "models": [("accounts", "Membership"), ("audit", "AuditEvent")],
        "purpose": _(
            "Give staff access on a need-to-know basis and log every read and write of "
            "person-level data, so that access can be reviewed."
        ),
        "subjects": _("staff"),
        "data": _(
            "name, e-mail, role, second factor, failed log-ins, the access log, emergency "
            "accesses with their reasons"
        ),
    },
]


@dataclass
class Activity:
    name: str
    purpose: str
    subjects: str
    data: str
    records: int


@dataclass
class Recipient:
    name: str
    kind: str
    basis: str = ""
    count: int | None = None


@dataclass
class Retention:
    what: str
    period: str
    source: str


@dataclass
class Record:
    service: Service
    generated: datetime.date
    administrators: list[str]
    teams: list[str]
    activities: list[Activity]
    encrypted_fields: list[str]
    recipients: list[Recipient]
    transfers: list[str]
    retention: list[Retention]
    measures: list[str] = field(default_factory=list)


def _cell(text) -> str:
    """One Markdown table cell: no line breaks, no column separators."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _model(app_label, model_name):
    if not apps.is_installed(f"feltbok.{app_label}"):
        return None
    return apps.get_model(app_label, model_name)


def _records(service, model):
    """Rows of this service; models without a service column count through the person."""
    names = {f.name for f in model._meta.get_fields()}
    if "service" in names:
        return model.objects.filter(service=service).count()
    if "episode" in names:
        return model.objects.filter(episode__service=service).count()
    return 0


def _activities(service):
    result = []
    for activity in ACTIVITIES:
        models = [_model(label, name) for label, name in activity["models"]]
        models = [model for model in models if model is not None]
        if not models:
            continue
        result.append(
            Activity(
                name=activity["name"],
                purpose=activity["purpose"],
                subjects=activity["subjects"],
                data=activity["data"],
                records=sum(_records(service, model) for model in models),
            )
        )
    return result


def _encrypted_fields():
    """Every `*_enc` column: AES-GCM ciphertexts (core.crypto), found in the models."""
    found = []
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if model_field.name.endswith("_enc"):
                found.append(f"{model._meta.verbose_name}: {model_field.name.removesuffix('_enc')}")
    return sorted(found)


def _recipients(service):
    result = []
    partner = _model("referrals", "Partner")
    if partner is not None:
        from feltbok.referrals.models import PartnerType

        labels = dict(PartnerType.choices)
        rows = (
            partner.objects.filter(service=service, is_active=True)
            .values("partner_type")
            .annotate(n=Count("pk"))
            .order_by("partner_type")
        )
        for row in rows:
            result.append(
                Recipient(
                    name=labels.get(row["partner_type"], row["partner_type"]),
                    kind=_("referral partner (with the person's consent)"),
                    count=row["n"],
                )
            )
    notification_type = _model("notifications", "NotificationType")
    if notification_type is not None:
        from feltbok.referrals.models import PartnerType

        labels = dict(PartnerType.choices)
        for row in notification_type.objects.filter(country=service.country, is_active=True):
            result.append(
                Recipient(
                    name=_cell(labels.get(row.recipient_type, row.recipient_type)),
                    kind=_("mandatory notification: %(name)s") % {"name": _cell(row.name)},
                    basis=_cell(row.legal_basis),
                )
            )
    host = urlsplit(service.map_tile_url).hostname if service.map_tile_url else ""
    if host:
        result.append(
            Recipient(
                name=host,
                kind=_("map tile server: sees the address of each phone that opens the map"),
            )
        )
    return result


def _transfers(service):
    transfers = []
    if service.map_tile_url:
        transfers.append(
            _(
                "The map tile server (%(host)s) receives the IP addresses of phones that open "
                "the map: check where it is hosted."
            )
            % {"host": urlsplit(service.map_tile_url).hostname}
        )
    return transfers


def _months(value):
    return _("%(n)s months") % {"n": value}


def _retention(service):
    rows = []
    if apps.is_installed("feltbok.privacy"):
        from feltbok.privacy.services import settings_for

        rule = settings_for(service)
        source = _("service setting") if rule.pk else _("default (not changed by the service)")
        rows += [
            Retention(
                _("Identity of persons without contact"), _months(rule.identity_months), source
            ),
            Retention(_("Free-text notes"), _months(rule.note_months), source),
            Retention(_("Closed inquiries"), _months(rule.closed_inquiry_months), source),
            Retention(
                _("Access log (marked past retention, kept as a hash chain)"),
                _("%(n)s years") % {"n": rule.audit_years},
                source,
            ),
        ]
    if apps.is_installed("feltbok.oncall"):
        from feltbok.oncall.services import settings_for as oncall_settings_for

        oncall = oncall_settings_for(service)
        rows.append(
            Retention(
                _("Reporters' contact details"),
                _("%(n)s days") % {"n": oncall.reporter_retention_days},
                _("service setting") if oncall.pk else _("default (not changed by the service)"),
            )
        )
    if hasattr(settings, "FELTBOK_EXPORT_DAYS"):
        rows.append(
            Retention(
                _("Protected exports (files)"),
                _("%(n)s days") % {"n": settings.FELTBOK_EXPORT_DAYS},
                _("server setting FELTBOK_EXPORT_DAYS"),
            )
        )
    rows += [
        Retention(
            _("Sessions"),
            _("%(n)s hours at most") % {"n": int(settings.SESSION_COOKIE_AGE // 3600)},
            _("server setting FELTBOK_SESSION_MAX_HOURS"),
        ),
        Retention(
            _("Backups"),
            _("35 days"),
            _("the server's backup timer (deploy/systemd/feltbok-backup.service)"),
        ),
    ]
    return rows


def _measures(service):
    ring = key_ring()
    staff = Membership.objects.filter(service=service).values("user")
    with_mfa = 0
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa.models import Authenticator

        with_mfa = (
            Authenticator.objects.filter(user__in=staff, type=Authenticator.Type.TOTP)
            .values("user")
            .distinct()
            .count()
        )
    audit = _model("audit", "AuditEvent")
    events = audit.objects.filter(service=service).count() if audit else 0
    return [
        _(
            "Identifying fields are encrypted with AES-GCM; the key ring holds %(keys)s key(s), "
            "new values use key %(active)s; keys are kept apart from the database and backups."
        )
        % {"keys": len(ring.keys), "active": ring.active_id},
        _("Exact look-ups of identity use keyed hashes (blind indexes), not plain text."),
        _(
            "Every read and write of person-level data is logged in a hash chain per service "
            "(%(events)s events); `manage.py audit_verify` checks it daily."
        )
        % {"events": events},
        _(
            "Access by role and service (need to know); opening a person outside one's normal "
            "scope needs a reason and lasts %(hours)s hours, and is listed for the team lead."
        )
        % {"hours": settings.FELTBOK_EMERGENCY_ACCESS_HOURS},
        _(
            "A second factor (authenticator app) is required for every account: %(mfa)s of "
            "%(staff)s staff have enrolled one."
        )
        % {"mfa": with_mfa, "staff": staff.distinct().count()},
        _(
            "An account is locked after %(failures)s failed log-ins for %(minutes)s minutes; "
            "sessions end after %(idle)s minutes without use."
        )
        % {
            "failures": settings.AXES_FAILURE_LIMIT,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            "idle": int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60),
        },
        _("HTTPS only, with HSTS, secure cookies and a strict Content-Security-Policy."),
        (
            _("Exact locations are stored (service setting).")
            if service.exact_location_enabled
            else _("Locations are kept at area and place level only (service setting).")
        ),
        _("Aggregates show cells below %(n)s as “<%(n)s”.")
        % {"n": settings.FELTBOK_SUPPRESSION_THRESHOLD},
        _("Logs never carry query strings, request bodies or exception messages."),
        _(
            "Nightly backups of the database and files, checked by row counts and checksums "
            "on restore; exports of person-level data are password-protected and expire."
        ),
    ]


def build_record(service: Service, today: datetime.date | None = None) -> Record:
    admins = (
        Membership.objects.filter(service=service, role=Role.ADMIN)
        .select_related("user")
        .order_by("user__email")
    )
    teams = Team.objects.filter(service=service).order_by("name")
    return Record(
        service=service,
        generated=today or timezone.localdate(),
        administrators=[
            f"{m.user.get_full_name() or m.user.email} <{m.user.email}>" for m in admins
        ],
        teams=list(teams.values_list("name", flat=True)),
        activities=_activities(service),
        encrypted_fields=_encrypted_fields(),
        recipients=_recipients(service),
        transfers=_transfers(service),
        retention=_retention(service),
        measures=_measures(service),
    )


def render_record(service: Service, language: str = "en", today=None) -> str:
    with translation.override(language):
        record = build_record(service, today)
        return render_to_string("core/processing_record.md", {"record": record})
