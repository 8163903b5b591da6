"""Patrol planning: shift templates, the weekly rota, staff, joint patrols and conflicts.

Writes check the actor's right, run in one transaction and write one audit event there (pretix's
`log_action` shape). Reads are scoped to the actor's service; the one exception is a joint
patrol of another service, which its assigned staff from a partner service may see (read-only):
"each sees the patrol, each service keeps its own records".

Times: a slot's start and end are wall-clock times in `settings.TIME_ZONE`; an end at or before
the start is the next day (an evening patrol until 24:00 ends at 00:00, a night patrol at 04:00).
"""

import datetime
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import formats, timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from feltbok.accounts.models import Membership, User
from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, get_scoped_or_404, scoped
from feltbok.fieldwork import services
from feltbok.fieldwork.models import PlannedPatrol, PlannedStaff, Shift, ShiftTemplate
from feltbok.fieldwork.services import PATROL_ROLES, FieldworkError
from feltbok.organisation.models import FieldArea, Service, Team

EFFORT_MAX_LENGTH = 120
TEMPLATE_NAME_MAX_LENGTH = 80
MAX_PATROLS_PER_TEMPLATE = 12
MIN_STAFF = 2

MIDNIGHT = datetime.time(0, 0)

# Uteseksjonen's week (seed 002): (weekdays, shift, start, end, patrols per day).
# The seed gives "about 35 patrols a week" and, on weekdays, "as a rule 3 day patrols and 4-5
# evening patrols until midnight", fewer at weekends, and night patrols until 04:00 on the nights
# to Saturday and Sunday. Three day and 4-5 evening patrols on five weekdays alone would be 35-40
# before any weekend patrol, so the weekly total the seed states first is kept (as seed_demo
# does): three evening patrols Monday to Thursday, fewer on Friday and at the weekend. On-call
# hours (Sun 16-24) leave Sunday with one evening patrol.
DEFAULT_PATTERN = (
    ((0, 1, 2, 3, 4), Shift.DAY, datetime.time(10, 0), datetime.time(16, 0), 3),  # 15
    ((0, 1, 2, 3), Shift.EVENING, datetime.time(17, 0), MIDNIGHT, 3),  # 12
    ((4,), Shift.EVENING, datetime.time(17, 0), MIDNIGHT, 2),  # 2
    ((4, 5), Shift.NIGHT, datetime.time(22, 0), datetime.time(4, 0), 1),  # 2
    ((5,), Shift.DAY, datetime.time(10, 0), datetime.time(16, 0), 1),  # 1
    ((5,), Shift.EVENING, datetime.time(17, 0), MIDNIGHT, 2),  # 2
    ((6,), Shift.EVENING, datetime.time(17, 0), MIDNIGHT, 1),  # 1
)
DEFAULT_WEEKLY_TOTAL = 35


def _shift_names():
    return {
        Shift.DAY: _("day patrol"),
        Shift.EVENING: _("evening patrol"),
        Shift.NIGHT: _("night patrol"),
    }


def template_name(weekday: int, shift: str) -> str:
    """A template's default name in the active language, e.g. "Monday, evening patrol"."""
    return _("%(weekday)s, %(shift)s") % {
        "weekday": WEEKDAYS[weekday],
        "shift": _shift_names()[shift],
    }


# --- Weeks and times ---------------------------------------------------------------------------


