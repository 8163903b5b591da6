"""Patrol planning on a phone: a team lead plans next week; a worker starts a planned patrol."""

import datetime

import pytest
from django.utils import timezone

from feltbok.fieldwork import planning
from feltbok.fieldwork.models import Patrol, PlannedPatrol, PlannedStaff, Shift

from .conftest import check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_team_lead_plans_next_week_on_a_phone(
    phone, users, service, other_service, area, second_area
):
    planning.create_default_templates(service)
    page = phone
    log_in(page, users["team_lead"])

    # This week's plan, then next week's (still empty).
    page.goto("/planning/")
    page.wait_for_url("**/planning/*/*/")
    check_accessibility(page, "planning this week")
    page.click("a[rel=next]")
    next_monday = planning.week_start(timezone.localdate()) + datetime.timedelta(days=7)
    year, week, _day = next_monday.isocalendar()
    page.wait_for_url(f"**/planning/{year}/{week}/")
    check_accessibility(page, "planning next week, empty")

    # Generate the week from the templates: the seeds' 35 patrols, all short of staff.
    page.click(f"form[action='/planning/{year}/{week}/generate/'] button")
    page.wait_for_url(f"**/planning/{year}/{week}/")
    assert PlannedPatrol.objects.filter(service=service).count() == 35
    assert page.locator(".plan-card").count() == 35
    check_accessibility(page, "planning week")
    screenshot(page, "20-planning-week")

    # Two workers on Monday's first day patrol: its short-of-staff conflict goes away.
    planned = PlannedPatrol.objects.filter(service=service).order_by("starts_at", "pk").first()
    card = f"#p-{planned.code}"
    conflict = page.locator(f".conflict a[href='#p-{planned.code}']")
    assert conflict.count() == 1
    for name in ("worker", "colleague"):
        page.select_option(f"#assign-{planned.code}", str(users[name].pk))
        page.click(f"{card} form[action$='/staff/add/'] button")
        page.wait_for_url(f"**/planning/{year}/{week}/#p-{planned.code}")
    assert set(planned.staff.all()) == {users["worker"], users["colleague"]}
    assert conflict.count() == 0
    assert page.locator(f"{card} .ds-tag[data-color=danger]").count() == 0
    assert page.locator(".conflict").count() == 34  # the other patrols are still short
    check_accessibility(page, "planning week with staff")

    # One click: a joint patrol with the district team.
    page.click(f"{card} .joint-buttons button")
    page.wait_for_url(f"**/planning/{year}/{week}/#p-{planned.code}")
    assert list(planned.partner_services.all()) == [other_service]
    assert other_service.name in page.inner_text(f"{card} .plan-tags")

    # The patrol's own page: vests for a visible, preventive effort.
    page.click(f"{card} a[href='/planning/patrol/{planned.code}/']")
    page.wait_for_url(f"**/planning/patrol/{planned.code}/")
    check_accessibility(page, "planned patrol")
    page.click("form[action$='/vests/'] button")
    page.wait_for_url(f"**/planning/patrol/{planned.code}/")
    planned.refresh_from_db()
    assert planned.high_visibility is True

    # An extra patrol outside the templates.
    page.goto(f"/planning/{year}/{week}/extra/")
    check_accessibility(page, "extra patrol")

    # The shift templates behind the week.
    page.goto("/planning/templates/")
    check_accessibility(page, "shift templates")
    screenshot(page, "21-shift-templates")
    assert page.locator("tbody tr").count() == 15
    page.click("a[href='/planning/templates/new/']")
    check_accessibility(page, "new shift template")


def test_worker_starts_a_planned_patrol_on_a_phone(phone, users, service, area):
    now = timezone.localtime()
    starts_at = now - datetime.timedelta(minutes=15)
    planned = PlannedPatrol.objects.create(
        service=service,
        date=starts_at.date(),
        shift=Shift.EVENING,
        starts_at=starts_at,
        ends_at=now + datetime.timedelta(hours=4),
    )
    planned.areas.set([area])
    for name in ("worker", "colleague"):
        PlannedStaff.objects.create(planned_patrol=planned, user=users[name], service=service)
    page = phone
    log_in(page, users["worker"])

    page.goto("/planning/mine/")
    check_accessibility(page, "my patrols")
    page.click(f"form[action='/planning/patrol/{planned.code}/start/'] button")
    page.wait_for_url("**/patrols/*/")

    patrol = Patrol.objects.get()
    assert patrol.member_ids() == {users["worker"].pk, users["colleague"].pk}
    assert list(patrol.areas.all()) == [area]
    planned.refresh_from_db()
    assert planned.patrol == patrol
    assert page.url.endswith(f"/patrols/{patrol.code}/")
