"""Patrol planning pages: the week plan, a planned patrol, my patrols, shift templates.

Thin views over `feltbok.fieldwork.planning`. Every change is a plain POST followed by a
redirect; bad input re-renders the page with status 400, a clear message and nothing stored.
"""

import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feltbok.accounts.models import User
from feltbok.core.access import Perm, acting, scoped
from feltbok.fieldwork import planning
from feltbok.fieldwork.models import ShiftTemplate
from feltbok.fieldwork.planning_forms import (
    AreaForm,
    EffortForm,
    ExtraPatrolForm,
    PartnerForm,
    ShiftTemplateForm,
    StaffForm,
    VestsForm,
)
from feltbok.fieldwork.services import PATROL_ROLES, FieldworkError
from feltbok.organisation.models import FieldArea, Team

# --- Weeks -------------------------------------------------------------------------------------


def _week_url(day: datetime.date, anchor: str = "") -> str:
    year, week, _weekday = day.isocalendar()
    url = reverse("planning:week", kwargs={"year": year, "week": week})
    return f"{url}#{anchor}" if anchor else url


def _monday_or_400(request, year, week):
    """The week's Monday, or a 400 page saying the week does not exist."""
    try:
        return planning.monday_of(year, week), None
    except FieldworkError as error:
        context = {"error": str(error), "current": _week_url(timezone.localdate())}
        return None, render(request, "fieldwork/planning/bad_week.html", context, status=400)


@require_GET
@acting(Perm.VIEW_PLAN)
def index(request, actor):
    return redirect(_week_url(timezone.localdate()))


@require_GET
@acting(Perm.VIEW_PLAN)
def week(request, actor, year, week):
    monday, bad = _monday_or_400(request, year, week)
    if bad:
        return bad
    return _render_week(request, actor, monday)


def _render_week(request, actor, monday, *, error="", status=200):
    now = timezone.now()
    plan = planning.week_plan(actor, monday)
    can_plan = actor.can(Perm.PLAN_PATROLS)
    conflicts = planning.week_conflicts(actor, monday, plan=plan) if can_plan else []
    partners = list(planning.partner_candidates(actor)) if can_plan else []
    staff = (
        planning.field_staff(
            actor, {service.pk for planned in plan for service in planned.partner_list}
        )
        if can_plan
        else {}
    )
    for planned in plan:
        _decorate(actor, planned, now, staff, partners)
    days = [
        (day, [planned for planned in plan if planned.date == day])
        for day in (monday + datetime.timedelta(days=offset) for offset in range(7))
    ]
    year, week_number, _weekday = monday.isocalendar()
    context = {
        "monday": monday,
        "sunday": monday + datetime.timedelta(days=6),
        "year": year,
        "week": week_number,
        "previous_url": _week_url(monday - datetime.timedelta(days=7)),
        "next_url": _week_url(monday + datetime.timedelta(days=7)),
        "this_week_url": _week_url(timezone.localdate()),
        "is_this_week": monday == planning.week_start(timezone.localdate()),
        "is_past": monday + datetime.timedelta(days=7) <= timezone.localdate(),
        "days": days,
        "count": len(plan),
        "mine": [planned for planned in plan if planned.is_mine],
        "can_plan": can_plan,
        "conflicts": conflicts,
        "conflict_groups": _group_conflicts(conflicts),
        "error": error,
    }
    return render(request, "fieldwork/planning/week.html", context, status=status)


def _group_conflicts(conflicts):
    """Conflicts by kind, in the order a team lead resolves them."""
    titles = {
        planning.ConflictKind.DOUBLE_BOOKED: _("On two patrols at once"),
        planning.ConflictKind.SHORT_OF_STAFF: _("Short of staff"),
        planning.ConflictKind.AREA_NOT_COVERED: _("Areas not covered"),
    }
    groups = []
    for kind, title in titles.items():
        items = [conflict for conflict in conflicts if conflict.kind == kind]
        if items:
            groups.append({"kind": kind, "title": title, "items": items})
    return groups


def _decorate(actor, planned, now, staff, partners):
    """What the templates need of a planned patrol, from data already loaded."""
    assigned = {row.user_id for row in planned.staff_rows}
    partner_ids = {service.pk for service in planned.partner_list}
    planned.is_mine = actor.user.pk in assigned
    planned.is_short = planned.patrol_id is None and len(assigned) < planning.MIN_STAFF
    planned.editable = (
        actor.can(Perm.PLAN_PATROLS)
        and planned.service_id == actor.service_id
        and planned.patrol_id is None
    )
    planned.startable = planning.can_start(actor, planned, now)
    planned.staff_choices = []
    planned.joint_choices = []
    if planned.editable:
        groups = [(actor.service, staff.get(actor.service_id, []))] + [
            (service, staff.get(service.pk, [])) for service in planned.partner_list
        ]
        planned.staff_choices = [
            (service, [user for user in users if user.pk not in assigned])
            for service, users in groups
        ]
        planned.joint_choices = [service for service in partners if service.pk not in partner_ids]


# --- The week's actions ------------------------------------------------------------------------