def local_zone():
    return ZoneInfo(settings.TIME_ZONE)


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of the ISO week `day` is in."""
    return day - datetime.timedelta(days=day.weekday())


def monday_of(year: int, week: int) -> datetime.date:
    """The Monday of ISO week `week` of `year`; FieldworkError for a week that does not exist."""
    if not 2000 <= year <= 2100:
        raise FieldworkError(_("Choose a year between 2000 and 2100."))
    try:
        return datetime.date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise FieldworkError(
            _("There is no week %(week)s in %(year)s.") % {"week": week, "year": year}
        ) from exc


def slot_times(day: datetime.date, start: datetime.time, end: datetime.time):
    """Aware start and end of a slot on `day`; an end at or before the start is the next day."""
    zone = local_zone()
    starts_at = datetime.datetime.combine(day, start, tzinfo=zone)
    end_day = day + datetime.timedelta(days=1) if end <= start else day
    ends_at = datetime.datetime.combine(end_day, end, tzinfo=zone)
    return starts_at, ends_at


def describe(planned) -> str:
    """ "Mon 17:00–00:00" in the active language, for messages."""
    starts = timezone.localtime(planned.starts_at)
    ends = timezone.localtime(planned.ends_at)
    return f"{formats.date_format(starts, 'D j.')} {starts:%H:%M}–{ends:%H:%M}"


def _area_valid_on(area, day: datetime.date) -> bool:
    return area.valid_from <= day and (area.valid_to is None or area.valid_to >= day)


def _has_control_characters(text: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


# --- Shift templates ---------------------------------------------------------------------------


def create_default_templates(service) -> list[ShiftTemplate]:
    """The seeds' weekly pattern as shift templates for `service`: 35 patrols a week.

    A system function (used by seed_demo; no user acts, so no audit event). Weekdays: 3 day
    patrols 10:00–16:00; evening patrols 17:00–24:00, 3 Monday to Thursday and 2 on Friday;
    Saturday 1 day and 2 evening patrols, Sunday 1 evening patrol; night patrols 22:00–04:00
    on Friday and Saturday nights. Weekly total: 16 day (3 Monday to Friday, 1 on Saturday)
    + 17 evening + 2 night = 35 patrols. Each template covers the service's field areas in use
    today.

    Idempotent: a weekday and shift that already has a template is left as it is.
    """
    existing = set(ShiftTemplate.objects.filter(service=service).values_list("weekday", "shift"))
    areas = list(FieldArea.objects.filter(service=service).valid_on(timezone.localdate()))
    created = []
    with translation.override(service.language), transaction.atomic():
        for weekdays, shift, start, end, count in DEFAULT_PATTERN:
            for weekday in weekdays:
                if (weekday, shift) in existing:
                    continue
                template = ShiftTemplate.objects.create(
                    service=service,
                    name=template_name(weekday, shift),
                    shift=shift,
                    weekday=weekday,
                    start_time=start,
                    end_time=end,
                    patrol_count=count,
                )
                template.areas.set(areas)
                created.append(template)
    return created


@dataclass
class TemplateData:
    name: str
    shift: str
    weekday: int
    start_time: datetime.time
    end_time: datetime.time
    patrol_count: int = 1
    team: Team | None = None
    areas: list = field(default_factory=list)


def _check_template(actor, data: TemplateData):
    name = data.name.strip()
    if not name or len(name) > TEMPLATE_NAME_MAX_LENGTH or _has_control_characters(name):
        raise FieldworkError(_("Give the template a name of at most 80 characters."))
    if data.shift not in Shift.values:
        raise FieldworkError(_("Choose a shift."))
    if not 0 <= data.weekday <= 6:
        raise FieldworkError(_("Choose a weekday."))
    if data.start_time == data.end_time:
        raise FieldworkError(_("A patrol cannot start and end at the same time."))
    if not 1 <= data.patrol_count <= MAX_PATROLS_PER_TEMPLATE:
        raise FieldworkError(_("A template plans between 1 and 12 patrols."))
    if data.team is not None and data.team.service_id != actor.service_id:
        raise FieldworkError(_("Choose a team of this service."))
    if any(area.service_id != actor.service_id for area in data.areas):
        raise FieldworkError(_("Choose field areas of this service."))


def create_template(actor, data: TemplateData) -> ShiftTemplate:
    actor.require(Perm.PLAN_PATROLS)
    _check_template(actor, data)
    with transaction.atomic():
        template = ShiftTemplate.objects.create(
            service_id=actor.service_id,
            name=data.name.strip(),
            shift=data.shift,
            weekday=data.weekday,
            start_time=data.start_time,
            end_time=data.end_time,
            patrol_count=data.patrol_count,
            team=data.team,
        )
        template.areas.set(data.areas)
        log_action(actor, AuditAction.CREATE, template, detail=_template_detail(template, data))
    return template


def update_template(actor, template: ShiftTemplate, data: TemplateData) -> ShiftTemplate:
    actor.require(Perm.PLAN_PATROLS)
    _own(actor, template)
    _check_template(actor, data)
    with transaction.atomic():
        template.name = data.name.strip()
        template.shift = data.shift
        template.weekday = data.weekday
        template.start_time = data.start_time
        template.end_time = data.end_time
        template.patrol_count = data.patrol_count
        template.team = data.team
        template.save(
            update_fields=[
                "name",
                "shift",
                "weekday",
                "start_time",
                "end_time",
                "patrol_count",
                "team",
                "updated_at",
            ]
        )
        template.areas.set(data.areas)
        log_action(actor, AuditAction.UPDATE, template, detail=_template_detail(template, data))
    return template


def delete_template(actor, template: ShiftTemplate) -> None:
    """Remove a template; patrols already planned from it stay in the rota."""
    actor.require(Perm.PLAN_PATROLS)
    _own(actor, template)
    with transaction.atomic():
        log_action(actor, AuditAction.DELETE, template, detail={"name": template.name})
        template.delete()


def _template_detail(template, data: TemplateData):
    return {
        "weekday": template.weekday,
        "shift": template.shift,
        "start": template.start_time.strftime("%H:%M"),
        "end": template.end_time.strftime("%H:%M"),
        "patrols": template.patrol_count,
        "areas": sorted(str(area.code) for area in data.areas),
    }


def templates_of(actor):
    actor.require(Perm.PLAN_PATROLS)
    return list(
        scoped(actor, ShiftTemplate)
        .select_related("team")
        .prefetch_related(Prefetch("areas", queryset=FieldArea.objects.order_by("name")))
        .order_by("weekday", "start_time", "pk")
    )


def template_for(actor, code) -> ShiftTemplate:
    actor.require(Perm.PLAN_PATROLS)
    return get_scoped_or_404(actor, ShiftTemplate.objects.prefetch_related("areas"), code=code)


def weekly_total(templates) -> int:
    return sum(template.patrol_count for template in templates)


# --- The weekly rota ---------------------------------------------------------------------------


def generate_week(actor, monday: datetime.date) -> list[PlannedPatrol]:
    """Plan the ISO week starting `monday` from the service's shift templates.

    Each template gives `patrol_count` planned patrols on its weekday, with its team and the
    areas of it that are valid that day. Idempotent: a template that already has its patrols
    that week gets no more (one deleted by hand is planned again). Slots that have already
    started are skipped. Returns the patrols created.
    """
    actor.require(Perm.PLAN_PATROLS)
    monday = week_start(monday)
    now = timezone.now()
    sunday = monday + datetime.timedelta(days=6)
    week_end = datetime.datetime.combine(
        monday + datetime.timedelta(days=7), MIDNIGHT, tzinfo=local_zone()
    )
    if week_end <= now:
        raise FieldworkError(_("This week has passed; plan this week or a later one."))
    templates = list(scoped(actor, ShiftTemplate).select_related("team").prefetch_related("areas"))
    with transaction.atomic():
        # Lock the service's templates so two team leads generating at once plan each slot once.
        list(scoped(actor, ShiftTemplate).select_for_update().values_list("pk", flat=True))
        existing = {}
        for template_id in (
            scoped(actor, PlannedPatrol)
            .filter(date__range=(monday, sunday), template__isnull=False)
            .values_list("template_id", flat=True)
        ):
            existing[template_id] = existing.get(template_id, 0) + 1
        new, area_sets = [], []
        for template in templates:
            day = monday + datetime.timedelta(days=template.weekday)
            starts_at, ends_at = slot_times(day, template.start_time, template.end_time)
            if starts_at <= now:
                continue
            areas = [area for area in template.areas.all() if _area_valid_on(area, day)]
            for _index in range(template.patrol_count - existing.get(template.pk, 0)):
                new.append(
                    PlannedPatrol(
                        service_id=actor.service_id,
                        date=day,
                        shift=template.shift,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        template=template,
                        team=template.team,
                    )
                )
                area_sets.append(areas)
        if not new:
            return []
        PlannedPatrol.objects.bulk_create(new)
        by_code = {
            planned.code: planned
            for planned in PlannedPatrol.objects.filter(code__in=[p.code for p in new])
        }
        created = [by_code[planned.code] for planned in new]
        PlannedPatrol.areas.through.objects.bulk_create(
            [
                PlannedPatrol.areas.through(plannedpatrol_id=planned.pk, fieldarea_id=area.pk)
                for planned, areas in zip(created, area_sets, strict=True)
                for area in areas
            ]
        )
        year, week, _weekday = monday.isocalendar()
        log_action(
            actor,
            AuditAction.CREATE,
            object_type="plannedweek",
            object_id=f"{year}-W{week:02d}",
            detail={"created": [str(planned.code) for planned in created]},
        )
    return sorted(created, key=lambda planned: (planned.starts_at, planned.pk))


@dataclass
class ExtraPatrolData:
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    shift: str
    areas: list = field(default_factory=list)
    team: Team | None = None
    effort: str = ""
    high_visibility: bool = False


def create_planned_patrol(actor, data: ExtraPatrolData) -> PlannedPatrol:
    """An extra (ad hoc) patrol, not from a template: extra field work in a period or project."""
    actor.require(Perm.PLAN_PATROLS)
    if data.shift not in Shift.values:
        raise FieldworkError(_("Choose a shift."))
    if data.start_time == data.end_time:
        raise FieldworkError(_("A patrol cannot start and end at the same time."))
    starts_at, ends_at = slot_times(data.date, data.start_time, data.end_time)
    if ends_at <= timezone.now():
        raise FieldworkError(_("A patrol cannot be planned in the past."))
    effort = _clean_effort(data.effort)
    if data.team is not None and data.team.service_id != actor.service_id:
        raise FieldworkError(_("Choose a team of this service."))
    _check_areas(actor, data.areas, data.date)
    with transaction.atomic():
        planned = PlannedPatrol.objects.create(
            service_id=actor.service_id,
            date=data.date,
            shift=data.shift,
            starts_at=starts_at,
            ends_at=ends_at,
            team=data.team,
            effort=effort,
            high_visibility=data.high_visibility,
        )
        planned.areas.set(data.areas)
        log_action(
            actor,
            AuditAction.CREATE,
            planned,
            detail={
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "areas": sorted(str(area.code) for area in data.areas),
                "effort": effort,
                "high_visibility": data.high_visibility,
            },
        )
    return planned


def delete_planned_patrol(actor, planned: PlannedPatrol) -> None:
    """Remove a planned patrol that has not started (a started one is kept with its patrol)."""
    actor.require(Perm.PLAN_PATROLS)
    _own(actor, planned)
    with transaction.atomic():
        locked = _lock(planned)
        _require_not_started(locked)
        log_action(
            actor,
            AuditAction.DELETE,
            locked,
            detail={
                "starts_at": locked.starts_at.isoformat(),
                "staff": [str(code) for code in _staff_codes(locked)],
            },
        )
        locked.delete()


# --- Staff -------------------------------------------------------------------------------------


def _staff_membership(actor, planned, user):
    """The membership that lets `user` go on `planned`, preferring the actor's own service."""
    services_allowed = [actor.service_id, *planned.partner_services.values_list("pk", flat=True)]
    memberships = {
        membership.service_id: membership
        for membership in Membership.objects.filter(
            user=user,
            user__is_active=True,
            service_id__in=services_allowed,
            role__in=PATROL_ROLES,
            is_active=True,
        )
    }
    for service_id in services_allowed:
        if service_id in memberships:
            return memberships[service_id]
    return None


