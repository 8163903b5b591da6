"""Lectures: recording one (exact values, audit), refusals that store nothing, the list and
form's permission matrix, a constant query count, and the statistics measure."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import enrol_totp
from feltbok.audit.models import AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.lectures.models import Audience, Lecture
from feltbok.lectures.services import LectureData, LectureError, record_lecture
from feltbok.reports.statistics import Query, run

# The outsider leads a team elsewhere: their own service's (empty) list, never ours.
ALLOWED = expect(403, worker=200, colleague=200, team_lead=200, outsider=200)
MATRIX = {("GET", "lectures:list"): ALLOWED, ("GET", "lectures:new"): ALLOWED}


def today():
    return timezone.localdate()


def data(users, **changes):
    values = {
        "date": today() - datetime.timedelta(days=2),
        "audience": Audience.SCHOOLS,
        "topic": "Cannabis and young people",
        "attending": 28,
        "given_by": [users["worker"], users["colleague"]],
        "notes": "Grade 10, many questions about vaping.",
    }
    return LectureData(**(values | changes))


def state():
    return (Lecture.objects.count(), AuditEvent.objects.count())


def test_record_a_lecture(actors, users):
    lecture = record_lecture(actors["worker"], data(users))
    lecture.refresh_from_db()
    assert lecture.audience == "schools"
    assert lecture.topic == "Cannabis and young people"
    assert lecture.attending == 28
    assert set(lecture.given_by.all()) == {users["worker"], users["colleague"]}
    assert lecture.recorded_by == users["worker"]
    event = AuditEvent.objects.get(object_type="lecture")
    assert event.action == "create"
    assert event.detail == {"audience": "schools", "attending": 28}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date": datetime.date(2999, 1, 1)}, "The date cannot be in the future."),
        ({"date": datetime.date(2001, 1, 1)}, "Record lectures from the last 5 years."),
        ({"audience": "pets"}, "Choose the audience."),
        ({"topic": "   "}, "Fill in “Topic”."),
        ({"topic": "x" * 201}, "“Topic” is too long: at most 200 characters."),
        ({"topic": "bad\x00byte"}, "contains characters that cannot be saved"),
        ({"attending": 0}, "The number attending must be between 1 and 10000."),
        ({"attending": 10_001}, "The number attending must be between 1 and 10000."),
        ({"given_by": []}, "Choose who gave the lecture."),
    ],
)
def test_bad_input_stores_nothing(actors, users, changes, message):
    before = state()
    with pytest.raises(LectureError, match=message):
        record_lecture(actors["team_lead"], data(users, **changes))
    assert state() == before


def test_given_by_must_be_staff_of_the_service(actors, users):
    before = state()
    with pytest.raises(LectureError, match=r"Choose staff of this service\."):
        record_lecture(actors["worker"], data(users, given_by=[users["outsider"]]))
    assert state() == before


@pytest.mark.parametrize("persona", ["peer_worker", "coordinator", "analyst", "admin"])
def test_roles_that_may_not_record(actors, users, persona):
    before = state()
    with pytest.raises(PermissionDenied):
        record_lecture(actors[persona], data(users))
    assert state() == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_permission_matrix(client, actors, users, persona, method, name):
    record_lecture(actors["worker"], data(users, topic="Vaterland this autumn"))
    if persona != "anonymous":
        enrol_totp(users[persona])
        client.force_login(users[persona])
    before = state()
    response = client.get(reverse(name))
    assert response.status_code == MATRIX[(method, name)][persona]
    assert state() == before
    if persona == "outsider":
        body = response.content.decode()
        assert "Vaterland this autumn" not in body
        assert users["colleague"].first_name not in body  # not offered as "given by"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("peer_worker", 403),
        ("coordinator", 403),
        ("analyst", 403),
        ("admin", 403),
        ("outsider", 400),
    ],  # their own form, where our staff are not a valid choice
)
def test_post_refused_for_roles_that_may_not_record(client, users, persona, status):
    enrol_totp(users[persona])
    client.force_login(users[persona])
    before = state()
    response = client.post(reverse("lectures:new"), form_data(users))
    assert response.status_code == status
    assert state() == before


def form_data(users, **changes):
    return {
        "date": str(today() - datetime.timedelta(days=1)),
        "audience": "politicians",
        "topic": "The autumn in Vaterland",
        "attending": "9",
        "given_by": [str(users["team_lead"].pk)],
        "notes": "",
    } | changes


def test_form_records_and_lists(login, users):
    client = login("team_lead")
    response = client.post(reverse("lectures:new"), form_data(users))
    assert response.status_code == 302
    lecture = Lecture.objects.get()
    assert (lecture.audience, lecture.attending) == ("politicians", 9)
    body = client.get(reverse("lectures:list")).content.decode()
    assert "The autumn in Vaterland" in body
    assert "Politicians" in body


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"attending": "-3"}, "Ensure this value is greater than or equal to 1."),
        ({"attending": "many"}, "Enter a whole number."),
        ({"audience": "pets"}, "Select a valid choice."),
        ({"given_by": ["999999"]}, "Select a valid choice."),
        ({"date": str(today() + datetime.timedelta(days=3))}, "The date cannot be in the future."),
        ({"topic": ""}, "This field is required."),
    ],
)
def test_form_refuses_bad_input(login, users, changes, message):
    before = state()
    response = login("worker").post(reverse("lectures:new"), form_data(users, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state() == before


def test_list_refuses_a_bad_period(login):
    response = login("worker").get(
        reverse("lectures:list"), {"start": "2025-10-01", "end": "2025-09-01"}
    )
    assert response.status_code == 400
    assert "The end date must be after the start date." in response.content.decode()


def test_list_query_count_is_constant(login, actors, users):
    client = login("worker")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("lectures:list")).status_code == 200
        return len(queries)

    record_lecture(actors["worker"], data(users))
    count()
    few = count()
    for n in range(8):
        record_lecture(actors["worker"], data(users, topic=f"Talk {n}", audience="parents"))
    assert count() == few


def test_the_statistics_measure(actors, users):
    worker = actors["worker"]
    first = today().replace(day=1)
    for audience in ["schools", "schools", "schools", "politicians"]:
        record_lecture(worker, data(users, audience=audience, date=first))
    result = run(
        actors["analyst"], Query(start=first, end=first, measure="lectures", bucket="month")
    )
    rows = {tuple(row.labels): row.cells for row in result.table.rows}
    # The team's own activity: shown as is, even a 3 (nobody the service works with is counted).
    assert rows == {("Politicians",): [1], ("Schools",): [3]}
    assert result.table.row_headers == ["Audience"]
    assert result.table.grand_total == 4
