"""The permission matrix for patrol planning: every planning URL × every persona.

302 = sent to log in (or, for an allowed change, back to the plan), 404 = another service's
object, 403 = the role may not, 400 = allowed to try but refused (e.g. not on the patrol),
200 = allowed. Team leads plan (PLAN_PATROLS); field staff and coordinators see the plan
(VIEW_PLAN); analysts and administrators do neither. The outsider is a team lead of another
service: they plan their own service's weeks, and this service's objects are 404 to them.
Every refused request leaves this service's plan, templates, patrols and audit log as they were.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import enrol_totp
from feltbok.audit.models import AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.fieldwork import planning
from feltbok.fieldwork.models import Patrol, PlannedPatrol, PlannedStaff, Shift, ShiftTemplate
from feltbok.fieldwork.planning import ExtraPatrolData, TemplateData
from feltbok.organisation.models import Country, Service

# Field staff and coordinators see the plan; analysts and administrators do not.
SEE = expect(200, analyst=403, admin=403)
# A change to a planned patrol of this service: its team lead only.
PLAN = expect(403, team_lead=302, outsider=404)
# A page of the team lead's own service (the outsider sees their own, empty one).
OWN_PLANNING = expect(403, team_lead=200, outsider=200)

MATRIX = {
    ("GET", "planning:index"): expect(302, analyst=403, admin=403),
    ("GET", "planning:week"): SEE,
    ("GET", "planning:mine"): SEE,
    ("GET", "planning:planned"): expect(200, outsider=404, analyst=403, admin=403),
    ("POST", "planning:generate"): expect(403, team_lead=302, outsider=302),
    ("GET", "planning:extra"): OWN_PLANNING,
    # The outsider may plan an extra patrol, but not in this service's field area.
    ("POST", "planning:extra"): expect(403, team_lead=302, outsider=400),
    ("POST", "planning:assign"): PLAN,
    ("POST", "planning:unassign"): PLAN,
    ("POST", "planning:joint"): PLAN,
    ("POST", "planning:end_joint"): PLAN,
    ("POST", "planning:vests"): PLAN,
    ("POST", "planning:effort"): PLAN,
    ("POST", "planning:areas"): PLAN,
    ("POST", "planning:delete"): PLAN,
    # Today's patrol of the worker and colleague: only they start it; others on no patrol
    # are told so (400), roles that do not go out are refused (403).
    ("POST", "planning:start"): expect(
        400, worker=302, colleague=302, coordinator=403, analyst=403, admin=403, outsider=404
    ),
    ("GET", "planning:templates"): OWN_PLANNING,
    ("GET", "planning:template_new"): OWN_PLANNING,
    ("POST", "planning:template_new"): expect(403, team_lead=302, outsider=302),
    ("GET", "planning:template_edit"): expect(403, team_lead=200, outsider=404),
    ("POST", "planning:template_delete"): expect(403, team_lead=302, outsider=404),
}

PLANNED_URLS = {
    "planning:planned",
    "planning:assign",
    "planning:unassign",
    "planning:joint",
    "planning:end_joint",
    "planning:vests",
    "planning:effort",
    "planning:areas",
    "planning:delete",
}
WEEK_URLS = {"planning:week", "planning:generate", "planning:extra"}
TEMPLATE_URLS = {"planning:template_edit", "planning:template_delete"}


@pytest.fixture
def plan_objects(actors, users, service, other_service, area, second_area):
    """Next week's patrol (worker on it, joint with a third service), a template, and
    today's patrol of the worker and colleague."""
    lead = actors["team_lead"]
    next_monday = planning.week_start(timezone.localdate()) + datetime.timedelta(days=7)
    third = Service.objects.create(name="Bydel Gamle Oslo utekontakt", country=Country.NORWAY)
    planned = planning.create_planned_patrol(
        lead,
        ExtraPatrolData(
            date=next_monday,
            start_time=datetime.time(10),
            end_time=datetime.time(16),
            shift=Shift.DAY,
            areas=[area],
        ),
    )
    planning.assign(lead, planned, users["worker"])
    planning.make_joint(lead, planned, third)
    template = planning.create_template(
        lead,
        TemplateData(
            name="Mandag kveld",
            shift=Shift.EVENING,
            weekday=0,
            start_time=datetime.time(17),
            end_time=datetime.time(0),
            patrol_count=3,
            areas=[area],
        ),
    )
    now = timezone.localtime()
    starts_at = now - datetime.timedelta(minutes=30)
    today = PlannedPatrol.objects.create(
        service=service,
        date=starts_at.date(),
        shift=Shift.EVENING,
        starts_at=starts_at,
        ends_at=now + datetime.timedelta(hours=3),
    )
    for user in (users["worker"], users["colleague"]):
        PlannedStaff.objects.create(planned_patrol=today, user=user, service=service)
    return {
        "planned": planned,
        "today": today,
        "template": template,
        "monday": next_monday,
        "third": third,
        "data": {
            "planning:assign": {"user": users["peer_worker"].pk},
            "planning:unassign": {"user": users["worker"].pk},
            "planning:joint": {"service": other_service.pk},
            "planning:end_joint": {"service": third.pk},
            "planning:vests": {"high_visibility": "1"},
            "planning:effort": {"effort": "Sommer i parkene"},
            "planning:areas": {"area": second_area.pk, "action": "add"},
            "planning:extra": {
                "date": next_monday.isoformat(),
                "start_time": "18:00",
                "end_time": "22:00",
                "shift": "evening",
                "areas": [area.pk],
            },
            "planning:template_new": {
                "name": "Tirsdag dag",
                "weekday": "1",
                "shift": "day",
                "start_time": "10:00",
                "end_time": "16:00",
                "patrol_count": "3",
            },
        },
    }