def assign(actor, planned: PlannedPatrol, user) -> PlannedStaff:
    """Put `user` on a planned patrol.

    They must be active field staff of the actor's service, or of a partner service of this
    (joint) patrol; their service is recorded with them. A worker already planned on a patrol
    at an overlapping time is refused: one person cannot walk two patrols.
    """
    actor.require(Perm.PLAN_PATROLS)
    _own(actor, planned)
    membership = _staff_membership(actor, planned, user)
    if membership is None:
        raise FieldworkError(
            _("%(name)s is not field staff of this service or of a partner in this patrol.")
            % {"name": user}
        )
    with transaction.atomic():
        # One assignment of a person at a time, so two team leads cannot double-book them.
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        locked = _lock(planned)
        _require_not_started(locked)
        if PlannedStaff.objects.filter(planned_patrol=locked, user=user).exists():
            raise FieldworkError(_("%(name)s is already on this patrol.") % {"name": user})
        overlapping = PlannedStaff.objects.filter(
            user=user,
            planned_patrol__starts_at__lt=locked.ends_at,
            planned_patrol__ends_at__gt=locked.starts_at,
        ).exclude(planned_patrol=locked)
        if overlapping.exists():
            raise FieldworkError(
                _("%(name)s is already planned on another patrol at the same time.")
                % {"name": user}
            )
        staff = PlannedStaff.objects.create(
            planned_patrol=locked, user=user, service_id=membership.service_id
        )
        log_action(
            actor,
            AuditAction.UPDATE,
            locked,
            detail={"assigned": str(user.code), "service": membership.service_id},
        )
    return staff


