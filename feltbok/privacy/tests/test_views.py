"""The pages: bad input refused with a message and nothing stored; query counts."""

import pytest
from django.urls import reverse

from feltbok.audit.models import AuditEvent
from feltbok.people.models import Person
from feltbok.privacy import services
from feltbok.privacy.models import REMOVED, Erasure, LegalHold, RetentionSettings
from feltbok.privacy.tests.conftest import identified


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("identity_months", "-3", "greater than or equal to 6"),
        ("note_months", "100000", "less than or equal to 240"),
        ("audit_years", "mange", "Enter a whole number"),
        ("closed_inquiry_months", "", "This field is required"),
    ],
)
def test_settings_refuse_bad_input(login, field, value, message):
    data = {"identity_months": 36, "note_months": 24, "closed_inquiry_months": 24}
    data["audit_years"] = 5
    data[field] = value

    response = login("admin").post(reverse("privacy:settings"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RetentionSettings.objects.exists()


def test_settings_page_shows_the_dry_run(login, actors):
    identified(actors["worker"])

    response = login("admin").get(reverse("privacy:settings"))

    assert response.status_code == 200
    assert b"person.identity" in response.content
    assert Person.objects.get().nickname == "Kråka"


def test_erase_from_the_page(login, actors):
    person = identified(actors["worker"])
    client = login("team_lead")
    url = reverse("privacy:erase", kwargs={"code": person.code})

    refused = client.post(url, {"erase-reason": "Personen ba om sletting i brev"})
    assert refused.status_code == 400
    assert "Confirm that the erasure cannot be undone." in refused.content.decode()
    assert not Erasure.objects.exists()

    done = client.post(
        url, {"erase-reason": "Personen ba om sletting i brev", "erase-confirm": "on"}
    )
    assert done.status_code == 302
    page = client.get(reverse("privacy:person", kwargs={"code": person.code}))
    assert "What was removed" in page.content.decode()
    assert Person.objects.get().description == REMOVED


def test_erase_under_hold_is_refused_on_the_page(login, actors):
    person = identified(actors["worker"])
    services.place_hold(actors["team_lead"], person, "Politisak 24-1234, vitneavhør")
    events = AuditEvent.objects.count()

    response = login("admin").post(
        reverse("privacy:erase", kwargs={"code": person.code}),
        {"erase-reason": "Personen ba om sletting i brev", "erase-confirm": "on"},
    )

    assert response.status_code == 400
    assert "under a legal hold and cannot be erased" in response.content.decode()
    assert Person.objects.get().nickname == "Kråka"
    assert not Erasure.objects.exists()
    # Only the read of the person page is logged.
    assert AuditEvent.objects.count() == events + 1


def test_hold_with_a_short_reason_is_refused(login, actors):
    person = identified(actors["worker"])

    response = login("team_lead").post(
        reverse("privacy:hold", kwargs={"code": person.code}), {"hold-reason": "kort"}
    )

    assert response.status_code == 400
    assert "at least 10 characters" in response.content.decode()
    assert not LegalHold.objects.exists()


def test_log_page_query_count_does_not_grow(login, actors, django_assert_max_num_queries):
    client = login("team_lead")
    for i in range(3):
        person = identified(actors["worker"], name=f"Person {i}")
        services.place_hold(actors["team_lead"], person, "Politisak 24-1234, vitneavhør")
    other = identified(actors["worker"], name="Per Hansen")
    services.erase_person(actors["team_lead"], other, "Personen ba om sletting i brev")
    client.get(reverse("privacy:log"))  # warm the session

    with django_assert_max_num_queries(12) as captured:
        response = client.get(reverse("privacy:log"))
    few = len(captured.captured_queries)

    for i in range(3, 8):
        person = identified(actors["worker"], name=f"Person {i}")
        services.place_hold(actors["team_lead"], person, "Politisak 24-1234, vitneavhør")
        services.erase_person(
            actors["team_lead"],
            identified(actors["worker"], name=f"Slett {i}"),
            "Personen ba om sletting i brev",
        )
    with django_assert_max_num_queries(few) as captured:
        response = client.get(reverse("privacy:log"))
    assert response.status_code == 200
    assert response.content.decode().count('class="row-item hold"') == 8
