"""Download only by the requester before expiry, audited, never cached; the permission matrix."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import log_in_as
from feltbok.audit.models import AuditAction, AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.exports import services

MATRIX = {
    # Everyone with a membership has a list (their own, maybe empty).
    "exports:mine": expect(200),
    # Only the requester (the team lead) downloads; anyone else gets 404, confirming nothing.
    "exports:download": expect(404, team_lead=200),
    # Key rotation progress: administrators only.
    "exports:keys": expect(403, admin=200, outsider=403),
}


@pytest.fixture
def export(actors, persons):
    return services.create_protected_export(
        actors["team_lead"],
        kind="test",
        title="Test export",
        files={"a.csv": b"nickname\nKraka\n"},
        person_ids=[p.pk for p in persons],
    ).export


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", list(MATRIX))
def test_permission_matrix(client, users, export, persona, name):
    log_in_as(client, users, persona)
    url = (
        reverse(name, kwargs={"code": export.code}) if name == "exports:download" else reverse(name)
    )
    events = AuditEvent.objects.count()

    response = client.get(url)

    assert response.status_code == MATRIX[name][persona]
    if name == "exports:download" and response.status_code != 200:
        assert AuditEvent.objects.count() == events  # a refused download is not a read
        assert services.file_path(export).exists()


def test_download_is_audited_and_not_cached(login, export):
    client = login("team_lead")

    response = client.get(reverse("exports:download", kwargs={"code": export.code}))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    assert response["Content-Type"] == "application/zip"
    assert b"".join(response.streaming_content) == services.file_path(export).read_bytes()
    event = AuditEvent.objects.filter(action=AuditAction.READ, object_id=str(export.code)).get()
    assert event.detail == {"download": True, "kind": "test"}


def test_an_expired_export_is_gone(login, export):
    type(export).objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    client = login("team_lead")

    response = client.get(reverse("exports:download", kwargs={"code": export.code}))

    assert response.status_code == 410
    assert "no longer available" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.READ).exists()


def test_my_exports_in_constant_queries(login, actors, persons, django_assert_max_num_queries):
    for n in range(5):
        services.create_protected_export(
            actors["team_lead"], kind="test", title=f"Export {n}", files={}, person_ids=[]
        )
    client = login("team_lead")
    with django_assert_max_num_queries(12):
        page = client.get(reverse("exports:mine")).content.decode()
    assert page.count('class="export"') == 5
    assert "Cache-Control" in client.get(reverse("exports:mine")).headers


def test_the_key_page_shows_the_rotation_progress(login):
    from feltbok.exports.models import KeyRotationRun, RotationStatus

    KeyRotationRun.objects.create(
        status=RotationStatus.RUNNING,
        active_key="k2",
        progress={"Persons": {"rows": 40, "values": 95, "last_pk": 40}},
    )

    page = login("admin").get(reverse("exports:keys")).content.decode()

    assert "Persons: 40 rows, 95 values" in page
    assert "Running (k2)" in page