def unassign(actor, planned: PlannedPatrol, user) -> None:
    actor.require(Perm.PLAN_PATROLS)
    _own(actor, planned)
    with transaction.atomic():
        locked = _lock(planned)
        _require_not_started(locked)
        removed, _detail = PlannedStaff.objects.filter(planned_patrol=locked, user=user).delete()
        if not removed:
            raise FieldworkError(_("%(name)s is not on this patrol.") % {"name": user})
        log_action(actor, AuditAction.UPDATE, locked, detail={"unassigned": str(user.code)})


# --- Joint patrols, vests, extra efforts, areas -------------------------------------------------


def partner_candidates(actor):
    """Services a patrol can be joint with (every other service on this installation)."""
    return Service.objects.exclude(pk=actor.service_id).order_by("name")


def make_joint(actor, planned: PlannedPatrol, partner_service) -> None:
    """One click: staff of `partner_service` may now be put on this patrol."""
    actor.require(Perm.PLAN_PATROLS)
    _own(actor, planned)
    if partner_service.pk == actor.service_id:
        raise FieldworkError(_("A patrol cannot be joint with its own service."))
    with transaction.atomic():
        locked = _lock(planned)
        _require_not_started(locked)
        if locked.partner_services.filter(pk=partner_service.pk).exists():
            raise FieldworkError(
                _("This patrol is already joint with %(service)s.") % {"service": partner_service}
            )
        locked.partner_services.add(partner_service)
        log_action(actor, AuditAction.UPDATE, locked, detail={"joint_with": partner_service.pk})