def url_for(name, objects):
    if name in PLANNED_URLS:
        return reverse(name, kwargs={"code": objects["planned"].code})
    if name == "planning:start":
        return reverse(name, kwargs={"code": objects["today"].code})
    if name in TEMPLATE_URLS:
        return reverse(name, kwargs={"code": objects["template"].code})
    if name in WEEK_URLS:
        year, week, _day = objects["monday"].isocalendar()
        return reverse(name, kwargs={"year": year, "week": week})
    return reverse(name)


def state(service):
    """Everything of this service that planning could change."""
    planned = PlannedPatrol.objects.filter(service=service).order_by("pk")
    return (
        [
            (
                p.code,
                p.effort,
                p.high_visibility,
                p.patrol_id,
                sorted(p.staff.values_list("pk", flat=True)),
                sorted(p.partner_services.values_list("pk", flat=True)),
                sorted(p.areas.values_list("pk", flat=True)),
            )
            for p in planned
        ],
        sorted(
            ShiftTemplate.objects.filter(service=service).values_list(
                "code", "name", "patrol_count", "start_time"
            )
        ),
        Patrol.objects.filter(service=service).count(),
        AuditEvent.objects.filter(service=service).count(),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_permission_matrix(client, users, service, plan_objects, persona, method, name):
    if persona != "anonymous":
        enrol_totp(users[persona])
        client.force_login(users[persona])
    url = url_for(name, plan_objects)
    before = state(service)

    if method == "POST":
        response = client.post(url, plan_objects["data"].get(name, {}))
    else:
        response = client.get(url)

    expected = MATRIX[(method, name)][persona]
    assert response.status_code == expected, (url, response.status_code)
    changed = method == "POST" and expected == 302 and persona not in ("anonymous", "outsider")
    if changed:
        assert state(service) != before
    else:
        # Refused, read-only, or the outsider acting in their own service: nothing here moved.
        assert state(service) == before


def test_user_without_membership_is_refused(client, users, plan_objects, service):
    enrol_totp(users["no_membership"])
    client.force_login(users["no_membership"])
    before = state(service)
    for method, name in MATRIX:
        url = url_for(name, plan_objects)
        response = client.post(url) if method == "POST" else client.get(url)
        assert response.status_code == 403, url
    assert state(service) == before


def test_the_outsiders_week_shows_nothing_of_this_service(client, users, plan_objects):
    enrol_totp(users["outsider"])
    client.force_login(users["outsider"])

    page = client.get(url_for("planning:week", plan_objects)).content.decode()
    mine = client.get(reverse("planning:mine")).content.decode()
    templates = client.get(reverse("planning:templates")).content.decode()

    assert str(plan_objects["planned"].code) not in page
    assert "Test Outreach worker" not in page
    assert str(plan_objects["planned"].code) not in mine
    assert "Mandag kveld" not in templates


@pytest.mark.parametrize("persona", ["worker", "peer_worker", "coordinator"])
def test_staff_see_the_plan_without_the_planning_controls(client, users, plan_objects, persona):
    enrol_totp(users[persona])
    client.force_login(users[persona])

    page = client.get(url_for("planning:week", plan_objects)).content.decode()
    detail = client.get(url_for("planning:planned", plan_objects)).content.decode()

    assert f'id="p-{plan_objects["planned"].code}"' in page
    for name in ("planning:assign", "planning:delete", "planning:joint", "planning:effort"):
        assert url_for(name, plan_objects) not in page
        assert url_for(name, plan_objects) not in detail
