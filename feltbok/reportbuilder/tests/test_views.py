"""Report builder pages: the permission matrix, downloads, bad input and query counts.

Analysts and team leads build reports (200, or 302 after a change); workers, peer workers,
coordinators and administrators are refused (403); another service's report is a 404 (the
outsider leads a team elsewhere); anonymous visitors are sent to log in (302). A refused
request changes nothing.
"""

import io

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from conftest import log_in_as
from feltbok.audit.models import AuditAction, AuditEvent
from feltbok.core.tests.test_permissions import PERSONAS, expect
from feltbok.reportbuilder import services
from feltbok.reportbuilder.models import Report, ReportVersion, Section, checksum
from feltbok.reportbuilder.tests.conftest import FIGURE, WEEK, pdf_text
from feltbok.reports.tests.test_statistics import MONDAY

BUILDERS = {"analyst": 200, "team_lead": 200}
CHANGED = {"analyst": 302, "team_lead": 302}
LIST = expect(403, outsider=200, **BUILDERS)
OWN = expect(403, outsider=404, **BUILDERS)
OWN_POST = expect(403, outsider=404, **CHANGED)

MATRIX = {
    ("GET", "list"): LIST,
    ("GET", "create"): LIST,
    ("POST", "create"): expect(403, outsider=302, **CHANGED),
    ("GET", "detail"): OWN,
    ("GET", "edit"): OWN,
    ("POST", "edit"): OWN_POST,
    ("GET", "add_text"): OWN,
    ("POST", "add_text"): OWN_POST,
    ("GET", "add_figure"): OWN,
    ("POST", "add_figure"): OWN_POST,
    ("GET", "edit_section"): OWN,
    ("POST", "move_section"): OWN_POST,
    ("POST", "remove_section"): OWN_POST,
    ("POST", "publish"): OWN_POST,
    ("GET", "draft_pdf"): OWN,
    ("GET", "version_pdf"): OWN,
    ("GET", "version_xlsx"): OWN,
}
POSTS = {
    "create": {
        "title": "Winter",
        "audience": "administration",
        "language": "nb",
        "period_start": "2025-09-01",
        "period_end": "2025-09-21",
    },
    "edit": {
        "title": "Vaterland this autumn, revised",
        "audience": "political",
        "language": "en",
        "period_start": "2025-09-01",
        "period_end": "2025-09-21",
    },
    "add_text": {"heading": "Outlook", "body": "Calm."},
    "add_figure": {"measure": "contacts", "bucket": "week", "rows": "area", "chart": "bar"},
    "move_section": {"direction": "up"},
}


@pytest.fixture
def version(built, analyst):
    """A published version without rendering (the matrix only needs its bytes to be intact)."""
    pdf, xlsx = b"%PDF-1.7 frozen", b"PK frozen"
    return ReportVersion.objects.create(
        service=built.service,
        report=built,
        number=1,
        title=built.title,
        language="en",
        published_by=analyst.user,
        published_at=built.edited_at,
        pdf=pdf,
        pdf_sha256=checksum(pdf),
        xlsx=xlsx,
        xlsx_sha256=checksum(xlsx),
    )


def _url(name, report, version):
    section = report.sections.order_by("position").last()
    if name in ("list", "create"):
        return reverse(f"reportbuilder:{name}")
    if name.startswith("version_"):
        return reverse(f"reportbuilder:{name}", kwargs={"version": version.code})
    if name in ("edit_section", "move_section", "remove_section"):
        return reverse(
            f"reportbuilder:{name}", kwargs={"code": report.code, "section": section.code}
        )
    return reverse(f"reportbuilder:{name}", kwargs={"code": report.code})


