"""The trend report page: permission matrix, the page's figures and observations, bad input,
and a query count that does not grow with the data.

Matrix: analysts, administrators and team leads get in (200); field staff, peer workers and
coordinators are refused (403); anonymous visitors are sent to log in (302); the outsider (a
team lead of another service) is refused the area, which is not theirs (400, nothing shown).
The page only reads: no request changes anything but the access log for notes.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import enrol_totp
from feltbok.audit.models import AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.fieldwork.models import Encounter, EnvironmentObservation
from feltbok.organisation.models import FieldArea
from feltbok.reports.tests.test_statistics import encounter
from feltbok.reports.tests.test_trends import OCTOBER, SEPTEMBER, observe

MATRIX = expect(403, team_lead=200, analyst=200, admin=200, outsider=400)
URL = "reports:trends"


def params(area, **extra):
    return {
        "area": area.pk if area else "",
        "start": "2025-09-01",
        "end": "2025-10-31",
        "bucket": "month",
    } | extra


@pytest.fixture
def figures(patrol, area, second_area):
    encounter(patrol, area, SEPTEMBER, 3)  # small: hidden
    encounter(patrol, area, OCTOBER, 20)
    encounter(patrol, second_area, SEPTEMBER, 30)
    observe(patrol, area, OCTOBER, note="Calmer than last month", present=14, mood="calm")


def state():
    return (Encounter.objects.count(), EnvironmentObservation.objects.count())


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client, users, figures, area, persona):
    if persona != "anonymous":
        enrol_totp(users[persona])
        client.force_login(users[persona])
    client.cookies["django_language"] = "en"  # the refusal's message is read below
    before = state()
    response = client.get(reverse(URL), params(area))
    assert response.status_code == MATRIX[persona]
    assert state() == before
    if persona == "outsider":
        body = response.content.decode()
        assert "Choose one of the service&#x27;s field areas." in body
        assert "Vaterland" not in body
        assert "Calmer than last month" not in body


def test_user_without_membership_is_refused(client, users, area):
    enrol_totp(users["no_membership"])
    client.force_login(users["no_membership"])
    assert client.get(reverse(URL), params(area)).status_code == 403


def test_post_is_not_allowed(login, area):
    assert login("analyst").post(reverse(URL), params(area)).status_code == 405


def test_empty_form_first(login, area):
    response = login("analyst").get(reverse(URL))
    assert response.status_code == 200
    assert response.context["report"] is None
    assert area.name in response.content.decode()  # offered in the list


def test_analyst_sees_suppressed_figures_and_observations_without_notes(login, figures, area):
    response = login("analyst").get(reverse(URL), params(area))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Trends in Vaterland/Grønland" in body
    assert 'id="trend-contacts-caption"' in body
    assert 'id="trend-contacts-data"' in body  # the chart's figures, as JSON
    assert '<td class="num">3</td>' not in body  # the small cell never reaches the page
    assert "<script>" not in body  # no inline scripts
    assert "Calm" in body
    assert "Calmer than last month" not in body
    assert "Written notes are shown only to staff who see patrols" in body


def test_team_lead_reads_the_notes(login, figures, area):
    before = AuditEvent.objects.count()
    body = login("team_lead").get(reverse(URL), params(area)).content.decode()
    assert "Calmer than last month" in body
    assert AuditEvent.objects.count() == before + 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"start": "2025-10-31", "end": "2025-09-01"},
            "The end date must be after the start date.",
        ),
        ({"area": "999999"}, "Choose one of the service&#x27;s field areas."),
        ({"area": ""}, "Choose one of the service&#x27;s field areas."),
        ({"area": "Vaterland"}, "Choose one of the service&#x27;s field areas."),
        ({"bucket": "week"}, "Select a valid choice."),
        ({"start": "yesterday"}, "Enter a valid date."),
        ({"environment": "not-a-code"}, "Choose an environment in the chosen field area."),
    ],
)
def test_bad_input_is_refused_with_a_message(login, figures, area, change, message):
    before = (state(), AuditEvent.objects.count())
    response = login("team_lead").get(reverse(URL), params(area) | change)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "Calmer than last month" not in body
    assert (state(), AuditEvent.objects.count()) == before


def test_an_area_of_another_service_is_refused(login, figures, other_service):
    foreign = FieldArea.objects.create(
        service=other_service, name="Nørrebro", valid_from=SEPTEMBER, boundary={}
    )
    response = login("analyst").get(reverse(URL), params(foreign))
    assert response.status_code == 400
    assert "Nørrebro" not in response.content.decode()


def test_query_count_is_constant(login, patrol, area, second_area):
    client = login("team_lead")
    year = params(area, start="2024-11-01", end="2025-10-31")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(URL), year).status_code == 200
        return len(queries)

    encounter(patrol, area, OCTOBER, 7)
    encounter(patrol, second_area, OCTOBER, 7)
    observe(patrol, area, OCTOBER, note="One")
    count()  # the first request of a session does more (session, MFA)
    few = count()
    for month in range(12):
        day = datetime.date(2024, 11, 4) + datetime.timedelta(days=30 * month)
        encounter(patrol, area, day, 9, topics=["food"], age_band="26-35", gender="female")
        encounter(patrol, second_area, day, 11)
        observe(patrol, area, day, note=f"Note {month}", present=10)
    count()  # the statistics' roll-ups catch up with the new rows once
    assert count() == few
    assert few <= 60
