"""The permission matrix for oversight: every URL × every persona → the exact status.

Team leads (and only they) see the review pages; workers and coordinators (who open person
pages and may break the glass) see the reason page and their own accesses; peer workers,
analysts and administrators get 403; a person of another service is a 404. Refused requests
store nothing.
"""

import pytest
from django.urls import reverse

from conftest import log_in_as
from feltbok.audit.models import AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.oversight.models import EmergencyAccess

REASON = "Politiet ringte om ham i natt, han er savnet"
DATA = {"reason_kind": "inquiry", "reason_text": REASON}

REVIEW = expect(403, team_lead=200, outsider=200)
MATRIX = {
    # The dormant person is out of scope for the worker, colleague and coordinator.
    # A team lead is always in scope: straight on to the person page.
    ("GET", "oversight:emergency"): expect(
        403, worker=200, colleague=200, coordinator=200, team_lead=302, outsider=404
    ),
    ("POST", "oversight:emergency"): expect(
        403, worker=302, colleague=302, coordinator=302, team_lead=302, outsider=404
    ),
    ("GET", "oversight:mine"): expect(
        403, worker=200, colleague=200, coordinator=200, team_lead=200, outsider=200
    ),
    ("GET", "oversight:emergency_list"): REVIEW,
    ("GET", "oversight:review"): REVIEW,
    ("GET", "oversight:review_export"): REVIEW,
    ("GET", "oversight:monthly"): REVIEW,
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_permission_matrix(client, users, dormant, persona, method, name):
    log_in_as(client, users, persona)
    if name == "oversight:emergency":
        url = reverse(name, kwargs={"code": dormant.code})
    else:
        url = reverse(name)
    grants = EmergencyAccess.objects.count()
    events = AuditEvent.objects.filter(object_id=str(dormant.code)).count()

    response = client.post(url, DATA) if method == "POST" else client.get(url)

    assert response.status_code == MATRIX[(method, name)][persona], url
    if response.status_code != 302 or method == "GET":
        assert EmergencyAccess.objects.count() == grants
        assert AuditEvent.objects.filter(object_id=str(dormant.code)).count() == events
    elif persona in ("team_lead", "anonymous"):
        assert EmergencyAccess.objects.count() == 0
    else:
        assert EmergencyAccess.objects.get().user == users[persona]


@pytest.mark.parametrize("persona", ["worker", "coordinator"])
def test_the_person_page_sends_out_of_scope_roles_to_the_reason_page(
    client, users, dormant, persona
):
    log_in_as(client, users, persona)
    response = client.get(reverse("people:detail", kwargs={"code": dormant.code}))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/oversight/people/{dormant.code}/emergency/")


@pytest.mark.parametrize(
    ("persona", "status"),
    [("team_lead", 200), ("peer_worker", 403), ("analyst", 403), ("admin", 403), ("outsider", 404)],
)
def test_the_person_page_for_other_roles_is_unchanged(client, users, dormant, persona, status):
    log_in_as(client, users, persona)
    response = client.get(reverse("people:detail", kwargs={"code": dormant.code}))
    assert response.status_code == status