def end_joint(actor, planned: PlannedPatrol, partner_service) -> None:
    """No longer joint with `partner_service`; its staff must be taken off the patrol first."""
    actor.require(Perm.PLAN_PATROLS)
    _own(actor, planned)
    with transaction.atomic():
        locked = _lock(planned)
        _require_not_started(locked)
        if not locked.partner_services.filter(pk=partner_service.pk).exists():
            raise FieldworkError(
                _("This patrol is not joint with %(service)s.") % {"service": partner_service}
            )
        if PlannedStaff.objects.filter(planned_patrol=locked, service=partner_service).exists():
            raise FieldworkError(
                _("Take the staff of %(service)s off the patrol first.")
                % {"service": partner_service}
            )
        locked.partner_services.remove(partner_service)
        log_action(actor, AuditAction.UPDATE, locked, detail={"joint_ended": partner_service.pk})


def set_high_visibility(actor, planned: PlannedPatrol, on: bool) -> None:
    """A visible, preventive effort in high-visibility vests (or not)."""
    actor.require(Perm.PLAN_PATROLS)
    _own(actor, planned)
    with transaction.atomic():
        locked = _lock(planned)
        _require_not_started(locked)
        locked.high_visibility = bool(on)
        locked.save(update_fields=["high_visibility", "updated_at"])
        log_action(actor, AuditAction.UPDATE, locked, detail={"high_visibility": bool(on)})
    planned.high_visibility = bool(on)


