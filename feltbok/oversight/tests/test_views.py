"""The reason page in front of the person page, the review pages, export and report."""

import datetime

import pyzipper
from django.urls import reverse
from django.utils import timezone

from feltbok.audit.models import AuditAction, AuditEvent
from feltbok.audit.services import log_action
from feltbok.oversight.models import EmergencyAccess

from .conftest import make_person

REASON = "Politiet ringte om ham i natt, han er savnet"


def person_url(person):
    return reverse("people:detail", kwargs={"code": person.code})


def emergency_url(person):
    return reverse("oversight:emergency", kwargs={"code": person.code})


def test_a_person_outside_the_scope_asks_for_a_reason_first(login, dormant):
    client = login("worker")

    response = client.get(person_url(dormant))

    assert response.status_code == 302
    assert response["Location"] == emergency_url(dormant)
    page = client.get(emergency_url(dormant)).content.decode()
    assert "outside your normal scope" in page
    assert "12 hours" in page
    # The record itself is not read: no audit row on the person.
    assert not AuditEvent.objects.filter(object_id=str(dormant.code)).exists()


def test_a_reason_opens_the_record_and_it_expires(login, dormant):
    client = login("worker")

    response = client.post(
        emergency_url(dormant), {"reason_kind": "life_health", "reason_text": REASON}
    )

    assert response.status_code == 302
    assert response["Location"] == person_url(dormant)
    page = client.get(person_url(dormant), follow=True)
    assert page.status_code == 200
    assert "Emergency access until" in page.content.decode()
    grant = EmergencyAccess.objects.get()
    assert grant.reason_text == REASON
    reads = AuditEvent.objects.filter(object_id=str(dormant.code), action=AuditAction.READ)
    assert [bool(e.detail.get("emergency")) for e in reads.order_by("seq")] == [True, False]

    # Twelve hours later (the grant moved back, the session stays valid): the gate is back.
    EmergencyAccess.objects.filter(pk=grant.pk).update(
        granted_at=grant.granted_at - datetime.timedelta(hours=12),
        expires_at=grant.expires_at - datetime.timedelta(hours=12),
    )
    assert client.get(person_url(dormant))["Location"] == emergency_url(dormant)


def test_bad_reasons_get_a_message_and_store_nothing(login, dormant):
    client = login("worker")
    before = AuditEvent.objects.count()
    for data in (
        {},
        {"reason_kind": "inquiry", "reason_text": ""},
        {"reason_kind": "inquiry", "reason_text": "fordi"},
        {"reason_kind": "nosy", "reason_text": REASON},
    ):
        response = client.post(emergency_url(dormant), data)
        assert response.status_code == 400
        assert "Nothing was saved" in response.content.decode()
    assert EmergencyAccess.objects.count() == 0
    assert AuditEvent.objects.count() == before
    assert client.get(person_url(dormant)).status_code == 302


def test_in_scope_persons_open_directly(login, person):
    client = login("worker")
    assert client.get(person_url(person)).status_code == 200
    assert client.get(emergency_url(person))["Location"] == person_url(person)


def test_the_team_lead_sees_the_emergency_access_in_the_list(login, actors, dormant):
    from feltbok.oversight.services import grant_emergency_access

    grant_emergency_access(actors["worker"], dormant, reason_kind="inquiry", reason_text=REASON)
    page = login("team_lead").get(reverse("oversight:emergency_list")).content.decode()
    assert "Svalen" in page
    assert REASON in page
    assert "Test Outreach worker" in page
    mine = login("worker").get(reverse("oversight:mine")).content.decode()
    assert REASON in mine
    assert AuditEvent.objects.filter(object_type="emergency_access").count() == 2


def _reads(actors, persons, at, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at)
    for person in persons:
        log_action(actors["coordinator"], AuditAction.READ, person)
    monkeypatch.undo()


def test_the_review_page_in_constant_queries(
    login, actors, service, users, monkeypatch, django_assert_max_num_queries
):
    client = login("team_lead")
    at = timezone.now() - datetime.timedelta(hours=2)
    url = reverse("oversight:review")
    _reads(
        actors,
        [make_person(service, users["colleague"], f"A{i}") for i in range(3)],
        at,
        monkeypatch,
    )
    client.get(url)
    with django_assert_max_num_queries(30) as first:
        page = client.get(url).content.decode()
    assert page.count('class="finding finding-unexplained"') == 3

    _reads(
        actors,
        [make_person(service, users["colleague"], f"B{i}") for i in range(20)],
        at,
        monkeypatch,
    )
    for name in ("worker", "colleague"):
        monkeypatch.setattr(timezone, "now", lambda: at)
        log_action(actors[name], AuditAction.READ, make_person(service, users["admin"], name))
        monkeypatch.undo()
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count('class="finding finding-unexplained"') == 25


def test_review_filters_and_bad_filters(login, actors, dormant, monkeypatch):
    client = login("team_lead")
    at = timezone.now() - datetime.timedelta(hours=2)
    _reads(actors, [dormant], at, monkeypatch)
    today = timezone.localdate()
    ok = client.get(
        reverse("oversight:review"),
        {"since": today.isoformat(), "until": today.isoformat(), "kind": "emergency"},
    )
    assert ok.status_code == 200
    assert "finding-unexplained" not in ok.content.decode()
    bad = client.get(
        reverse("oversight:review"),
        {"since": today.isoformat(), "until": (today - datetime.timedelta(days=3)).isoformat()},
    )
    assert bad.status_code == 400
    assert "The end date is before the start date." in bad.content.decode()
    assert client.get(reverse("oversight:review"), {"since": "x", "until": "y"}).status_code == 400


def test_the_csv_export_is_a_protected_export(
    login, actors, dormant, monkeypatch, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    client = login("team_lead")
    at = timezone.now() - datetime.timedelta(hours=2)
    _reads(actors, [dormant], at, monkeypatch)

    asked = client.get(reverse("oversight:review_export"))
    assert asked.status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    response = client.post(reverse("oversight:review_export"))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    password = response.context["password"]
    export = response.context["export"]
    assert list(export.persons.all()) == [dormant]
    with pyzipper.AESZipFile(tmp_path / "exports" / export.file_name) as archive:
        archive.setpassword(password.encode())
        (name,) = archive.namelist()
        lines = archive.read(name).decode("utf-8-sig").strip().splitlines()
    assert lines[0] == "Time,Kind,Staff member,Person,Person code,Count,Detail"
    assert len(lines) == 2
    assert f"unexplained,Test Coordinator,Svalen,{dormant.code},1," in lines[1]
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.object_type == "protectedexport"
    assert event.detail["kind"] == "access_review"
    assert event.detail["rows"] == 1
    assert event.detail["persons"] == 1


def test_the_monthly_report(login, actors, dormant, monkeypatch):
    client = login("team_lead")
    at = timezone.now() - datetime.timedelta(minutes=5)
    _reads(actors, [dormant], at, monkeypatch)

    page = client.get(reverse("oversight:monthly")).content.decode()

    assert "Test Coordinator" in page
    assert 'class="finding finding-unexplained"' in page
    assert client.get(reverse("oversight:monthly"), {"month": "2026-13"}).status_code == 400
    assert AuditEvent.objects.filter(object_type="access_report").count() == 1