def _state():
    return (
        Report.objects.count(),
        list(Report.objects.values_list("title", "edited_at")),
        list(Section.objects.values_list("pk", "position", "heading")),
        ReportVersion.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_permission_matrix(client, users, built, version, persona, method, name):
    log_in_as(client, users, persona, language="en")
    url = _url(name, built, version)
    before = _state()

    response = client.post(url, POSTS.get(name, {})) if method == "POST" else client.get(url)

    assert response.status_code == MATRIX[(method, name)][persona], url
    after = _state()
    if response.status_code in (302, 200) and persona not in ("anonymous",):
        if method == "POST":
            assert after != before  # the change landed, with its audit row
        elif name.startswith(("draft_", "version_")):
            assert after[:4] == before[:4]
            assert after[4] == before[4] + 1  # the download is in the audit log
            assert "no-store" in response["Cache-Control"]
        else:
            assert after == before
    else:
        assert after == before


def test_user_without_membership_is_refused(client, users, built):
    log_in_as(client, users, "no_membership")
    assert client.get(reverse("reportbuilder:list")).status_code == 403
    assert client.get(reverse("reportbuilder:detail", args=[built.code])).status_code == 403


def test_empty_title_is_refused_with_a_message(login, analyst):
    before = _state()
    data = POSTS["create"] | {"title": ""}
    response = login("analyst").post(reverse("reportbuilder:create"), data)
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert _state() == before


def test_period_end_before_start_is_refused(login, built):
    before = _state()
    data = POSTS["edit"] | {"period_end": "2025-08-01"}
    response = login("analyst").post(reverse("reportbuilder:edit", args=[built.code]), data)
    assert response.status_code == 400
    assert "The end date must be after the start date." in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"measure": "beds"}, "Select a valid choice. beds is not one of the available choices."),
        ({"rows": "shoe_size"}, "Select a valid choice."),
        ({"measure": "incidents", "rows": "area"}, "This measure is already split into its"),
        ({"start": "2025-09-10", "end": "2025-09-01"}, "The end date must be after the start"),
        ({"start": "2025-09-10"}, "Give both days of the figure&#x27;s own period, or neither."),
    ],
)
def test_a_bad_figure_is_refused_with_a_message(login, built, data, message):
    before = _state()
    response = login("analyst").post(
        reverse("reportbuilder:add_figure", args=[built.code]), POSTS["add_figure"] | data
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _state() == before


def test_draft_downloads_render_now_and_are_audited(login, built):
    client = login("analyst")
    response = client.get(reverse("reportbuilder:draft_xlsx", args=[built.code]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].endswith('-draft.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content))["Figure 1"]
    assert [c.value for c in sheet[6]] == ["Vaterland/Grønland", ":", 47, ":", 70]
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT).get()
    assert event.object_id == str(built.code)
    assert event.detail["version"] == "draft"
    assert event.detail["format"] == "xlsx"


def test_publish_then_download_the_frozen_version(login, built):
    client = login("team_lead")
    response = client.post(reverse("reportbuilder:publish", args=[built.code]))
    assert response.status_code == 302
    version = ReportVersion.objects.get()
    assert version.published_by.email == "team_lead@test.example"

    response = client.get(reverse("reportbuilder:version_pdf", args=[version.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert "Vaterland/Grønland : 47 : 70" in pdf_text(response.content)
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT).get()
    assert event.object_id == str(version.code)
    assert event.detail == {
        "report": str(built.code),
        "format": "pdf",
        "version": 1,
        "sha256": version.pdf_sha256,
    }
    page = client.get(reverse("reportbuilder:detail", args=[built.code])).content.decode()
    assert "Version 1 published" in page


def test_a_damaged_version_is_not_sent(login, version):
    # Bypass the frozen queryset on purpose, as damage on disk would.
    models.QuerySet.update(ReportVersion.objects.filter(pk=version.pk), pdf=b"tampered")
    response = login("analyst").get(reverse("reportbuilder:version_pdf", args=[version.code]))
    assert response.status_code == 409
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_editing_after_publishing_makes_a_draft(login, built, version):
    client = login("analyst")
    page = client.get(reverse("reportbuilder:detail", args=[built.code])).content.decode()
    assert "Version 1 published" in page
    client.post(reverse("reportbuilder:add_text", args=[built.code]), POSTS["add_text"])
    page = client.get(reverse("reportbuilder:detail", args=[built.code])).content.decode()
    assert "Draft: changed since the latest published version" in page


def _reports(analyst, n):
    for i in range(n):
        report = services.create_report(
            analyst,
            title=f"Report {i}",
            audience="administration",
            period_start=MONDAY,
            period_end=MONDAY + WEEK,
        )
        services.add_text_section(analyst, report, heading="A", body="B")
        services.add_text_section(analyst, report, heading="C", body="D")


def test_list_page_query_count_does_not_grow(login, analyst):
    client = login("analyst")
    url = reverse("reportbuilder:list")
    _reports(analyst, 1)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    assert response.status_code == 200
    _reports(analyst, 5)
    with CaptureQueriesContext(connection) as six:
        response = client.get(url)
    assert response.content.decode().count('class="row-item"') == 6
    assert len(six) == len(one)
    # One query for the reports themselves (with section count and latest version).
    report_queries = [q for q in six.captured_queries if "reportbuilder_report" in q["sql"]]
    assert len(report_queries) == 1


def test_detail_page_query_count_does_not_grow_with_sections(login, analyst, built):
    client = login("analyst")
    url = reverse("reportbuilder:detail", args=[built.code])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(5):
        services.add_text_section(analyst, built, heading=f"H{i}", body="x")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    assert not any(
        '"pdf"' in q["sql"] and "reportbuilder_reportversion" in q["sql"]
        for q in many.captured_queries
    ), "the version list never reads the files"


def test_reports_of_another_service_are_not_listed(login, built):
    body = login("outsider").get(reverse("reportbuilder:list")).content.decode()
    assert built.title not in body


def test_period_is_the_default_for_a_figure(built):
    figure = built.sections.get(kind="figure").figure
    assert figure == FIGURE | {"filters": {}, "compare": "", "start": None, "end": None}


def test_changing_a_figure_through_its_page(login, built, area):
    client = login("team_lead")
    figure = built.sections.get(kind="figure")
    url = reverse("reportbuilder:edit_section", args=[built.code, figure.code])
    page = client.get(url).content.decode()
    assert 'value="area" selected' in page  # the stored choices fill the form

    data = POSTS["add_figure"] | {"heading": "Vaterland only", "area": str(area.pk), "rows": ""}
    response = client.post(url, data)

    assert response.status_code == 302
    figure.refresh_from_db()
    assert figure.heading == "Vaterland only"
    assert figure.figure["filters"] == {"area": area.pk}
    assert figure.figure["rows"] == []
