"""Count pages: recording, bulk entry of paper forms, the result, exports, audit, query counts."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feltbok.audit.models import AuditEvent
from feltbok.counts import services
from feltbok.counts.models import CampaignStatus, Merge, Observation
from feltbok.counts.tests.conftest import anonymous

DAY = datetime.timedelta(days=1)


def url(name, campaign):
    return reverse(name, kwargs={"code": campaign.code})


def row(prefix, today, **values):
    data = {
        "observed_on": today.isoformat(),
        "category": "no_place",
        "gender": "male",
        "initials": "AB",
        "birth_year": "1961",
        "age_band": "",
        "comorbidity": "both",
        "duration": "gt2y",
        "children": "",
    }
    data.update(values)
    return {f"{prefix}-{key}": value for key, value in data.items()}


def test_observation_form_records_and_merges(login, campaign, today):
    client = login("worker")
    data = {
        "observed_on": today.isoformat(),
        "source": "patrol",
        "category": "no_place",
        "gender": "female",
        "initials": "m.s.",
        "birth_year": "1975",
        "age_band": "unknown",
        "comorbidity": "both",
        "duration": "1-2y",
        "children": "0",
    }
    response = client.post(url("counts:observe", campaign), data)
    assert response.status_code == 302
    response = client.post(
        url("counts:observe", campaign),
        {**data, "source": "shelter", "initials": "MS"},
        follow=True,
    )
    assert "already counted" in response.content.decode()
    first, second = Observation.objects.order_by("pk")
    assert second.merged_into == first
    assert first.age_band == "50-65"  # from the birth year


def test_observation_form_refuses_bad_input(login, campaign, today):
    client = login("worker")
    response = client.post(
        url("counts:observe", campaign),
        {
            "observed_on": (campaign.starts_on - DAY).isoformat(),
            "source": "patrol",
            "category": "no_place",
            "gender": "male",
            "initials": "AB",
            "birth_year": "1970",
            "age_band": "unknown",
            "comorbidity": "unknown",
            "duration": "unknown",
            "children": "0",
        },
    )
    assert response.status_code == 400
    assert "The date is outside the count" in response.content.decode()
    response = client.post(
        url("counts:observe", campaign),
        {"observed_on": today.isoformat(), "source": "patrol", "category": "castle"},
    )
    assert response.status_code == 400
    assert not Observation.objects.exists()


def test_known_person_is_counted_without_a_key(login, campaign, person, today):
    client = login("worker")
    page = client.get(url("counts:observe", campaign) + "?q=Rav")
    assert f"?person={person.code}" in page.content.decode()
    response = client.post(
        url("counts:observe", campaign) + f"?person={person.code}",
        {
            "person": str(person.code),
            "observed_on": today.isoformat(),
            "source": "patrol",
            "category": "friends",
            "gender": "male",
            "age_band": "18-24",
            "comorbidity": "none",
            "duration": "lt3m",
            "children": "0",
        },
    )
    assert response.status_code == 302
    observation = Observation.objects.get()
    assert (observation.person, observation.dedup_hash) == (person, "")


def test_bulk_entry_saves_good_lines_and_keeps_bad_ones(login, campaign, today):
    client = login("peer_worker")
    data = {"form-TOTAL_FORMS": "10", "form-INITIAL_FORMS": "0", "source": "shelter"}
    data["source_name"] = "Natthjemmet"
    data.update(row("form-0", today))
    data.update(
        row("form-1", today, observed_on=(campaign.starts_on - DAY).isoformat(), initials="CD")
    )
    data.update(row("form-2", today, initials="", gender="female"))
    data.update(row("form-3", today, initials="EF", category="palace"))
    data.update(row("form-4", today, initials="GH", gender="female", category="crisis_centre"))
    # Lines 6–10 empty but for the date the form fills in.
    for index in range(5, 10):
        data[f"form-{index}-observed_on"] = today.isoformat()

    response = client.post(url("counts:bulk", campaign), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "2 observations saved" in page
    assert "3 lines were not saved" in page
    assert "outside the count" in page
    assert "Select a valid choice" in page
    # The refused lines are shown again, with what was typed; the saved ones are not.
    assert 'value="CD"' in page
    assert 'value="EF"' in page
    assert 'value="AB"' not in page
    assert 'value="GH"' not in page
    saved = Observation.objects.order_by("pk")
    assert [(o.gender, o.category.code, o.source_name) for o in saved] == [
        ("male", "no_place", "Natthjemmet"),
        ("female", "crisis_centre", "Natthjemmet"),
    ]
    assert AuditEvent.objects.filter(object_type="observation", action="create").count() == 2


def test_bulk_entry_all_good_goes_back_to_the_campaign(login, campaign, today):
    client = login("worker")
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0", "source": "patrol"}
    data.update(row("form-0", today))
    data.update(row("form-1", today, initials="ab"))  # the same person again: merged
    response = client.post(url("counts:bulk", campaign), data)
    assert response.status_code == 302
    assert Observation.objects.count() == 2
    assert Merge.objects.count() == 1


def test_bulk_entry_on_a_closed_count_stores_nothing(login, actors, campaign, today):
    services.close_campaign(actors["team_lead"], campaign)
    client = login("worker")
    data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "source": "patrol"}
    data.update(row("form-0", today))
    response = client.post(url("counts:bulk", campaign), data)
    assert response.status_code == 400
    assert "not open" in response.content.decode()
    assert not Observation.objects.exists()


def test_paper_form_has_ten_lines_a_page(login, campaign):
    page = login("worker").get(url("counts:paper", campaign) + "?pages=3")
    html = page.content.decode()
    assert html.count('class="sheet"') == 3
    assert html.count('<tr><th scope="row">') == 30
    assert "No place to stay for the night" in html
    assert "counts/paper.css" in html


def test_team_lead_closes_the_count(login, campaign):
    client = login("team_lead")
    response = client.post(url("counts:status", campaign), {"action": "close"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED


def test_campaign_page_read_is_audited(login, campaign, today, actors):
    services.record_observation(actors["worker"], campaign, anonymous(today))
    login("worker").get(url("counts:campaign", campaign))
    event = AuditEvent.objects.filter(action="read", object_type="campaign").get()
    assert event.detail == {"observations": 1}


def _record(actors, campaign, today, n):
    for i in range(n):
        initials = chr(65 + i % 26) + chr(65 + i // 26)
        services.record_observation(actors["worker"], campaign, anonymous(today, initials=initials))


@pytest.mark.parametrize("name", ["counts:result", "counts:campaign", "counts:campaigns"])
def test_pages_take_the_same_number_of_queries_for_3_or_30_observations(
    login, actors, campaign, today, name
):
    client = login("team_lead")
    target = reverse(name) if name == "counts:campaigns" else url(name, campaign)
    _record(actors, campaign, today, 3)
    client.get(target)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(target).status_code == 200
    _record(actors, campaign, today, 27)
    with CaptureQueriesContext(connection) as many:
        assert client.get(target).status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 20


def test_result_page_shows_the_exact_figures(login, actors, campaign, today):
    _record(actors, campaign, today, 6)
    services.record_observation(actors["worker"], campaign, anonymous(today, initials="AA"))
    html = login("team_lead").get(url("counts:result", campaign)).content.decode()
    assert '<dd class="total">6</dd>' in html
    assert "Duplicates merged" in html


def test_csv_export_full_and_suppressed(login, actors, campaign, today):
    _record(actors, campaign, today, 6)
    full = login("team_lead").get(url("counts:export", campaign))
    assert full["Content-Type"].startswith("text/csv")
    text = full.content.decode("utf-8-sig")
    assert "Total,,6," in text
    assert "Male,6,100" in text
    assert AuditEvent.objects.filter(action="export", object_type="count_result").count() == 1
    suppressed = login("analyst").get(url("counts:export", campaign)).content.decode("utf-8-sig")
    assert "Total,,6," in suppressed
    assert "Women,,0," in suppressed


def test_xlsx_export(login, actors, campaign, today):
    openpyxl = pytest.importorskip("openpyxl")
    _record(actors, campaign, today, 2)
    response = login("admin").get(url("counts:export", campaign) + "?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][:3] == ["Total", None, 2]


def test_duplicates_page_and_unmerge(login, actors, campaign, today):
    services.record_observation(actors["worker"], campaign, anonymous(today))
    services.record_observation(actors["worker"], campaign, anonymous(today, source="partner"))
    client = login("team_lead")
    html = client.get(url("counts:duplicates", campaign)).content.decode()
    assert "Same initials, birth year and gender" in html
    merge = Merge.objects.get()
    response = client.post(reverse("counts:unmerge", kwargs={"code": merge.code}))
    assert response.status_code == 302
    assert Observation.objects.filter(merged_into__isnull=True).count() == 2


def test_merge_by_hand_from_the_duplicates_page(login, actors, campaign, today):
    first = services.record_observation(actors["worker"], campaign, anonymous(today))
    typo = services.record_observation(actors["worker"], campaign, anonymous(today, initials="KM"))
    client = login("team_lead")
    assert "Merge by hand" in client.get(url("counts:duplicates", campaign)).content.decode()
    same = client.post(url("counts:merge", campaign), {"keep": first.code, "merge": first.code})
    assert same.status_code == 400
    assert "Choose two different observations" in same.content.decode()
    assert not Merge.objects.exists()
    response = client.post(url("counts:merge", campaign), {"keep": first.code, "merge": typo.code})
    assert response.status_code == 302
    typo.refresh_from_db()
    assert typo.merged_into == first
