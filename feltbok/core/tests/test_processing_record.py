"""The record of processing activities (GDPR Art. 30) follows the service's configuration."""

import datetime

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from feltbok.oncall.models import OncallSettings
from feltbok.organisation.models import Service
from feltbok.referrals.models import Partner, PartnerType

SECTIONS = [
    "# Record of processing activities: Uteseksjonen (test)",
    "## 1. Controller",
    "## 2. Purposes of the processing",
    "## 3. Categories of data subjects",
    "## 4. Categories of personal data",
    "## 5. Recipients",
    "## 6. Transfers to third countries",
    "## 7. Retention periods",
    "## 8. Technical and organisational security measures",
]


def record(service_name="Uteseksjonen (test)", **options):
    from io import StringIO

    out = StringIO()
    call_command("processing_record", service=service_name, language="en", stdout=out, **options)
    return out.getvalue()


def row(text, first_cell):
    """The table row that starts with this cell."""
    return next(line for line in text.splitlines() if line.startswith(f"| {first_cell} |"))


def test_the_record_has_every_section_of_article_30(users, person):
    text = record()

    positions = [text.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)
    assert "Test Administrator <admin@test.example>" in text
    assert "Teams: Sentrum" in text
    # Identity fields found in the models, encrypted at rest.
    for name in ("person: full_name", "person: birth_date", "person: national_id"):
        assert f"- {name}" in text
    assert "Special categories (Article 9): health, including substance use" in text
    # The person recorded by the fixture counts as a record of outreach work.
    assert row(text, "Outreach contact work").endswith("| 1 |")
    assert row(text, "Referrals to partners").endswith("| none yet |")
    # Norway's mandatory notifications (data migration) name their recipient and basis.
    assert "mandatory notification: Bekymringsmelding til barneverntjenesten" in text
    assert "None: Feltbok runs on the service's own servers" in text
    assert row(text, "Reporters' contact details") == (
        "| Reporters' contact details | 30 days | default (not changed by the service) |"
    )


def test_the_record_reflects_changed_settings(users, service):
    OncallSettings.objects.create(
        service=service, public_slug="ute-test", reporter_retention_days=14
    )
    Partner.objects.create(service=service, name="Rusakuten", partner_type=PartnerType.ADDICTION)
    Partner.objects.create(service=service, name="Legevakten", partner_type=PartnerType.GP)
    Partner.objects.create(
        service=service, name="Gamle", partner_type=PartnerType.GP, is_active=False
    )
    service.map_tile_url = "https://tiles.example.no/{z}/{x}/{y}.png"
    service.exact_location_enabled = True
    service.save()
    if apps.is_installed("feltbok.privacy"):
        from feltbok.privacy.models import RetentionSettings

        RetentionSettings.objects.create(service=service, identity_months=18)

    text = record()

    assert row(text, "Reporters' contact details") == (
        "| Reporters' contact details | 14 days | service setting |"
    )
    assert row(text, "Addiction services (TSB)").endswith("| 1 partner in the directory |")
    # Only partners in use are recipients.
    assert row(text, "GP / emergency clinic").endswith("| 1 partner in the directory |")
    assert "tiles.example.no" in row(text, "tiles.example.no")
    assert "- The map tile server (tiles.example.no) receives the IP addresses" in text
    assert "None: Feltbok runs" not in text
    assert "- Exact locations are stored (service setting)." in text
    if apps.is_installed("feltbok.privacy"):
        assert row(text, "Identity of persons without contact") == (
            "| Identity of persons without contact | 18 months | service setting |"
        )


def test_the_record_is_written_to_a_file(users, tmp_path, capsys):
    target = tmp_path / "record.md"

    call_command(
        "processing_record", service="uteseksjonen (test)", output=str(target), language="en"
    )

    assert target.read_text(encoding="utf-8").startswith(SECTIONS[0])
    assert str(target) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"service": "Nowhere"}, "No service named 'Nowhere'"),
        ({}, "Name the service with --service"),
        ({"service": "Uteseksjonen (test)", "output": "/nonexistent/dir/r.md"}, "does not exist"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(users, tmp_path, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("processing_record", **options)
    assert not list(tmp_path.iterdir())


def test_a_service_is_needed_first(db):
    assert not Service.objects.exists()
    with pytest.raises(CommandError, match="create_service"):
        call_command("processing_record")


def test_the_generation_date_is_in_the_record(service):
    from feltbok.core.processing_record import render_record

    text = render_record(service, "en", today=datetime.date(2026, 11, 23))

    assert "Generated on 2026-11-23 by `manage.py processing_record`" in text
    assert "Administrators in Feltbok: none" in text
