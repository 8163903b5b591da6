"""Referral pages: the permission matrix (every URL × persona), bad input, audit, queries.

302 = sent to log in (anonymous) or on after a write, 404 = another service's object,
403 = the role may not, 405 = wrong method, 200 = allowed. Refused requests change nothing.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import log_in_as
from feltbok.audit.models import AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.referrals import services
from feltbok.referrals.models import (
    Partner,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralSettings,
)

# Referrals: workers and team leads; the outsider (a team lead elsewhere) sees only their own.
MINE = expect(403, worker=200, colleague=200, team_lead=200, outsider=200)
OBJECT = expect(403, worker=200, colleague=200, team_lead=200, outsider=404)
WRITE = expect(403, worker=302, colleague=302, team_lead=302, outsider=404)
PARTNERS = expect(200, peer_worker=403, analyst=403)
MANAGE = expect(403, team_lead=200, admin=200, outsider=200)
MANAGE_OBJECT = expect(403, team_lead=200, admin=200, outsider=404)
MANAGE_WRITE = expect(403, team_lead=302, admin=302, outsider=404)

MATRIX = {
    ("GET", "referrals:mine"): MINE,
    ("GET", "referrals:create"): OBJECT,
    ("POST", "referrals:create"): WRITE,
    ("GET", "referrals:detail"): OBJECT,
    ("POST", "referrals:status"): WRITE,
    ("POST", "referrals:consent"): WRITE,
    ("POST", "referrals:follow_up_check"): WRITE,
    ("GET", "referrals:partners"): PARTNERS,
    ("GET", "referrals:partner_create"): MANAGE,
    ("POST", "referrals:partner_create"): expect(403, team_lead=302, admin=302, outsider=302),
    ("GET", "referrals:partner_edit"): MANAGE_OBJECT,
    ("POST", "referrals:partner_edit"): MANAGE_WRITE,
    ("GET", "referrals:settings"): MANAGE,
    ("POST", "referrals:settings"): expect(403, team_lead=302, admin=302, outsider=302),
}


@pytest.fixture
def objects(worker, person, partner, referral):
    transfer = services.create_referral(
        worker,
        services.ReferralData(
            person=person,
            partner=partner,
            purpose="Trygt hjem",
            kind=ReferralKind.HOME_MUNICIPALITY,
            home_municipality="Drammen",
            follow_up_on=timezone.localdate(),
        ),
    )
    return {"person": person, "partner": partner, "referral": referral, "transfer": transfer}


def url_for(name, objects):
    short = name.split(":")[1]
    if short == "create":
        return reverse(name, kwargs={"person_code": objects["person"].code})
    if short == "follow_up_check":
        return reverse(name, kwargs={"code": objects["transfer"].code})
    if short in {"detail", "status", "consent"}:
        return reverse(name, kwargs={"code": objects["referral"].code})
    if short == "partner_edit":
        return reverse(name, kwargs={"code": objects["partner"].code})
    return reverse(name)


def payload(name, objects):
    return {
        "referrals:create": {
            "partner": str(objects["partner"].code),
            "kind": "referral",
            "purpose": "Lege for sår på foten",
        },
        "referrals:status": {"to_status": "agreed"},
        "referrals:consent": {"scope": "Navn og behov"},
        "referrals:follow_up_check": {"check-note": "Har fått oppfølging i Drammen"},
        "referrals:partner_create": {"name": "Oslo legevakt", "partner_type": "gp"},
        "referrals:partner_edit": {
            "name": "NAV Grünerløkka",
            "partner_type": "social_services",
            "contact": "Ny kontakt",
            "is_active": "on",
        },
        "referrals:settings": {"overdue_after_days": "10"},
    }.get(name, {})


def state(service, objects):
    referral, partner, transfer = objects["referral"], objects["partner"], objects["transfer"]
    for obj in (referral, partner, transfer):
        obj.refresh_from_db()
    return (
        Referral.objects.filter(service=service).count(),
        ReferralEvent.objects.filter(service=service).count(),
        Partner.objects.filter(service=service).count(),
        list(ReferralSettings.objects.filter(service=service).values_list("overdue_after_days")),
        (referral.status, referral.consent_at),
        (transfer.follow_up_done_at,),
        (partner.name, partner.contact, partner.is_active),
    )


def audit_count(service):
    return AuditEvent.objects.filter(service=service).count()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_permission_matrix(client, users, service, objects, persona, method, name):
    log_in_as(client, users, persona)
    url = url_for(name, objects)
    before, audits = state(service, objects), audit_count(service)

    response = client.post(url, payload(name, objects)) if method == "POST" else client.get(url)

    expected = MATRIX[(method, name)][persona]
    assert response.status_code == expected, url
    refused = persona == "anonymous" or expected in (400, 403, 404)
    if method == "GET" or refused or persona == "outsider":
        assert state(service, objects) == before
    if refused or persona == "outsider":
        assert audit_count(service) == audits
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


WRITES = [name for method, name in MATRIX if method == "POST"]


@pytest.mark.parametrize("name", WRITES)
def test_allowed_writes_are_real_and_audited(client, users, service, objects, name):
    log_in_as(client, users, "team_lead")
    before, audits = state(service, objects), audit_count(service)

    response = client.post(url_for(name, objects), payload(name, objects))

    assert response.status_code == 302
    assert state(service, objects) != before
    assert audit_count(service) == audits + 1


GET_ONLY = [name for method, name in MATRIX if method == "GET" and ("POST", name) not in MATRIX]
POST_ONLY = [name for method, name in MATRIX if method == "POST" and ("GET", name) not in MATRIX]


@pytest.mark.parametrize("name", GET_ONLY)
def test_wrong_method_on_pages(client, users, service, objects, name):
    log_in_as(client, users, "team_lead")
    before = state(service, objects)
    assert client.post(url_for(name, objects)).status_code == 405
    assert state(service, objects) == before


@pytest.mark.parametrize("name", POST_ONLY)
def test_wrong_method_on_writes(client, users, service, objects, name):
    log_in_as(client, users, "team_lead")
    before = state(service, objects)
    assert client.get(url_for(name, objects)).status_code == 405
    assert state(service, objects) == before


def test_reading_a_referral_is_audited(login, objects):
    referral = objects["referral"]
    client = login("worker")
    response = client.get(reverse("referrals:detail", kwargs={"code": referral.code}))
    assert response.status_code == 200
    event = AuditEvent.objects.filter(object_id=str(referral.code)).last()
    assert (event.action, event.actor.email) == ("read", "worker@test.example")
    assert event.detail == {"person": str(objects["person"].code)}


def test_a_partner_of_another_service_is_refused_with_a_message(
    login, service, objects, foreign_partner
):
    client = login("worker")
    before = state(service, objects)
    response = client.post(
        url_for("referrals:create", objects),
        {"partner": str(foreign_partner.code), "kind": "referral", "purpose": "Bolig"},
    )
    assert response.status_code == 400
    assert "That partner belongs to another service" in response.content.decode()
    assert state(service, objects) == before
    assert not Referral.objects.filter(partner=foreign_partner).exists()


def test_skipping_to_completed_is_refused_on_the_page(login, service, objects):
    client = login("worker")
    before = state(service, objects)
    response = client.post(url_for("referrals:status", objects), {"to_status": "completed"})
    assert response.status_code == 400
    assert "cannot go from “Proposed” to “Completed”" in response.content.decode()
    assert state(service, objects) == before


def test_sending_without_consent_is_refused_on_the_page(login, worker, service, objects):
    services.change_status(worker, objects["referral"], "agreed")
    client = login("worker")
    before = state(service, objects)
    response = client.post(url_for("referrals:status", objects), {"to_status": "sent"})
    assert response.status_code == 400
    assert "consent to share before the referral is sent" in response.content.decode()
    assert state(service, objects) == before


def test_overdue_referrals_show_on_my_list(login, objects):
    Referral.objects.filter(pk=objects["referral"].pk).update(
        created_at=timezone.now() - datetime.timedelta(days=15)
    )
    page = login("worker").get(reverse("referrals:mine")).content.decode()
    overdue = page.split('id="overdue-heading"')[1].split("</section>")[0]
    assert "NAV Grünerløkka" in overdue
    assert "Overdue" in overdue
    assert "Follow-up check due" in page  # the transfer's check is due today


def test_my_referrals_query_count_does_not_grow(login, worker, person, partner, objects):
    client = login("worker")
    url = reverse("referrals:mine")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for number in range(10):
        services.create_referral(
            worker, services.ReferralData(person=person, partner=partner, purpose=f"nr {number}")
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_partner_list_query_count(login, django_assert_max_num_queries, service, objects):
    for number in range(10):
        Partner.objects.create(service=service, name=f"Partner {number}", partner_type="other")
    client = login("coordinator")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("referrals:partners")).status_code == 200


def test_outsider_sees_only_their_own_partners(login, objects, foreign_partner):
    page = login("outsider").get(reverse("referrals:partners")).content.decode()
    assert "Socialforvaltningen" in page
    assert "NAV Grünerløkka" not in page


def test_person_page_panels_keep_the_query_count(login, worker, person, partner, objects):
    from feltbok.notifications.legal import ensure_types

    ensure_types()
    client = login("worker")
    url = reverse("people:detail", kwargs={"code": person.code})
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert 'id="referrals-heading"' in page
    assert 'id="notifications-heading"' in page
    assert reverse("referrals:create", kwargs={"person_code": person.code}) in page
    from feltbok.notifications import services as notification_services
    from feltbok.notifications.models import NotificationType

    child_welfare = NotificationType.objects.get(country="NO", key="child_welfare")
    for number in range(8):
        services.create_referral(
            worker, services.ReferralData(person=person, partner=partner, purpose=f"nr {number}")
        )
        notification_services.record_concern(
            worker, notification_type=child_welfare, person=person, concern=f"nr {number}"
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_coordinator_sees_no_referral_panel(login, person, objects):
    page = login("coordinator").get(reverse("people:detail", kwargs={"code": person.code}))
    assert page.status_code == 200
    assert 'id="referrals-heading"' not in page.content.decode()
    assert 'id="notifications-heading"' not in page.content.decode()


def test_empty_directory_says_how_to_fill_it(login, person):
    page = login("worker").get(reverse("referrals:create", kwargs={"person_code": person.code}))
    assert "The partner directory is empty." in page.content.decode()
