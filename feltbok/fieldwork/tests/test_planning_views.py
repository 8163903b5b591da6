"""Patrol planning through HTTP: the pages, the changes, and bad input refused cleanly."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from feltbok.audit.models import AuditEvent
from feltbok.fieldwork import planning
from feltbok.fieldwork.models import Patrol, PlannedPatrol, PlannedStaff, Shift, ShiftTemplate
from feltbok.fieldwork.planning import ExtraPatrolData


@pytest.fixture
def lead(actors):
    return actors["team_lead"]


@pytest.fixture
def next_monday():
    return planning.week_start(timezone.localdate()) + datetime.timedelta(days=7)


def week_url(day, name="planning:week"):
    year, week, _day = day.isocalendar()
    return reverse(name, kwargs={"year": year, "week": week})


@pytest.fixture
def planned(lead, area, next_monday):
    return planning.create_planned_patrol(
        lead,
        ExtraPatrolData(
            date=next_monday,
            start_time=datetime.time(10),
            end_time=datetime.time(16),
            shift=Shift.DAY,
            areas=[area],
        ),
    )


@pytest.fixture
def today_patrol(lead, area):
    now = timezone.localtime()
    starts_at = now - datetime.timedelta(minutes=30)
    return PlannedPatrol.objects.create(
        service=lead.service,
        date=starts_at.date(),
        shift=Shift.EVENING,
        starts_at=starts_at,
        ends_at=now + datetime.timedelta(hours=3),
    )


def url(name, planned):
    return reverse(name, kwargs={"code": planned.code})


def stored(planned):
    """What a refused request must leave as it was."""
    planned.refresh_from_db()
    return (
        PlannedPatrol.objects.count(),
        sorted(PlannedStaff.objects.values_list("user_id", flat=True)),
        sorted(planned.partner_services.values_list("pk", flat=True)),
        sorted(planned.areas.values_list("pk", flat=True)),
        planned.effort,
        planned.high_visibility,
        AuditEvent.objects.count(),
    )


# --- Pages ---------------------------------------------------------------------------------------


def test_planning_redirects_to_this_week(login):
    response = login("worker").get(reverse("planning:index"))
    assert response.status_code == 302
    assert response["Location"] == week_url(timezone.localdate())


def test_team_lead_generates_the_week(login, service, area, next_monday):
    planning.create_default_templates(service)
    client = login("team_lead")

    response = client.post(week_url(next_monday, "planning:generate"))

    assert response.status_code == 302
    assert response["Location"] == week_url(next_monday)
    assert PlannedPatrol.objects.filter(service=service).count() == 35
    page = client.get(week_url(next_monday)).content.decode()
    assert "35 patrols planned this week." in page
    assert "35 conflicts to resolve" in page
    assert "Short of staff (35)" in page


def test_the_week_page_for_a_team_lead_and_for_a_worker(login, users, planned, next_monday):
    lead_page = login("team_lead").get(week_url(next_monday)).content.decode()
    assert url("planning:assign", planned) in lead_page
    assert week_url(next_monday, "planning:generate") in lead_page
    assert "Joint with Det Opsøgende Team (test)" in lead_page
    assert "is short of staff: 0 of at least 2." in lead_page
    assert "No patrol is planned in" not in lead_page

    worker_page = login("worker").get(week_url(next_monday)).content.decode()
    assert f'id="p-{planned.code}"' in worker_page
    for hidden in ("planning:assign", "planning:delete", "planning:joint"):
        assert url(hidden, planned) not in worker_page
    assert week_url(next_monday, "planning:generate") not in worker_page
    assert "conflicts-heading" not in worker_page


def test_assign_and_unassign_through_the_week_page(login, users, planned):
    client = login("team_lead")

    response = client.post(url("planning:assign", planned), {"user": users["worker"].pk})
    assert response.status_code == 302
    assert response["Location"] == week_url(planned.date) + f"#p-{planned.code}"
    assert list(planned.staff.all()) == [users["worker"]]

    response = client.post(url("planning:unassign", planned), {"user": users["worker"].pk})
    assert response.status_code == 302
    assert planned.staff.count() == 0


def test_changes_from_the_patrol_page_return_there(login, planned):
    page = url("planning:planned", planned)
    response = login("team_lead").post(
        url("planning:effort", planned), {"effort": "Sommer", "next": page}
    )
    assert response["Location"] == page


def test_a_foreign_next_address_is_ignored(login, planned):
    response = login("team_lead").post(
        url("planning:effort", planned), {"effort": "Sommer", "next": "https://evil.example/"}
    )
    assert response["Location"] == week_url(planned.date) + f"#p-{planned.code}"


def test_one_click_joint_patrol_and_partner_staff(login, users, planned, other_service):
    client = login("team_lead")

    response = client.post(url("planning:joint", planned), {"service": other_service.pk})
    assert response.status_code == 302
    page = client.get(url("planning:planned", planned)).content.decode()
    assert f'<option value="{users["outsider"].pk}">' in page

    client.post(url("planning:assign", planned), {"user": users["outsider"].pk})
    assert PlannedStaff.objects.get().service == other_service


def test_vests_effort_areas_and_delete(login, planned, area, second_area):
    client = login("team_lead")

    client.post(url("planning:vests", planned), {"high_visibility": "1"})
    client.post(url("planning:effort", planned), {"effort": "<b>Sommer</b>"})
    client.post(url("planning:areas", planned), {"area": second_area.pk, "action": "add"})
    client.post(url("planning:areas", planned), {"area": area.pk, "action": "remove"})

    planned.refresh_from_db()
    assert (planned.high_visibility, planned.effort) == (True, "<b>Sommer</b>")
    assert list(planned.areas.all()) == [second_area]
    page = client.get(week_url(planned.date)).content.decode()
    assert "&lt;b&gt;Sommer&lt;/b&gt;" in page
    assert "<b>Sommer</b>" not in page

    response = client.post(url("planning:delete", planned))
    assert response["Location"] == week_url(planned.date)
    assert PlannedPatrol.objects.count() == 0


def test_worker_starts_todays_patrol_from_my_patrols(login, users, today_patrol, area):
    for user in (users["worker"], users["colleague"]):
        PlannedStaff.objects.create(
            planned_patrol=today_patrol, user=user, service=today_patrol.service
        )
    client = login("worker")
    page = client.get(reverse("planning:mine")).content.decode()
    assert url("planning:start", today_patrol) in page

    response = client.post(url("planning:start", today_patrol))

    patrol = Patrol.objects.get()
    assert response["Location"] == reverse("fieldwork:patrol", kwargs={"code": patrol.code})
    today_patrol.refresh_from_db()
    assert today_patrol.patrol == patrol


def test_starting_a_patrol_of_one_is_refused_with_a_message(login, users, today_patrol, area):
    PlannedStaff.objects.create(
        planned_patrol=today_patrol, user=users["worker"], service=today_patrol.service
    )
    response = login("worker").post(url("planning:start", today_patrol))

    assert response.status_code == 400
    assert "A patrol needs at least two staff" in response.content.decode()
    assert Patrol.objects.count() == 0
    today_patrol.refresh_from_db()
    assert today_patrol.patrol is None


def test_the_partners_staff_see_the_joint_patrol_read_only(
    login, lead, users, planned, other_service
):
    planning.make_joint(lead, planned, other_service)
    planning.assign(lead, planned, users["outsider"])
    client = login("outsider")

    page = client.get(url("planning:planned", planned))
    week = client.get(week_url(planned.date)).content.decode()

    assert page.status_code == 200
    assert "Planned by Uteseksjonen (test)" in page.content.decode()
    assert url("planning:assign", planned) not in page.content.decode()
    assert f'id="p-{planned.code}"' in week
    assert client.post(url("planning:effort", planned), {"effort": "x"}).status_code == 404


def test_extra_patrol(login, area, next_monday):
    client = login("team_lead")
    response = client.post(
        week_url(next_monday, "planning:extra"),
        {
            "date": next_monday.isoformat(),
            "start_time": "22:00",
            "end_time": "04:00",
            "shift": "night",
            "areas": [area.pk],
            "effort": "Natteravn-uka",
            "high_visibility": "on",
        },
    )
    planned = PlannedPatrol.objects.get()
    assert response["Location"] == week_url(next_monday) + f"#p-{planned.code}"
    assert (planned.effort, planned.high_visibility, planned.template) == (
        "Natteravn-uka",
        True,
        None,
    )
    assert timezone.localtime(planned.ends_at).date() == next_monday + datetime.timedelta(days=1)


def test_shift_templates_list_create_edit_delete(login, service, area, team):
    client = login("team_lead")
    data = {
        "name": "Fredag natt",
        "weekday": "4",
        "shift": "night",
        "start_time": "22:00",
        "end_time": "04:00",
        "patrol_count": "2",
        "team": team.pk,
        "areas": [area.pk],
    }

    assert client.post(reverse("planning:template_new"), data).status_code == 302
    template = ShiftTemplate.objects.get()
    assert (template.weekday, template.patrol_count, template.team) == (4, 2, team)
    listing = client.get(reverse("planning:templates")).content.decode()
    assert "Fredag natt" in listing
    assert "2 patrols a week" in listing

    edit = reverse("planning:template_edit", kwargs={"code": template.code})
    assert client.get(edit).status_code == 200
    assert client.post(edit, {**data, "patrol_count": "3"}).status_code == 302
    template.refresh_from_db()
    assert template.patrol_count == 3

    delete = reverse("planning:template_delete", kwargs={"code": template.code})
    assert client.post(delete).status_code == 302
    assert ShiftTemplate.objects.count() == 0


# --- Bad input: 400, a clear message, nothing stored ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        ("planning:assign", {"user": "999999"}, "Choose one of the staff members in the list."),
        ("planning:assign", {"user": "\x00\x01"}, "Null characters are not allowed."),
        ("planning:assign", {}, "Choose a staff member."),
        ("planning:assign", {"user": "9" * 30}, "Choose one of the staff members in the list."),
        ("planning:assign", {"user": "OUTSIDER"}, "Choose one of the staff members in the list."),
        ("planning:assign", {"user": "COORDINATOR"}, "Choose one of the staff members"),
        ("planning:unassign", {"user": "COLLEAGUE"}, "Choose one of the staff members"),
        ("planning:effort", {"effort": "x" * 121}, "at most 120 characters (it has 121)"),
        ("planning:effort", {"effort": "bin\x00ary"}, "Null characters are not allowed."),
        ("planning:effort", {"effort": "bin\x01\x02ary"}, "can only contain ordinary text"),
        ("planning:vests", {"high_visibility": "maybe"}, "Choose yes or no."),
        ("planning:joint", {"service": "OWN"}, "Choose one of the services in the list."),
        ("planning:joint", {"service": "abc"}, "Choose one of the services in the list."),
        ("planning:end_joint", {"service": "OTHER"}, "is not joint with"),
        ("planning:areas", {"area": "AREA", "action": "burn"}, "Choose to add or remove"),
        ("planning:areas", {"area": "999999", "action": "add"}, "Choose one of the field areas"),
        ("planning:areas", {"area": "AREA", "action": "add"}, "already one of this patrol"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(
    login, users, planned, service, other_service, name, payload, message
):
    values = {
        "OUTSIDER": users["outsider"].pk,
        "COORDINATOR": users["coordinator"].pk,
        "COLLEAGUE": users["colleague"].pk,
        "OWN": service.pk,
        "OTHER": other_service.pk,
        "AREA": planned.areas.get().pk,
    }
    payload = {key: values.get(value, value) for key, value in payload.items()}
    before = stored(planned)

    response = login("team_lead").post(url(name, planned), payload)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Nothing was changed." in response.content.decode()
    assert stored(planned) == before


def test_double_booking_through_the_page_is_refused(login, lead, users, planned, next_monday):
    overlapping = planning.create_planned_patrol(
        lead,
        ExtraPatrolData(
            date=next_monday,
            start_time=datetime.time(12),
            end_time=datetime.time(18),
            shift=Shift.DAY,
        ),
    )
    planning.assign(lead, planned, users["worker"])
    before = stored(overlapping)

    response = login("team_lead").post(
        url("planning:assign", overlapping), {"user": users["worker"].pk}
    )

    assert response.status_code == 400
    assert "already planned on another patrol at the same time" in response.content.decode()
    assert stored(overlapping) == before


def test_a_foreign_planned_patrol_is_404(login, users, planned):
    before = stored(planned)
    client = login("outsider")
    for name in ("planning:planned", "planning:assign", "planning:delete", "planning:vests"):
        method = client.get if name == "planning:planned" else client.post
        assert method(url(name, planned), {"user": users["outsider"].pk}).status_code == 404
    assert stored(planned) == before


@pytest.mark.parametrize(
    ("year", "week", "message"),
    [
        (2026, 54, "There is no week 54 in 2026."),
        (2025, 53, "There is no week 53 in 2025."),
        (2026, 0, "There is no week 0 in 2026."),
        (1900, 10, "Choose a year between 2000 and 2100."),
    ],
)
def test_a_week_that_does_not_exist_is_400(login, service, area, year, week, message):
    planning.create_default_templates(service)
    client = login("team_lead")
    week_page = reverse("planning:week", kwargs={"year": year, "week": week})
    generate = reverse("planning:generate", kwargs={"year": year, "week": week})

    for response in (client.get(week_page), client.post(generate)):
        assert response.status_code == 400
        assert message in response.content.decode()
    assert PlannedPatrol.objects.count() == 0


def test_generating_a_past_week_is_400(login, service, area):
    planning.create_default_templates(service)
    last_week = planning.week_start(timezone.localdate()) - datetime.timedelta(days=7)

    response = login("team_lead").post(week_url(last_week, "planning:generate"))

    assert response.status_code == 400
    assert "This week has passed" in response.content.decode()
    assert PlannedPatrol.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"end_time": "22:00"}, "cannot start and end at the same time"),
        ({"date": "2001-01-01"}, "cannot be planned in the past"),
        ({"date": "31.02.2027"}, "Enter a valid date."),
        ({"start_time": "25:00"}, "Enter a valid time."),
        ({"shift": "morning"}, "Select a valid choice."),
        ({"effort": "e" * 121}, "at most 120 characters"),
        ({"effort": "\x00"}, "Null characters are not allowed."),
        ({"areas": ["999999"]}, "Select a valid choice."),
    ],
)
def test_bad_extra_patrol_is_400(login, area, next_monday, payload, message):
    data = {
        "date": next_monday.isoformat(),
        "start_time": "22:00",
        "end_time": "04:00",
        "shift": "night",
        "areas": [area.pk],
        **payload,
    }
    response = login("team_lead").post(week_url(next_monday, "planning:extra"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert PlannedPatrol.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"patrol_count": "13"}, "A template plans between 1 and 12 patrols."),
        ({"patrol_count": "0"}, "A template plans between 1 and 12 patrols."),
        ({"weekday": "7"}, "Select a valid choice."),
        ({"end_time": "22:00"}, "cannot start and end at the same time"),
        ({"name": "n" * 81}, "at most 80 characters"),
        ({"name": "\x00"}, "Null characters are not allowed."),
        ({"name": "Natt\x07"}, "a name of at most 80 characters"),
        ({"team": "999999"}, "Select a valid choice."),
    ],
)
def test_bad_shift_template_is_400(login, area, payload, message):
    data = {
        "name": "Natt",
        "weekday": "4",
        "shift": "night",
        "start_time": "22:00",
        "end_time": "04:00",
        "patrol_count": "1",
        **payload,
    }
    response = login("team_lead").post(reverse("planning:template_new"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert ShiftTemplate.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    "name", ["planning:assign", "planning:delete", "planning:start", "planning:joint"]
)
def test_writes_need_post(login, planned, name):
    assert login("team_lead").get(url(name, planned)).status_code == 405


def test_generating_without_templates_says_so(login, next_monday):
    client = login("team_lead")
    response = client.post(week_url(next_monday, "planning:generate"), follow=True)
    assert "Add shift templates first" in response.content.decode()
    assert PlannedPatrol.objects.count() == 0
