"""Time use: follow-up registration (audited, validated) and field vs follow-up hours."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_member
from feltbok.accounts.models import Role
from feltbok.audit.models import AuditEvent
from feltbok.fieldwork import timeuse
from feltbok.fieldwork.models import FollowUpTime, Patrol, PatrolStatus, Shift
from feltbok.organisation.models import Team

START = datetime.date(2026, 3, 2)
END = datetime.date(2026, 3, 8)


def at(day, hour, minute=0):
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def patrol(service, first, second, day, minutes, *, others=(), ended=True, start_hour=18):
    started = at(day, start_hour)
    row = Patrol.objects.create(
        service=service,
        date=day,
        shift=Shift.EVENING,
        status=PatrolStatus.ENDED if ended else PatrolStatus.ACTIVE,
        started_at=started,
        ended_at=started + datetime.timedelta(minutes=minutes) if ended else None,
        first_member=first,
        second_member=second,
    )
    row.other_members.set(others)
    return row


def follow_up(service, user, day, minutes):
    return FollowUpTime.objects.create(service=service, user=user, date=day, minutes=minutes)


def stored():
    return (FollowUpTime.objects.count(), AuditEvent.objects.count())


# -- Registration -------------------------------------------------------------------------


def test_register_follow_up_time_is_stored_and_audited(actors, service, users):
    before = AuditEvent.objects.filter(service=service).count()
    day = timezone.localdate() - datetime.timedelta(days=1)

    entry = timeuse.register_follow_up_time(
        actors["worker"], date=day, minutes=90, note="  Følge til NAV  "
    )

    entry.refresh_from_db()
    assert (entry.user, entry.date, entry.minutes, entry.note, entry.service) == (
        users["worker"],
        day,
        90,
        "Følge til NAV",
        service,
    )
    event = AuditEvent.objects.filter(service=service).order_by("-seq").first()
    assert AuditEvent.objects.filter(service=service).count() == before + 1
    assert (event.action, event.object_type, event.detail) == (
        "create",
        "followuptime",
        {"date": day.isoformat(), "minutes": 90},
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"minutes": 0}, "between 1 and 960"),
        ({"minutes": 961}, "between 1 and 960"),
        ({"minutes": 10000}, "between 1 and 960"),
        ({"minutes": -5}, "between 1 and 960"),
        ({"minutes": True}, "whole minutes"),
        ({"minutes": 1.5}, "whole minutes"),
        ({"minutes": "60"}, "whole minutes"),
        ({"date": "2026-03-02"}, "the date"),
        ({"date": datetime.date(1999, 12, 31)}, "the date"),
        ({"date": "future"}, "today or earlier"),
        ({"note": "x" * 201}, "at most 200"),
        ({"note": "binary \x00\x01"}, "cannot be stored"),
    ],
)
def test_bad_registrations_store_nothing(actors, changes, message):
    data = {"date": timezone.localdate(), "minutes": 60, "note": ""}
    data.update(changes)
    if data["date"] == "future":
        data["date"] = timezone.localdate() + datetime.timedelta(days=1)
    before = stored()

    with pytest.raises(timeuse.TimeUseError, match=message):
        timeuse.register_follow_up_time(actors["worker"], **data)

    assert stored() == before


def test_one_day_holds_at_most_sixteen_hours(actors):
    day = timezone.localdate()
    timeuse.register_follow_up_time(actors["worker"], date=day, minutes=900)
    timeuse.register_follow_up_time(actors["colleague"], date=day, minutes=960)  # someone else
    before = stored()

    with pytest.raises(timeuse.TimeUseError, match="already registered 15 h 0 min"):
        timeuse.register_follow_up_time(actors["worker"], date=day, minutes=61)

    assert stored() == before
    timeuse.register_follow_up_time(actors["worker"], date=day, minutes=60)
    assert FollowUpTime.objects.filter(user=actors["worker"].user).count() == 2


@pytest.mark.parametrize("persona", ["peer_worker", "coordinator", "analyst", "admin"])
def test_roles_without_the_right_cannot_register(actors, persona):
    with pytest.raises(PermissionDenied):
        timeuse.register_follow_up_time(actors[persona], date=START, minutes=30)
    assert FollowUpTime.objects.count() == 0


def test_register_through_the_form(login, users):
    client = login("worker")
    day = timezone.localdate()

    response = client.post(
        reverse("reports:time_register"),
        {"date": day.isoformat(), "minutes": "45", "note": "Samtale"},
    )

    assert response.status_code == 302
    entry = FollowUpTime.objects.get()
    assert (entry.user, entry.minutes, entry.note) == (users["worker"], 45, "Samtale")
    page = client.get(reverse("reports:time_register")).content.decode()
    assert "45 minutes" in page
    assert "0 h 45 min of follow-up registered." in page


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"minutes": "0"}, "Enter between 1 and 960 minutes (16 hours)."),
        ({"minutes": "10000"}, "Enter between 1 and 960 minutes (16 hours)."),
        ({"minutes": "1.5"}, "Enter a whole number."),
        ({"minutes": "ten"}, "Enter a whole number."),
        ({"minutes": ""}, "This field is required."),
        ({"date": "2026-02-30"}, "Enter a valid date."),
        ({"date": "2999-01-01"}, "Time can only be registered for today or earlier."),
        ({"note": "\x00\x01\x02"}, "Null characters are not allowed."),
        ({"note": "\x01\x02"}, "The text contains characters that cannot be stored."),
        ({"minutes": "\x00"}, "Enter a whole number."),
    ],
)
def test_bad_input_through_the_form_is_a_clear_message(login, payload, message):
    data = {"date": timezone.localdate().isoformat(), "minutes": "60", "note": ""}
    data.update(payload)
    before = stored()

    response = login("worker").post(reverse("reports:time_register"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored() == before


# -- Field vs follow-up -------------------------------------------------------------------


@pytest.fixture
def hours(service, users, team):
    """A week of field and follow-up time for three workers in two teams."""
    other_team = Team.objects.create(service=service, name="Tøyen")
    peer = users["peer_worker"]
    third = make_member(
        service, Role.WORKER, "third@test.example", team=other_team, first_name="Tredje"
    )
    worker, colleague, lead = users["worker"], users["colleague"], users["team_lead"]
    # Worker and colleague: 4 h on Monday; with the peer worker 3 h on Tuesday.
    patrol(service, worker, colleague, START, 240)
    patrol(service, colleague, worker, START + datetime.timedelta(days=1), 180, others=[peer])
    # The third worker with the team lead: 2 h 30 on Sunday, ending after midnight.
    patrol(service, third, lead, END, 150, start_hour=22)
    # Not counted: under way, the week before, the week after.
    patrol(service, worker, colleague, START + datetime.timedelta(days=2), 0, ended=False)
    patrol(service, worker, colleague, START - datetime.timedelta(days=1), 300)
    patrol(service, worker, colleague, END + datetime.timedelta(days=1), 300)
    follow_up(service, worker, START, 420)
    follow_up(service, worker, END, 0 + 30)
    follow_up(service, colleague, START, 60)
    follow_up(service, third, END, 150)
    follow_up(service, worker, END + datetime.timedelta(days=1), 480)  # after the period
    return {"third": third, "other_team": other_team}


def rows(report):
    return {
        worker.user.email: (worker.field_minutes, worker.follow_up_minutes, worker.field_share)
        for team in report.teams
        for worker in team.workers
    }


def test_field_and_follow_up_minutes_per_worker(actors, hours, users):
    report = timeuse.time_use(actors["team_lead"], START, END)

    assert rows(report) == {
        "worker@test.example": (420, 450, 48),
        "colleague@test.example": (420, 60, 88),
        "peer_worker@test.example": (180, 0, 100),
        "team_lead@test.example": (150, 0, 100),
        "third@test.example": (150, 150, 50),
    }


def test_time_use_per_team_and_in_all(actors, hours, team):
    report = timeuse.time_use(actors["admin"], START, END)

    assert [
        (t.team.name, t.field_minutes, t.follow_up_minutes, t.field_share) for t in report.teams
    ] == [
        (team.name, 1170, 510, 70),  # worker, colleague, peer worker and the team lead
        ("Tøyen", 150, 150, 50),
    ]
    assert (report.total.field_minutes, report.total.follow_up_minutes) == (1320, 660)
    assert report.total.field_share == 67
    assert (report.total.field_hours, report.total.follow_up_hours) == (22.0, 11.0)


def test_staff_without_time_are_listed_and_others_are_left_out(actors, team):
    report = timeuse.time_use(actors["team_lead"], START, END)

    names = sorted(rows(report))
    # Field roles are listed with no time; the coordinator, analyst and admin are not.
    assert names == [
        "colleague@test.example",
        "peer_worker@test.example",
        "team_lead@test.example",
        "worker@test.example",
    ]
    assert all(share is None for _f, _u, share in rows(report).values())
    assert report.total.field_share is None


def test_another_services_time_is_not_counted(actors, hours):
    report = timeuse.time_use(actors["outsider"], START, END)
    assert rows(report) == {"outsider@test.example": (0, 0, None)}


@pytest.mark.parametrize("persona", ["worker", "peer_worker", "coordinator", "analyst"])
def test_only_team_leads_and_admins_see_time_use(actors, persona):
    with pytest.raises(PermissionDenied):
        timeuse.time_use(actors[persona], START, END)


def test_time_use_page(login, hours):
    response = login("team_lead").get(
        reverse("reports:time_use"), {"start": START.isoformat(), "end": END.isoformat()}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Hours per team" in page
    assert '<td class="num">19.5</td>' in page  # the team's field hours
    assert '<td class="num">70 %</td>' in page
    assert "Tredje" in page


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-13-45", "end": "2026-01-01"},
        {"start": "2026-05-01", "end": "2026-04-01"},
        {"start": "\x00", "end": "x"},
    ],
)
def test_bad_period_is_a_clear_message(login, params):
    response = login("team_lead").get(reverse("reports:time_use"), params)
    assert response.status_code == 400
    assert response.context["report"] is None


def test_time_use_uses_a_constant_number_of_queries(login, service, users, team):
    client = login("team_lead")
    url = reverse("reports:time_use")
    params = {"start": START.isoformat(), "end": END.isoformat()}
    client.get(url, params)  # the session's first request also checks the second factor

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        return len(queries)

    patrol(service, users["worker"], users["colleague"], START, 60)
    small = count()
    for i in range(8):
        extra = make_member(service, Role.WORKER, f"extra{i}@test.example", team=team)
        day = START + datetime.timedelta(days=i % 7)
        patrol(service, extra, users["worker"], day, 120, others=[users["peer_worker"]])
        follow_up(service, extra, day, 30)
    large = count()

    assert small == large
    assert large <= 12