def _clean_effort(label: str) -> str:
    label = (label or "").strip()
    if len(label) > EFFORT_MAX_LENGTH:
        raise FieldworkError(_("The extra effort can be at most 120 characters."))
    if _has_control_characters(label):
        raise FieldworkError(_("The extra effort can only contain ordinary text."))
    return label


def set_effort(actor, planned: PlannedPatrol, label: str) -> None:
    """Mark the patrol as part of a period or project of extra field work ("" clears it)."""
    actor.require(Perm.PLAN_PATROLS)
    _own(actor, planned)
    label = _clean_effort(label)
    with transaction.atomic():
        locked = _lock(planned)
        _require_not_started(locked)
        locked.effort = label
        locked.save(update_fields=["effort", "updated_at"])
        log_action(actor, AuditAction.UPDATE, locked, detail={"effort": label})
    planned.effort = label


def _check_areas(actor, areas, day):
    for area in areas:
        if area.service_id != actor.service_id or not _area_valid_on(area, day):
            raise FieldworkError(_("Choose field areas of this service that are in use that day."))


def add_area(actor, planned: PlannedPatrol, area) -> None:
    actor.require(Perm.PLAN_PATROLS)
    _own(actor, planned)
    _check_areas(actor, [area], planned.date)
    with transaction.atomic():
        locked = _lock(planned)
        _require_not_started(locked)
        if locked.areas.filter(pk=area.pk).exists():
            raise FieldworkError(
                _("%(area)s is already one of this patrol's areas.") % {"area": area}
            )
        locked.areas.add(area)
        log_action(actor, AuditAction.UPDATE, locked, detail={"area_added": str(area.code)})


def remove_area(actor, planned: PlannedPatrol, area) -> None:
    actor.require(Perm.PLAN_PATROLS)
    _own(actor, planned)
    with transaction.atomic():
        locked = _lock(planned)
        _require_not_started(locked)
        if not locked.areas.filter(pk=area.pk).exists():
            raise FieldworkError(_("%(area)s is not one of this patrol's areas.") % {"area": area})
        locked.areas.remove(area)
        log_action(actor, AuditAction.UPDATE, locked, detail={"area_removed": str(area.code)})


# --- Starting a planned patrol -------------------------------------------------------------------


def can_start(actor, planned: PlannedPatrol, now=None) -> bool:
    """Whether the actor may start this planned patrol now (uses prefetched staff)."""
    now = now or timezone.now()
    return (
        actor.can(Perm.RECORD_FIELDWORK)
        and planned.service_id == actor.service_id
        and planned.patrol_id is None
        and now < planned.ends_at
        and (planned.date == timezone.localdate(now) or planned.starts_at <= now)
        and any(row.user_id == actor.user.pk for row in _staff_rows(planned))
    )


def start_planned_patrol(actor, planned: PlannedPatrol):
    """Start the patrol as planned: its staff, shift, areas, partners and vests.

    The actor must be on its staff (and of the service that planned it); a patrol needs at
    least two staff. The planned areas in use today are taken, or every area in use when none
    was chosen. Nothing is stored if any rule is broken.
    """
    actor.require(Perm.RECORD_FIELDWORK)
    if planned.service_id != actor.service_id:
        if _assigned_from_partner(actor, planned):
            raise FieldworkError(
                _("This joint patrol is started by staff of the service that planned it.")
            )
        raise Http404
    now = timezone.now()
    with transaction.atomic():
        locked = _lock(planned)
        if locked.patrol_id is not None:
            raise FieldworkError(_("This patrol has already started."))
        rows = list(
            PlannedStaff.objects.filter(planned_patrol=locked).select_related("user").order_by("pk")
        )
        if actor.user.pk not in {row.user_id for row in rows}:
            raise FieldworkError(_("Only staff planned on this patrol can start it."))
        if len(rows) < MIN_STAFF:
            raise FieldworkError(_("A patrol needs at least two staff."))
        if now >= locked.ends_at or not (
            locked.date == timezone.localdate(now) or locked.starts_at <= now
        ):
            raise FieldworkError(_("A planned patrol can be started on its day only."))
        others = [row for row in rows if row.user_id != actor.user.pk]
        # The colleague is preferably of the same service; the rest walk as further members.
        others.sort(key=lambda row: row.service_id != actor.service_id)
        colleague = others[0].user
        today = timezone.localdate(now)
        areas = [area for area in locked.areas.all() if _area_valid_on(area, today)]
        if not areas:
            areas = list(scoped(actor, FieldArea).valid_on(today).order_by("name"))
        patrol = services.start_patrol(
            actor,
            colleague=colleague,
            other_members=[row.user for row in others[1:]],
            shift=locked.shift,
            areas=areas,
            partner_services=list(locked.partner_services.all()),
            high_visibility=locked.high_visibility,
        )
        locked.patrol = patrol
        locked.save(update_fields=["patrol", "updated_at"])
        log_action(actor, AuditAction.UPDATE, locked, detail={"started": str(patrol.code)})
    planned.patrol = patrol
    return patrol


