"""The permission matrix for counts: every URL × every persona → the exact status.

302 = sent to log in (anonymous), or an allowed write sent on (analysts and administrators
opening a campaign go straight to its result); 404 = another service's campaign; 403 = the
role may not. Team leads run counts; workers and peer workers record; analysts see the
suppressed result; administrators the result; coordinators nothing. Every refused request
leaves the data as it was.
"""

import pytest
from django.urls import reverse

from conftest import enrol_totp
from feltbok.audit.models import AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.counts import services
from feltbok.counts.models import Campaign, Merge, Observation
from feltbok.counts.tests.conftest import anonymous

RECORD_GET = expect(200, coordinator=403, analyst=403, admin=403, outsider=404)
RECORD_POST = expect(302, coordinator=403, analyst=403, admin=403, outsider=404)
LEAD_GET = expect(403, team_lead=200, outsider=404)
LEAD_POST = expect(403, team_lead=302, outsider=404)
RESULT = expect(403, team_lead=200, admin=200, analyst=200, outsider=404)

MATRIX = {
    ("GET", "counts:campaigns"): expect(200, coordinator=403),
    ("GET", "counts:create"): expect(403, team_lead=200, outsider=200),
    ("POST", "counts:create"): expect(403, team_lead=302, outsider=302),
    ("GET", "counts:campaign"): expect(200, coordinator=403, analyst=302, admin=302, outsider=404),
    ("POST", "counts:status"): LEAD_POST,
    ("GET", "counts:observe"): RECORD_GET,
    ("POST", "counts:observe"): RECORD_POST,
    ("GET", "counts:bulk"): RECORD_GET,
    ("POST", "counts:bulk"): RECORD_POST,
    ("GET", "counts:paper"): RECORD_GET,
    ("GET", "counts:duplicates"): LEAD_GET,
    ("POST", "counts:unmerge"): LEAD_POST,
    ("POST", "counts:merge"): LEAD_POST,
    ("GET", "counts:result"): RESULT,
    ("GET", "counts:export"): RESULT,
}


@pytest.fixture
def merged(actors, campaign, today):
    """Two observations of K.N. (1970), merged into one; and K.M. (1970), a typo of K.N."""
    services.record_observation(actors["worker"], campaign, anonymous(today))
    services.record_observation(actors["worker"], campaign, anonymous(today, source="shelter"))
    services.record_observation(actors["worker"], campaign, anonymous(today, initials="KM"))
    return Merge.objects.get()


def post_data(name, today, merge):
    if name == "counts:merge":
        typo = (
            Observation.objects.filter(merged_into__isnull=True).exclude(pk=merge.primary_id).get()
        )
        return {"keep": str(merge.primary.code), "merge": str(typo.code)}
    if name == "counts:create":
        return {
            "name": "Ny telling",
            "definition": "ethos_light",
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
        }
    if name == "counts:status":
        return {"action": "close"}
    row = {
        "observed_on": today.isoformat(),
        "category": "friends",
        "gender": "female",
        "initials": "ZZ",
        "birth_year": "1980",
        "age_band": "unknown",
        "comorbidity": "unknown",
        "duration": "unknown",
        "children": "0",
    }
    if name == "counts:observe":
        return {**row, "source": "patrol"}
    if name == "counts:bulk":
        data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "source": "partner"}
        data.update({f"form-0-{key}": value for key, value in row.items()})
        return data
    return {}


def url_for(name, campaign, merge):
    if name in ("counts:campaigns", "counts:create"):
        return reverse(name)
    if name == "counts:unmerge":
        return reverse(name, kwargs={"code": merge.code})
    return reverse(name, kwargs={"code": campaign.code})


def state(campaign):
    return (
        list(Campaign.objects.order_by("pk").values_list("name", "status")),
        list(Observation.objects.order_by("pk").values_list("pk", "merged_into")),
        list(Merge.objects.values_list("pk", "undone_at")),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_permission_matrix(client, users, campaign, merged, today, persona, method, name):
    if persona != "anonymous":
        enrol_totp(users[persona])
        client.force_login(users[persona])
    url = url_for(name, campaign, merged)
    before = state(campaign)
    audit_before = AuditEvent.objects.filter(service=campaign.service).count()

    response = (
        client.post(url, post_data(name, today, merged)) if method == "POST" else client.get(url)
    )

    expected = MATRIX[(method, name)][persona]
    assert response.status_code == expected, (persona, url)
    if method == "POST" and (expected != 302 or persona == "anonymous"):
        assert state(campaign) == before
        assert AuditEvent.objects.filter(service=campaign.service).count() == audit_before
    if method == "POST" and expected == 302 and persona != "anonymous":
        assert state(campaign) != before  # the allowed write happened
    if method == "GET" and expected in (302, 403, 404):
        assert state(campaign) == before


def test_analyst_never_sees_observations_or_persons(client, users, campaign, merged, person):
    enrol_totp(users["analyst"])
    client.force_login(users["analyst"])
    for name in ("counts:observe", "counts:bulk", "counts:duplicates", "counts:paper"):
        assert client.get(reverse(name, kwargs={"code": campaign.code})).status_code == 403
    page = client.get(reverse("counts:result", kwargs={"code": campaign.code}))
    assert "&lt;5" in page.content.decode()