@require_POST
@acting(Perm.PLAN_PATROLS)
def generate(request, actor, year, week):
    monday, bad = _monday_or_400(request, year, week)
    if bad:
        return bad
    try:
        created = planning.generate_week(actor, monday)
    except FieldworkError as error:
        return _render_week(request, actor, monday, error=str(error), status=400)
    if created:
        messages.success(
            request,
            _("%(count)s patrols planned from the shift templates.") % {"count": len(created)},
        )
    elif not scoped(actor, ShiftTemplate).exists():
        messages.info(request, _("Add shift templates first: the week is planned from them."))
    else:
        messages.info(request, _("Every patrol of the templates is already planned this week."))
    return redirect(_week_url(monday))


@require_http_methods(["GET", "POST"])
@acting(Perm.PLAN_PATROLS)
def extra(request, actor, year, week):
    monday, bad = _monday_or_400(request, year, week)
    if bad:
        return bad
    today = timezone.localdate()
    first_day = max(monday, today)
    areas = planning.areas_in_week(actor, monday)
    form = ExtraPatrolForm(
        request.POST or None,
        areas=scoped(actor, FieldArea).filter(pk__in=[area.pk for area in areas]),
        initial={
            "date": first_day,
            "start_time": datetime.time(17, 0),
            "end_time": datetime.time(0, 0),
            "shift": "evening",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            planned = planning.create_planned_patrol(actor, form.data_for_service())
        except FieldworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The extra patrol is planned."))
            return redirect(_week_url(planned.date, f"p-{planned.code}"))
    context = {"form": form, "monday": monday, "week_url": _week_url(monday)}
    return render(
        request,
        "fieldwork/planning/extra.html",
        context,
        status=400 if form.errors else 200,
    )


@require_GET
@acting(Perm.VIEW_PLAN)
def mine(request, actor):
    now = timezone.now()
    patrols = planning.my_planned_patrols(actor)
    for planned in patrols:
        _decorate(actor, planned, now, {}, [])
    return render(request, "fieldwork/planning/mine.html", {"patrols": patrols})


# --- One planned patrol ------------------------------------------------------------------------


@require_GET
@acting(Perm.VIEW_PLAN)
def planned(request, actor, code):
    return _render_planned(request, actor, planning.planned_for(actor, code))


def _render_planned(request, actor, planned, *, error="", status=200):
    can_plan = actor.can(Perm.PLAN_PATROLS) and planned.service_id == actor.service_id
    partners = list(planning.partner_candidates(actor)) if can_plan else []
    staff = (
        planning.field_staff(actor, {service.pk for service in planned.partner_list})
        if can_plan
        else {}
    )
    _decorate(actor, planned, timezone.now(), staff, partners)
    area_ids = {area.pk for area in planned.area_list}
    context = {
        "planned": planned,
        "error": error,
        "week_url": _week_url(planned.date, f"p-{planned.code}"),
        "other_areas": [
            area
            for area in (planning.areas_in_week(actor, planned.date) if planned.editable else [])
            if area.pk not in area_ids and _valid_on(area, planned.date)
        ],
    }
    return render(request, "fieldwork/planning/planned.html", context, status=status)


def _valid_on(area, day):
    return area.valid_from <= day and (area.valid_to is None or area.valid_to >= day)


def _back(request, planned):
    """Back to where the change was made: the patrol's page or its place in the week."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(_week_url(planned.date, f"p-{planned.code}"))


def _planned_action(request, actor, code, form, action):
    """Validate `form`, run `action(planned, cleaned_data)`; 400 with the message on failure."""
    planned = planning.planned_for(actor, code, edit=True)
    form = form(planned)
    if form.is_valid():
        try:
            success = action(planned, form.cleaned_data)
        except FieldworkError as error:
            return _render_planned(request, actor, planned, error=str(error), status=400)
        messages.success(request, success)
        return _back(request, planned)
    error = next(iter(form.errors.values()))[0]
    return _render_planned(request, actor, planned, error=error, status=400)


def _staff_of(actor, planned):
    """Users who may be put on this patrol: field staff of the service and its partners."""
    services = {actor.service_id} | {service.pk for service in planned.partner_list}
    return User.objects.filter(
        memberships__service_id__in=services,
        memberships__role__in=PATROL_ROLES,
        memberships__is_active=True,
        is_active=True,
    ).distinct()


@require_POST
@acting(Perm.PLAN_PATROLS)
def assign(request, actor, code):
    def action(planned, data):
        planning.assign(actor, planned, data["user"])
        return _("%(name)s is on the patrol.") % {"name": data["user"]}

    return _planned_action(
        request,
        actor,
        code,
        lambda planned: StaffForm(request.POST, users=_staff_of(actor, planned)),
        action,
    )


@require_POST
@acting(Perm.PLAN_PATROLS)
def unassign(request, actor, code):
    def action(planned, data):
        planning.unassign(actor, planned, data["user"])
        return _("%(name)s is off the patrol.") % {"name": data["user"]}

    return _planned_action(
        request,
        actor,
        code,
        lambda planned: StaffForm(
            request.POST,
            users=User.objects.filter(pk__in=[row.user_id for row in planned.staff_rows]),
        ),
        action,
    )


@require_POST
@acting(Perm.PLAN_PATROLS)
def joint(request, actor, code):
    def action(planned, data):
        planning.make_joint(actor, planned, data["service"])
        return _("The patrol is joint with %(service)s.") % {"service": data["service"]}

    return _planned_action(
        request,
        actor,
        code,
        lambda planned: PartnerForm(request.POST, services=planning.partner_candidates(actor)),
        action,
    )


@require_POST
@acting(Perm.PLAN_PATROLS)
def end_joint(request, actor, code):
    def action(planned, data):
        planning.end_joint(actor, planned, data["service"])
        return _("The patrol is no longer joint with %(service)s.") % {"service": data["service"]}

    return _planned_action(
        request,
        actor,
        code,
        lambda planned: PartnerForm(request.POST, services=planning.partner_candidates(actor)),
        action,
    )


@require_POST
@acting(Perm.PLAN_PATROLS)
def vests(request, actor, code):
    def action(planned, data):
        planning.set_high_visibility(actor, planned, data["high_visibility"])
        if data["high_visibility"]:
            return _("The patrol goes out in high-visibility vests.")
        return _("The patrol goes out without vests.")

    return _planned_action(request, actor, code, lambda planned: VestsForm(request.POST), action)


@require_POST
@acting(Perm.PLAN_PATROLS)
def effort(request, actor, code):
    def action(planned, data):
        planning.set_effort(actor, planned, data["effort"])
        return _("The extra effort is saved.")

    return _planned_action(request, actor, code, lambda planned: EffortForm(request.POST), action)


@require_POST
@acting(Perm.PLAN_PATROLS)
def areas(request, actor, code):
    def action(planned, data):
        if data["action"] == "add":
            planning.add_area(actor, planned, data["area"])
            return _("%(area)s added to the patrol.") % {"area": data["area"]}
        planning.remove_area(actor, planned, data["area"])
        return _("%(area)s removed from the patrol.") % {"area": data["area"]}

    return _planned_action(
        request,
        actor,
        code,
        lambda planned: AreaForm(request.POST, areas=scoped(actor, FieldArea)),
        action,
    )


@require_POST
@acting(Perm.PLAN_PATROLS)
def delete(request, actor, code):
    planned = planning.planned_for(actor, code, edit=True)
    try:
        planning.delete_planned_patrol(actor, planned)
    except FieldworkError as error:
        return _render_planned(request, actor, planned, error=str(error), status=400)
    messages.success(request, _("The planned patrol is deleted."))
    return redirect(_week_url(planned.date))


@require_POST
@acting(Perm.RECORD_FIELDWORK, Perm.VIEW_PLAN)
def start(request, actor, code):
    planned = planning.planned_for(actor, code)
    try:
        patrol = planning.start_planned_patrol(actor, planned)
    except FieldworkError as error:
        return _render_planned(request, actor, planned, error=str(error), status=400)
    messages.success(request, _("The patrol has started."))
    return redirect("fieldwork:patrol", code=patrol.code)


# --- Shift templates ---------------------------------------------------------------------------


@require_GET
@acting(Perm.PLAN_PATROLS)
def templates(request, actor):
    rows = planning.templates_of(actor)
    context = {"templates": rows, "weekly_total": planning.weekly_total(rows)}
    return render(request, "fieldwork/planning/templates.html", context)


def _template_form(request, actor, initial=None):
    return ShiftTemplateForm(
        request.POST or None,
        teams=scoped(actor, Team).order_by("name"),
        areas=scoped(actor, FieldArea).valid_on(timezone.localdate()).order_by("name"),
        initial=initial,
    )


@require_http_methods(["GET", "POST"])
@acting(Perm.PLAN_PATROLS)
def template_new(request, actor):
    form = _template_form(
        request,
        actor,
        initial={"start_time": datetime.time(17, 0), "end_time": datetime.time(0, 0)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            planning.create_template(actor, form.data_for_service())
        except FieldworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The shift template is saved."))
            return redirect("planning:templates")
    return render(
        request,
        "fieldwork/planning/template_form.html",
        {"form": form, "template": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@acting(Perm.PLAN_PATROLS)
def template_edit(request, actor, code):
    template = planning.template_for(actor, code)
    form = _template_form(request, actor, initial=ShiftTemplateForm.initial_for(template))
    if request.method == "POST" and form.is_valid():
        try:
            planning.update_template(actor, template, form.data_for_service())
        except FieldworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The shift template is saved."))
            return redirect("planning:templates")
    return render(
        request,
        "fieldwork/planning/template_form.html",
        {"form": form, "template": template},
        status=400 if form.errors else 200,
    )


@require_POST
@acting(Perm.PLAN_PATROLS)
def template_delete(request, actor, code):
    template = planning.template_for(actor, code)
    planning.delete_template(actor, template)
    messages.success(request, _("The shift template is deleted."))
    return redirect("planning:templates")