# --- Reads -------------------------------------------------------------------------------------


def _with_details(queryset):
    return queryset.select_related("service", "template", "team", "patrol").prefetch_related(
        Prefetch(
            "plannedstaff_set",
            queryset=PlannedStaff.objects.select_related("user", "service").order_by("pk"),
            to_attr="staff_rows",
        ),
        Prefetch("areas", queryset=FieldArea.objects.order_by("name"), to_attr="area_list"),
        Prefetch(
            "partner_services",
            queryset=Service.objects.order_by("name"),
            to_attr="partner_list",
        ),
    )


def visible_planned(actor):
    """Planned patrols the actor may see: their service's, and joint ones they are on."""
    actor.require(Perm.VIEW_PLAN)
    own = scoped(actor, PlannedPatrol)
    joint = PlannedPatrol.objects.filter(
        pk__in=PlannedStaff.objects.filter(
            user_id=actor.user.pk, service_id=actor.service_id
        ).values("planned_patrol_id")
    )
    return own | joint


def planned_for(actor, code, *, edit=False) -> PlannedPatrol:
    """One planned patrol with its details; 404 when missing or not the actor's to see/edit."""
    if edit:
        actor.require(Perm.PLAN_PATROLS)
        queryset = scoped(actor, PlannedPatrol)
    else:
        queryset = visible_planned(actor)
    try:
        return _with_details(queryset).get(code=code)
    except PlannedPatrol.DoesNotExist as exc:
        raise Http404 from exc


def week_plan(actor, monday: datetime.date) -> list[PlannedPatrol]:
    """The week's planned patrols with staff, areas and partners: five queries, any size."""
    monday = week_start(monday)
    sunday = monday + datetime.timedelta(days=6)
    return list(
        _with_details(visible_planned(actor).filter(date__range=(monday, sunday))).order_by(
            "starts_at", "pk"
        )
    )


def my_planned_patrols(actor, days: int = 7) -> list[PlannedPatrol]:
    """The actor's own planned patrols from now on and for `days` days, joint ones included."""
    actor.require(Perm.VIEW_PLAN)
    now = timezone.now()
    last_day = timezone.localdate(now) + datetime.timedelta(days=days)
    return list(
        _with_details(
            PlannedPatrol.objects.filter(
                pk__in=PlannedStaff.objects.filter(
                    user_id=actor.user.pk, service_id=actor.service_id
                ).values("planned_patrol_id"),
                ends_at__gt=now,
                date__lte=last_day,
            )
        ).order_by("starts_at", "pk")
    )


