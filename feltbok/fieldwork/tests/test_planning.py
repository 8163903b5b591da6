"""Patrol planning: templates, the weekly rota, staff rules, conflicts, starting, audit."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_member
from feltbok.accounts.models import Membership, Role
from feltbok.audit.models import AuditEvent
from feltbok.core.access import actor_for_user
from feltbok.fieldwork import planning
from feltbok.fieldwork.models import Patrol, PlannedPatrol, PlannedStaff, Shift, ShiftTemplate
from feltbok.fieldwork.planning import ConflictKind, ExtraPatrolData, TemplateData
from feltbok.fieldwork.services import FieldworkError

OSLO = ZoneInfo(settings.TIME_ZONE)


@pytest.fixture
def lead(actors):
    return actors["team_lead"]


@pytest.fixture
def next_monday():
    return planning.week_start(timezone.localdate()) + datetime.timedelta(days=7)


def plan(actor, day, start, end, shift=Shift.DAY, areas=()):
    """An extra planned patrol on `day` from `start` to `end` ("HH:MM")."""
    return planning.create_planned_patrol(
        actor,
        ExtraPatrolData(
            date=day,
            start_time=datetime.time.fromisoformat(start),
            end_time=datetime.time.fromisoformat(end),
            shift=shift,
            areas=list(areas),
        ),
    )


def put_on(planned, *users):
    """Staff put straight into the table (as earlier edits may have left them)."""
    for user in users:
        membership = Membership.objects.filter(user=user).first()
        PlannedStaff.objects.create(
            planned_patrol=planned, user=user, service_id=membership.service_id
        )


@pytest.fixture
def today_patrol(lead, users, area):
    """A patrol planned for now (started 30 minutes ago, three hours to go)."""
    now = timezone.localtime()
    starts_at = now - datetime.timedelta(minutes=30)
    ends_at = now + datetime.timedelta(hours=3)
    return PlannedPatrol.objects.create(
        service=lead.service,
        date=starts_at.date(),
        shift=Shift.EVENING,
        starts_at=starts_at,
        ends_at=ends_at,
    )


def audit_count(service):
    return AuditEvent.objects.filter(service=service).count()


# --- Default templates ---------------------------------------------------------------------------


def test_default_templates_give_the_seeds_weekly_total(service, area, second_area):
    created = planning.create_default_templates(service)

    templates = ShiftTemplate.objects.filter(service=service)
    assert len(created) == templates.count() == 15
    assert planning.weekly_total(templates) == planning.DEFAULT_WEEKLY_TOTAL == 35
    per_day = {day: 0 for day in range(7)}
    for template in templates:
        per_day[template.weekday] += template.patrol_count
    assert per_day == {0: 6, 1: 6, 2: 6, 3: 6, 4: 6, 5: 4, 6: 1}
    day_weekdays = {t.weekday: t.patrol_count for t in templates if t.shift == Shift.DAY}
    assert day_weekdays == {0: 3, 1: 3, 2: 3, 3: 3, 4: 3, 5: 1}
    nights = templates.filter(shift=Shift.NIGHT).order_by("weekday")
    assert [(t.weekday, t.start_time, t.end_time) for t in nights] == [
        (4, datetime.time(22), datetime.time(4)),
        (5, datetime.time(22), datetime.time(4)),
    ]
    evenings = templates.filter(shift=Shift.EVENING)
    assert {(t.start_time, t.end_time) for t in evenings} == {(datetime.time(17), datetime.time(0))}
    assert all(set(t.areas.all()) == {area, second_area} for t in templates)
    # Named in the service's language (bokmål): "mandag, …".
    assert templates.get(weekday=0, shift=Shift.DAY).name.startswith("mandag, ")


def test_default_templates_do_not_duplicate(service, area):
    planning.create_default_templates(service)
    ShiftTemplate.objects.filter(service=service, weekday=0, shift=Shift.DAY).update(patrol_count=2)

    again = planning.create_default_templates(service)

    assert again == []
    assert ShiftTemplate.objects.filter(service=service).count() == 15
    assert ShiftTemplate.objects.get(service=service, weekday=0, shift=Shift.DAY).patrol_count == 2


# --- Weeks and times -----------------------------------------------------------------------------


def test_slot_times_end_at_or_before_start_is_the_next_day():
    day = datetime.date(2026, 3, 27)  # Friday before the clocks go forward in Oslo
    evening = planning.slot_times(day, datetime.time(17), datetime.time(0))
    night = planning.slot_times(
        day + datetime.timedelta(days=1), datetime.time(22), datetime.time(4)
    )

    assert evening == (
        datetime.datetime(2026, 3, 27, 17, tzinfo=OSLO),
        datetime.datetime(2026, 3, 28, 0, tzinfo=OSLO),
    )
    assert night[1] == datetime.datetime(2026, 3, 29, 4, tzinfo=OSLO)
    elapsed = night[1].astimezone(datetime.UTC) - night[0].astimezone(datetime.UTC)
    assert elapsed == datetime.timedelta(hours=5)  # one hour lost to summer time


@pytest.mark.parametrize(("year", "week"), [(2026, 54), (2026, 0), (2025, 53), (1999, 10)])
def test_a_week_that_does_not_exist_is_refused(year, week):
    with pytest.raises(FieldworkError):
        planning.monday_of(year, week)


def test_monday_of_an_iso_week():
    assert planning.monday_of(2026, 53) == datetime.date(2026, 12, 28)
    assert planning.monday_of(2026, 1) == datetime.date(2025, 12, 29)


# --- Generating the week -------------------------------------------------------------------------


def test_generate_week_plans_the_templates(lead, service, team, area, next_monday):
    planning.create_default_templates(service)
    ShiftTemplate.objects.filter(service=service, shift=Shift.NIGHT).update(team=team)

    created = planning.generate_week(lead, next_monday)

    assert len(created) == 35
    assert PlannedPatrol.objects.filter(service=service).count() == 35
    friday = next_monday + datetime.timedelta(days=4)
    evening = next(p for p in created if p.date == friday and p.shift == Shift.EVENING)
    assert timezone.localtime(evening.starts_at).time() == datetime.time(17)
    assert timezone.localtime(evening.ends_at) == datetime.datetime.combine(
        friday + datetime.timedelta(days=1), datetime.time(0), tzinfo=OSLO
    )
    night = next(p for p in created if p.date == friday and p.shift == Shift.NIGHT)
    assert timezone.localtime(night.ends_at).time() == datetime.time(4)
    assert timezone.localtime(night.ends_at).date() == friday + datetime.timedelta(days=1)
    assert night.team == team
    assert list(night.areas.all()) == [area]
    assert all(p.template is not None and p.staff.count() == 0 for p in created)
    events = AuditEvent.objects.filter(service=service, object_type="plannedweek")
    assert events.count() == 1
    assert len(events.get().detail["created"]) == 35


def test_generate_week_twice_creates_nothing_new(lead, service, area, next_monday):
    planning.create_default_templates(service)
    planning.generate_week(lead, next_monday)
    audit_before = audit_count(service)

    again = planning.generate_week(lead, next_monday)

    assert again == []
    assert PlannedPatrol.objects.filter(service=service).count() == 35
    assert audit_count(service) == audit_before


def test_generate_week_fills_up_a_template_and_keeps_extra_patrols(
    lead, service, area, next_monday
):
    planning.create_default_templates(service)
    first = planning.generate_week(lead, next_monday)
    planning.delete_planned_patrol(lead, first[0])
    plan(lead, next_monday, "12:00", "14:00")

    again = planning.generate_week(lead, next_monday)

    assert len(again) == 1
    assert (again[0].template_id, again[0].date) == (first[0].template_id, first[0].date)
    assert PlannedPatrol.objects.filter(service=service).count() == 36


def test_generate_week_copies_only_areas_valid_that_day(lead, service, area, second_area):
    monday = planning.week_start(timezone.localdate()) + datetime.timedelta(days=14)
    second_area.valid_to = monday + datetime.timedelta(days=1)  # ends on Tuesday
    second_area.save()
    for weekday in (0, 2):
        template = ShiftTemplate.objects.create(
            service=service,
            name=f"day {weekday}",
            shift=Shift.DAY,
            weekday=weekday,
            start_time=datetime.time(10),
            end_time=datetime.time(16),
        )
        template.areas.set([area, second_area])

    created = planning.generate_week(lead, monday)

    assert [sorted(a.name for a in p.areas.all()) for p in created] == [
        sorted([area.name, second_area.name]),
        [area.name],
    ]


def test_generate_week_needs_the_right_to_plan(worker, service, area, next_monday):
    planning.create_default_templates(service)
    with pytest.raises(PermissionDenied):
        planning.generate_week(worker, next_monday)
    assert PlannedPatrol.objects.count() == 0


def test_a_past_week_cannot_be_generated(lead, service, area):
    planning.create_default_templates(service)
    last_week = planning.week_start(timezone.localdate()) - datetime.timedelta(days=7)
    with pytest.raises(FieldworkError, match="This week has passed"):
        planning.generate_week(lead, last_week)
    assert PlannedPatrol.objects.count() == 0


def test_generate_week_uses_only_the_actors_service(lead, actors, service, area, next_monday):
    planning.create_default_templates(service)
    assert planning.generate_week(actors["outsider"], next_monday) == []
    assert PlannedPatrol.objects.count() == 0


# --- Staff ---------------------------------------------------------------------------------------


def test_assign_two_workers(lead, users, service, next_monday, area):
    planned = plan(lead, next_monday, "10:00", "16:00", areas=[area])

    planning.assign(lead, planned, users["worker"])
    planning.assign(lead, planned, users["colleague"])

    rows = PlannedStaff.objects.filter(planned_patrol=planned).order_by("pk")
    assert [(row.user, row.service) for row in rows] == [
        (users["worker"], service),
        (users["colleague"], service),
    ]


@pytest.mark.parametrize("name", ["coordinator", "analyst", "admin", "no_membership"])
def test_only_field_staff_can_be_assigned(lead, users, next_monday, name):
    planned = plan(lead, next_monday, "10:00", "16:00")
    with pytest.raises(FieldworkError, match="is not field staff"):
        planning.assign(lead, planned, users[name])
    assert PlannedStaff.objects.count() == 0


def test_an_inactive_membership_cannot_be_assigned(lead, users, next_monday):
    Membership.objects.filter(user=users["worker"]).update(is_active=False)
    planned = plan(lead, next_monday, "10:00", "16:00")
    with pytest.raises(FieldworkError, match="is not field staff"):
        planning.assign(lead, planned, users["worker"])
    assert PlannedStaff.objects.count() == 0


def test_staff_of_another_service_only_on_a_joint_patrol(lead, users, other_service, next_monday):
    planned = plan(lead, next_monday, "10:00", "16:00")

    with pytest.raises(FieldworkError, match="is not field staff"):
        planning.assign(lead, planned, users["outsider"])
    assert PlannedStaff.objects.count() == 0

    planning.make_joint(lead, planned, other_service)
    planning.assign(lead, planned, users["outsider"])

    row = PlannedStaff.objects.get()
    assert (row.user, row.service) == (users["outsider"], other_service)


def test_a_worker_cannot_be_booked_on_two_patrols_at_once(lead, users, next_monday):
    first = plan(lead, next_monday, "10:00", "16:00")
    overlapping = plan(lead, next_monday, "15:00", "20:00")
    after = plan(lead, next_monday, "16:00", "22:00")
    planning.assign(lead, first, users["worker"])
    audit_before = audit_count(lead.service)

    with pytest.raises(FieldworkError, match="already planned on another patrol at the same"):
        planning.assign(lead, overlapping, users["worker"])
    planning.assign(lead, after, users["worker"])  # back to back is fine

    assert set(PlannedStaff.objects.values_list("planned_patrol_id", flat=True)) == {
        first.pk,
        after.pk,
    }
    assert audit_count(lead.service) == audit_before + 1


def test_a_night_patrol_overlaps_the_next_mornings(lead, users, next_monday):
    night = plan(lead, next_monday, "22:00", "04:00", shift=Shift.NIGHT)
    early = plan(lead, next_monday + datetime.timedelta(days=1), "03:00", "08:00")
    planning.assign(lead, night, users["worker"])
    with pytest.raises(FieldworkError, match="already planned"):
        planning.assign(lead, early, users["worker"])


def test_assigning_twice_or_removing_someone_not_on_it_is_refused(lead, users, next_monday):
    planned = plan(lead, next_monday, "10:00", "16:00")
    planning.assign(lead, planned, users["worker"])

    with pytest.raises(FieldworkError, match="already on this patrol"):
        planning.assign(lead, planned, users["worker"])
    with pytest.raises(FieldworkError, match="is not on this patrol"):
        planning.unassign(lead, planned, users["colleague"])
    planning.unassign(lead, planned, users["worker"])

    assert PlannedStaff.objects.count() == 0


def test_a_worker_cannot_plan(worker, lead, users, next_monday):
    planned = plan(lead, next_monday, "10:00", "16:00")
    with pytest.raises(PermissionDenied):
        planning.assign(worker, planned, users["colleague"])
    assert PlannedStaff.objects.count() == 0


def test_another_services_planned_patrol_is_not_found(lead, actors, users, next_monday):
    planned = plan(lead, next_monday, "10:00", "16:00")
    outsider = actors["outsider"]
    audit_before = audit_count(lead.service)

    for change in (
        lambda: planning.assign(outsider, planned, users["outsider"]),
        lambda: planning.set_effort(outsider, planned, "Mine now"),
        lambda: planning.delete_planned_patrol(outsider, planned),
    ):
        with pytest.raises(Http404):
            change()
    with pytest.raises(Http404):
        planning.planned_for(outsider, planned.code)

    planned.refresh_from_db()
    assert (planned.effort, PlannedStaff.objects.count()) == ("", 0)
    assert audit_count(lead.service) == audit_before


# --- Joint, vests, efforts, areas, extra and deleted patrols -------------------------------------


def test_joint_vests_effort_and_areas(lead, other_service, area, second_area, next_monday):
    planned = plan(lead, next_monday, "17:00", "00:00", shift=Shift.EVENING, areas=[area])

    planning.make_joint(lead, planned, other_service)
    planning.set_high_visibility(lead, planned, True)
    planning.set_effort(lead, planned, "  Sommer i parkene  ")
    planning.add_area(lead, planned, second_area)
    planning.remove_area(lead, planned, area)

    planned.refresh_from_db()
    assert list(planned.partner_services.all()) == [other_service]
    assert (planned.high_visibility, planned.effort) == (True, "Sommer i parkene")
    assert list(planned.areas.all()) == [second_area]


def test_a_patrol_is_not_joint_with_its_own_service(lead, service, next_monday):
    planned = plan(lead, next_monday, "10:00", "16:00")
    with pytest.raises(FieldworkError, match="its own service"):
        planning.make_joint(lead, planned, service)
    assert planned.partner_services.count() == 0


def test_a_joint_patrol_ends_only_after_the_partners_staff_leave(
    lead, users, other_service, next_monday
):
    planned = plan(lead, next_monday, "10:00", "16:00")
    planning.make_joint(lead, planned, other_service)
    planning.assign(lead, planned, users["outsider"])

    with pytest.raises(FieldworkError, match="Take the staff of"):
        planning.end_joint(lead, planned, other_service)
    planning.unassign(lead, planned, users["outsider"])
    planning.end_joint(lead, planned, other_service)

    assert planned.partner_services.count() == 0


@pytest.mark.parametrize(
    ("label", "message"),
    [("x" * 121, "at most 120 characters"), ("Natt\x00", "ordinary text")],
)
def test_a_bad_effort_label_is_refused(lead, next_monday, label, message):
    planned = plan(lead, next_monday, "10:00", "16:00")
    audit_before = audit_count(lead.service)
    with pytest.raises(FieldworkError, match=message):
        planning.set_effort(lead, planned, label)
    planned.refresh_from_db()
    assert planned.effort == ""
    assert audit_count(lead.service) == audit_before


def test_an_area_of_another_service_or_out_of_use_is_refused(
    lead, actors, area, next_monday, other_service
):
    from conftest import SQUARE
    from feltbok.organisation.models import FieldArea

    planned = plan(lead, next_monday, "10:00", "16:00")
    foreign = FieldArea.objects.create(
        service=other_service, name="Vesterbro", boundary=SQUARE, valid_from=area.valid_from
    )
    closed = FieldArea.objects.create(
        service=lead.service,
        name="Gamle Aker",
        boundary=SQUARE,
        valid_from=area.valid_from,
        valid_to=next_monday - datetime.timedelta(days=1),
    )
    for bad in (foreign, closed):
        with pytest.raises(FieldworkError, match="in use that day"):
            planning.add_area(lead, planned, bad)
    assert planned.areas.count() == 0


def test_an_extra_patrol_in_the_past_is_refused(lead):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(FieldworkError, match="in the past"):
        plan(lead, yesterday, "10:00", "16:00")
    assert PlannedPatrol.objects.count() == 0


def test_a_started_patrol_cannot_be_changed_or_deleted(lead, actors, users, today_patrol, area):
    put_on(today_patrol, users["worker"], users["colleague"])
    planning.start_planned_patrol(actors["worker"], today_patrol)
    audit_before = audit_count(lead.service)

    for change in (
        lambda: planning.delete_planned_patrol(lead, today_patrol),
        lambda: planning.unassign(lead, today_patrol, users["worker"]),
        lambda: planning.assign(lead, today_patrol, users["peer_worker"]),
        lambda: planning.set_high_visibility(lead, today_patrol, True),
    ):
        with pytest.raises(FieldworkError, match="has started"):
            change()

    assert PlannedPatrol.objects.filter(pk=today_patrol.pk).exists()
    assert PlannedStaff.objects.filter(planned_patrol=today_patrol).count() == 2
    assert audit_count(lead.service) == audit_before


def test_delete_a_planned_patrol(lead, users, next_monday):
    planned = plan(lead, next_monday, "10:00", "16:00")
    planning.assign(lead, planned, users["worker"])

    planning.delete_planned_patrol(lead, planned)

    assert PlannedPatrol.objects.count() == 0
    assert PlannedStaff.objects.count() == 0
    event = AuditEvent.objects.filter(action="delete").get()
    assert event.object_id == str(planned.code)
    assert event.detail["staff"] == [str(users["worker"].code)]


# --- Conflicts -----------------------------------------------------------------------------------


def test_week_conflicts_are_exact(lead, users, area, second_area, next_monday):
    first = plan(lead, next_monday, "10:00", "16:00", areas=[area])
    second = plan(lead, next_monday, "15:00", "20:00", areas=[area])
    third = plan(lead, next_monday + datetime.timedelta(days=2), "18:00", "00:00", areas=[area])
    put_on(first, users["worker"], users["colleague"])
    put_on(second, users["peer_worker"], users["worker"])  # an earlier edit double-booked her
    put_on(third, users["team_lead"])

    conflicts = planning.week_conflicts(lead, next_monday)

    monday = f"{next_monday:%a} {next_monday.day}."
    wednesday_date = next_monday + datetime.timedelta(days=2)
    wednesday = f"{wednesday_date:%a} {wednesday_date.day}."
    assert [(c.kind, c.message) for c in conflicts] == [
        (
            ConflictKind.DOUBLE_BOOKED,
            f"Test Outreach worker is on two patrols at the same time: "
            f"{monday} 10:00–16:00 and {monday} 15:00–20:00.",
        ),
        (
            ConflictKind.SHORT_OF_STAFF,
            f"{wednesday} 18:00–00:00 is short of staff: 1 of at least 2.",
        ),
        (ConflictKind.AREA_NOT_COVERED, "No patrol is planned in Oslo S og omegn this week."),
    ]
    assert conflicts[0].planned == (first, second)
    assert conflicts[0].user == users["worker"]
    assert conflicts[1].planned == (third,)
    assert conflicts[2].area == second_area


def test_no_conflicts_in_a_good_week(lead, users, area, next_monday):
    first = plan(lead, next_monday, "10:00", "16:00", areas=[area])
    planning.assign(lead, first, users["worker"])
    planning.assign(lead, first, users["colleague"])

    assert planning.week_conflicts(lead, next_monday) == []


def test_an_area_out_of_use_that_week_is_not_a_conflict(lead, area, second_area, next_monday):
    second_area.valid_to = next_monday - datetime.timedelta(days=1)
    second_area.save()
    plan(lead, next_monday, "10:00", "16:00", areas=[area])

    kinds = [c.kind for c in planning.week_conflicts(lead, next_monday)]

    assert kinds == [ConflictKind.SHORT_OF_STAFF]


def test_short_of_staff_goes_away_with_the_second_worker(lead, users, area, next_monday):
    planned = plan(lead, next_monday, "10:00", "16:00", areas=[area])
    planning.assign(lead, planned, users["worker"])
    assert [c.kind for c in planning.week_conflicts(lead, next_monday)] == [
        ConflictKind.SHORT_OF_STAFF
    ]

    planning.assign(lead, planned, users["colleague"])

    assert planning.week_conflicts(lead, next_monday) == []


# --- Starting a planned patrol -------------------------------------------------------------------


def test_a_planned_patrol_of_one_cannot_start(actors, users, today_patrol, area):
    put_on(today_patrol, users["worker"])
    audit_before = audit_count(today_patrol.service)

    with pytest.raises(FieldworkError, match="A patrol needs at least two staff"):
        planning.start_planned_patrol(actors["worker"], today_patrol)

    today_patrol.refresh_from_db()
    assert today_patrol.patrol is None
    assert Patrol.objects.count() == 0
    assert audit_count(today_patrol.service) == audit_before


def test_start_a_planned_patrol(actors, users, today_patrol, area, second_area):
    today_patrol.areas.set([second_area])
    today_patrol.high_visibility = True
    today_patrol.save()
    put_on(today_patrol, users["worker"], users["colleague"], users["peer_worker"])
    audit_before = audit_count(today_patrol.service)

    patrol = planning.start_planned_patrol(actors["colleague"], today_patrol)

    today_patrol.refresh_from_db()
    assert today_patrol.patrol == patrol
    assert patrol.first_member == users["colleague"]
    assert patrol.member_ids() == {
        users["worker"].pk,
        users["colleague"].pk,
        users["peer_worker"].pk,
    }
    assert (patrol.shift, patrol.high_visibility) == (Shift.EVENING, True)
    assert list(patrol.areas.all()) == [second_area]
    events = AuditEvent.objects.filter(service=today_patrol.service).order_by("seq")
    assert [(e.object_type, e.action) for e in events[audit_before:]] == [
        ("patrol", "create"),
        ("plannedpatrol", "update"),
    ]


def test_a_planned_patrol_without_areas_starts_in_every_area_in_use(
    actors, users, today_patrol, area, second_area
):
    put_on(today_patrol, users["worker"], users["colleague"])
    patrol = planning.start_planned_patrol(actors["worker"], today_patrol)
    assert set(patrol.areas.all()) == {area, second_area}


@pytest.mark.parametrize("name", ["peer_worker", "team_lead"])
def test_only_its_staff_start_a_planned_patrol(actors, users, today_patrol, area, name):
    put_on(today_patrol, users["worker"], users["colleague"])
    with pytest.raises(FieldworkError, match="Only staff planned on this patrol"):
        planning.start_planned_patrol(actors[name], today_patrol)
    assert Patrol.objects.count() == 0


def test_a_planned_patrol_starts_only_once(actors, users, today_patrol, area):
    put_on(today_patrol, users["worker"], users["colleague"])
    planning.start_planned_patrol(actors["worker"], today_patrol)
    with pytest.raises(FieldworkError, match="already started"):
        planning.start_planned_patrol(actors["colleague"], today_patrol)
    assert Patrol.objects.count() == 1


def test_a_patrol_planned_for_another_day_cannot_start(actors, users, lead, area, next_monday):
    planned = plan(lead, next_monday, "10:00", "16:00")
    put_on(planned, users["worker"], users["colleague"])
    with pytest.raises(FieldworkError, match="on its day only"):
        planning.start_planned_patrol(actors["worker"], planned)
    assert Patrol.objects.count() == 0


def test_joint_patrol_started_with_a_partner_services_staff(
    lead, actors, users, today_patrol, area, other_service
):
    planning.make_joint(lead, today_patrol, other_service)
    planning.set_high_visibility(lead, today_patrol, True)
    planning.assign(lead, today_patrol, users["worker"])
    planning.assign(lead, today_patrol, users["outsider"])

    patrol = planning.start_planned_patrol(actors["worker"], today_patrol)

    assert patrol.service == lead.service
    assert (patrol.first_member, patrol.second_member) == (users["worker"], users["outsider"])
    assert list(patrol.partner_services.all()) == [other_service]
    assert patrol.high_visibility is True


def test_the_partners_assigned_staff_see_the_joint_patrol(
    lead, actors, users, today_patrol, area, other_service
):
    planning.make_joint(lead, today_patrol, other_service)
    planning.assign(lead, today_patrol, users["outsider"])
    unassigned = actor_for_user(
        make_member(other_service, Role.WORKER, "another@other.example", first_name="Anna")
    )
    monday = planning.week_start(today_patrol.date)

    assert planning.week_plan(actors["outsider"], monday) == [today_patrol]
    assert planning.my_planned_patrols(actors["outsider"]) == [today_patrol]
    assert planning.planned_for(actors["outsider"], today_patrol.code) == today_patrol
    assert planning.week_plan(unassigned, monday) == []
    assert planning.week_conflicts(actors["outsider"], monday) == []
    with pytest.raises(Http404):
        planning.planned_for(actors["outsider"], today_patrol.code, edit=True)
    with pytest.raises(FieldworkError, match="started by staff of the service that planned it"):
        planning.start_planned_patrol(actors["outsider"], today_patrol)


def test_my_planned_patrols(actors, users, lead, next_monday, today_patrol):
    later = plan(lead, timezone.localdate() + datetime.timedelta(days=3), "10:00", "16:00")
    far = plan(lead, timezone.localdate() + datetime.timedelta(days=20), "10:00", "16:00")
    for planned in (today_patrol, later, far):
        put_on(planned, users["worker"])

    assert planning.my_planned_patrols(actors["worker"]) == [today_patrol, later]
    assert planning.my_planned_patrols(actors["colleague"]) == []


# --- Audit: every write is one event -------------------------------------------------------------


@pytest.fixture
def write_setup(lead, users, area, second_area, other_service, next_monday):
    planned = plan(lead, next_monday, "10:00", "16:00", areas=[area])
    planning.assign(lead, planned, users["colleague"])
    planning.make_joint(lead, planned, other_service)
    template = planning.create_template(
        lead,
        TemplateData(
            name="Mandag kveld",
            shift=Shift.EVENING,
            weekday=0,
            start_time=datetime.time(17),
            end_time=datetime.time(0),
        ),
    )
    return {"planned": planned, "template": template}


WRITES = {
    "assign": lambda a, u, s, o: planning.assign(a, s["planned"], u["worker"]),
    "unassign": lambda a, u, s, o: planning.unassign(a, s["planned"], u["colleague"]),
    "make_joint": lambda a, u, s, o: planning.make_joint(a, s["planned"], _third_service()),
    "end_joint": lambda a, u, s, o: planning.end_joint(a, s["planned"], o),
    "vests": lambda a, u, s, o: planning.set_high_visibility(a, s["planned"], True),
    "effort": lambda a, u, s, o: planning.set_effort(a, s["planned"], "Prosjekt"),
    "add_area": lambda a, u, s, o: planning.add_area(
        a, s["planned"], s["planned"].service.fieldarea_set.get(name="Oslo S og omegn")
    ),
    "remove_area": lambda a, u, s, o: planning.remove_area(
        a, s["planned"], s["planned"].areas.get()
    ),
    "extra": lambda a, u, s, o: plan(a, s["planned"].date, "18:00", "22:00", shift=Shift.EVENING),
    "delete": lambda a, u, s, o: planning.delete_planned_patrol(a, s["planned"]),
    "create_template": lambda a, u, s, o: planning.create_template(
        a,
        TemplateData(
            name="Tirsdag dag",
            shift=Shift.DAY,
            weekday=1,
            start_time=datetime.time(10),
            end_time=datetime.time(16),
        ),
    ),
    "update_template": lambda a, u, s, o: planning.update_template(
        a,
        s["template"],
        TemplateData(
            name="Mandag kveld",
            shift=Shift.EVENING,
            weekday=0,
            start_time=datetime.time(18),
            end_time=datetime.time(0),
            patrol_count=4,
        ),
    ),
    "delete_template": lambda a, u, s, o: planning.delete_template(a, s["template"]),
    "generate_week": lambda a, u, s, o: planning.generate_week(a, s["planned"].date),
}


def _third_service():
    from feltbok.organisation.models import Country, Service

    return Service.objects.create(name="Bydel Grünerløkka utekontakt", country=Country.NORWAY)


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_is_one_audit_event(lead, users, other_service, write_setup, write):
    before = audit_count(lead.service)

    WRITES[write](lead, users, write_setup, other_service)

    events = AuditEvent.objects.filter(service=lead.service).order_by("seq")[before:]
    assert len(events) == 1
    event = events[0]
    assert (event.actor, event.role) == (users["team_lead"], Role.TEAM_LEAD)


def test_template_create_update_delete(lead, team, area):
    data = TemplateData(
        name="Lørdag natt",
        shift=Shift.NIGHT,
        weekday=5,
        start_time=datetime.time(22),
        end_time=datetime.time(4),
        patrol_count=2,
        team=team,
        areas=[area],
    )
    template = planning.create_template(lead, data)
    assert (template.weekday, template.patrol_count, template.team) == (5, 2, team)
    assert list(template.areas.all()) == [area]

    data.patrol_count = 3
    data.areas = []
    planning.update_template(lead, template, data)
    template.refresh_from_db()
    assert (template.patrol_count, template.areas.count()) == (3, 0)

    planning.delete_template(lead, template)
    assert ShiftTemplate.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start_time": datetime.time(22), "end_time": datetime.time(22)}, "start and end"),
        ({"patrol_count": 13}, "between 1 and 12"),
        ({"name": " "}, "a name of at most 80"),
        ({"weekday": 7}, "Choose a weekday"),
    ],
)
def test_a_bad_template_is_refused(lead, change, message):
    data = {
        "name": "Natt",
        "shift": Shift.NIGHT,
        "weekday": 4,
        "start_time": datetime.time(22),
        "end_time": datetime.time(4),
        **change,
    }
    with pytest.raises(FieldworkError, match=message):
        planning.create_template(lead, TemplateData(**data))
    assert ShiftTemplate.objects.count() == 0
    assert AuditEvent.objects.count() == 0


# --- Query counts --------------------------------------------------------------------------------


def test_week_plan_is_five_queries_whatever_the_size(
    lead, users, area, other_service, next_monday, django_assert_num_queries
):
    for hour in range(10, 20):
        planned = plan(lead, next_monday, f"{hour}:00", f"{hour}:30", areas=[area])
        planning.make_joint(lead, planned, other_service)
        put_on(planned, users["worker"], users["outsider"])

    with django_assert_num_queries(4):
        patrols = planning.week_plan(lead, next_monday)
        for planned in patrols:
            [row.user.email for row in planned.staff_rows]
            [area.name for area in planned.area_list]
            [service.name for service in planned.partner_list]
    assert len(patrols) == 10


def _fill_week(lead, users, area, other_service, monday, count):
    for index in range(count):
        day = monday + datetime.timedelta(days=index % 7)
        hour = 8 + index // 7
        planned = plan(lead, day, f"{hour:02d}:00", f"{hour:02d}:45", areas=[area])
        if index % 3 == 0:
            planning.make_joint(lead, planned, other_service)
            put_on(planned, users["outsider"])
        put_on(planned, users["worker"] if index % 2 else users["colleague"])


def _week_page_queries(client, monday):
    year, week, _day = monday.isocalendar()
    url = reverse("planning:week", kwargs={"year": year, "week": week})
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_the_week_page_queries_do_not_grow_with_the_patrols(
    login, lead, users, area, other_service, next_monday, django_assert_max_num_queries
):
    client = login("team_lead")
    _fill_week(lead, users, area, other_service, next_monday, 3)
    few, _response = _week_page_queries(client, next_monday)

    _fill_week(lead, users, area, other_service, next_monday, 35)
    many, response = _week_page_queries(client, next_monday)

    assert few == many
    assert response.content.decode().count('class="plan-card') == 38
    year, week, _day = next_monday.isocalendar()
    with django_assert_max_num_queries(12):
        client.get(reverse("planning:week", kwargs={"year": year, "week": week}))