def field_staff(actor, service_ids=None):
    """Active field staff by service: the actor's, and of `service_ids` (partners)."""
    service_ids = {actor.service_id, *(service_ids or ())}
    memberships = (
        Membership.objects.filter(
            service_id__in=service_ids,
            role__in=PATROL_ROLES,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )
    staff = {service_id: [] for service_id in service_ids}
    for membership in memberships:
        staff[membership.service_id].append(membership.user)
    return staff


def areas_in_week(actor, monday: datetime.date) -> list[FieldArea]:
    """The service's field areas valid on some day of the week."""
    monday = week_start(monday)
    sunday = monday + datetime.timedelta(days=6)
    return list(
        scoped(actor, FieldArea)
        .filter(Q(valid_from__lte=sunday), Q(valid_to__isnull=True) | Q(valid_to__gte=monday))
        .order_by("name")
    )


# --- Conflicts ---------------------------------------------------------------------------------


class ConflictKind(StrEnum):
    DOUBLE_BOOKED = "double_booked"
    SHORT_OF_STAFF = "short_of_staff"
    AREA_NOT_COVERED = "area_not_covered"


@dataclass(frozen=True)
class Conflict:
    kind: ConflictKind
    message: str
    planned: tuple = ()
    user: object = None
    area: object = None


def week_conflicts(actor, monday: datetime.date, plan=None) -> list[Conflict]:
    """What is wrong with the week's plan, for the team lead to fix.

    A worker on two overlapping patrols (possible from earlier edits, even though assignment
    refuses it), a patrol not yet started with fewer than two staff, and field areas valid in
    the week that no planned patrol names (a patrol with no areas chosen covers none). `plan`
    is `week_plan(actor, monday)` when the caller has it already.
    """
    actor.require(Perm.VIEW_PLAN)
    monday = week_start(monday)
    plan = week_plan(actor, monday) if plan is None else plan
    own = [planned for planned in plan if planned.service_id == actor.service_id]
    conflicts = []

    by_user = {}
    for planned in own:
        for row in _staff_rows(planned):
            by_user.setdefault(row.user_id, (row.user, []))[1].append(planned)
    for user, patrols in by_user.values():
        patrols.sort(key=lambda planned: (planned.starts_at, planned.pk))
        for index, first in enumerate(patrols):
            for second in patrols[index + 1 :]:
                if second.starts_at >= first.ends_at:
                    break
                conflicts.append(
                    Conflict(
                        ConflictKind.DOUBLE_BOOKED,
                        _("%(name)s is on two patrols at the same time: %(first)s and %(second)s.")
                        % {"name": user, "first": describe(first), "second": describe(second)},
                        planned=(first, second),
                        user=user,
                    )
                )

    for planned in own:
        staff = len(_staff_rows(planned))
        if planned.patrol_id is None and staff < MIN_STAFF:
            conflicts.append(
                Conflict(
                    ConflictKind.SHORT_OF_STAFF,
                    _("%(patrol)s is short of staff: %(count)s of at least 2.")
                    % {"patrol": describe(planned), "count": staff},
                    planned=(planned,),
                )
            )

    covered = {area.pk for planned in own for area in _area_rows(planned)}
    for area in areas_in_week(actor, monday):
        if area.pk not in covered:
            conflicts.append(
                Conflict(
                    ConflictKind.AREA_NOT_COVERED,
                    _("No patrol is planned in %(area)s this week.") % {"area": area},
                    area=area,
                )
            )
    return conflicts


# --- Helpers -----------------------------------------------------------------------------------


def _own(actor, obj):
    """Only the actor's service's objects are theirs to change; others are "not found"."""
    if obj.service_id != actor.service_id:
        raise Http404


def _lock(planned: PlannedPatrol) -> PlannedPatrol:
    try:
        return PlannedPatrol.objects.select_for_update().get(pk=planned.pk)
    except PlannedPatrol.DoesNotExist as exc:
        raise Http404 from exc


def _require_not_started(planned: PlannedPatrol):
    if planned.patrol_id is not None:
        raise FieldworkError(_("This patrol has started; the plan for it can no longer change."))


def _staff_rows(planned):
    rows = getattr(planned, "staff_rows", None)
    if rows is None:
        rows = list(planned.plannedstaff_set.select_related("user").order_by("pk"))
    return rows


def _area_rows(planned):
    areas = getattr(planned, "area_list", None)
    return list(planned.areas.all()) if areas is None else areas


def _staff_codes(planned):
    return PlannedStaff.objects.filter(planned_patrol=planned).values_list("user__code", flat=True)


def _assigned_from_partner(actor, planned) -> bool:
    return PlannedStaff.objects.filter(
        planned_patrol=planned, user_id=actor.user.pk, service_id=actor.service_id
    ).exists()
