"""The public concern form: no log-in, headers, receipt, abuse protection, languages."""

import re

import pytest
from django.test import override_settings

from feltbok.audit.models import AuditEvent
from feltbok.oncall.models import Inquiry, InquiryEvent, OncallSettings

FORM = "/concern/uteseksjonen/"
RECEIPT = "/concern/uteseksjonen/received/"


def good(**overrides):
    data = {
        "signs": ["never_outside", "isolated"],
        "concern": "Naboen min har ikke vært ute på flere uker og virker forvirret.",
        "where": "Tøyen, blokka ved parken",
        "when": "Hjemme hele døgnet",
        "caller_type": "citizen",
        "reporter_name": "",
        "reporter_phone": "",
        "reporter_email": "",
        "website": "",
    }
    data.update(overrides)
    return data


def stored():
    return (Inquiry.objects.count(), InquiryEvent.objects.count(), AuditEvent.objects.count())


@pytest.fixture
def public(oncall_settings, client):
    """The form in English, so that messages can be read (the default is bokmål)."""
    client.cookies["django_language"] = "en"
    return oncall_settings


def test_the_form_opens_without_log_in(client, public):
    response = client.get(FORM)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="signs"' in html
    assert 'value="loud_music"' in html
    assert "913 03 913" in html
    assert "113" in html
    assert "112" in html


def test_headers_no_store_and_strict_csp(client, public):
    for url in (FORM, RECEIPT):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"]
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp


def test_no_third_party_or_inline_scripts(client, public):
    html = client.get(FORM).content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    for attributes in scripts:
        assert 'src="/static/' in attributes, attributes
    assert "http://" not in html.replace('xmlns="http://', "")
    assert "https://" not in html


def test_a_concern_lands_in_the_triage_queue_and_the_receipt_shows_nothing(client, public):
    response = client.post(FORM, good(reporter_phone="400 00 000"))
    assert response.status_code == 302
    assert response["Location"] == RECEIPT  # nothing of what was sent in the URL
    inquiry = Inquiry.objects.get()
    assert (inquiry.channel, inquiry.status, inquiry.signs) == (
        "public_form",
        "new",
        ["never_outside", "isolated"],
    )
    assert (inquiry.caller_type, inquiry.reporter_phone) == ("citizen", "400 00 000")
    receipt = client.get(RECEIPT)
    assert receipt.status_code == 200
    html = receipt.content.decode()
    for sent in ("Naboen", "Tøyen", "400 00 000", "never_outside"):
        assert sent not in html
    assert "113" in html
    assert "112" in html
    assert "no-store" in receipt["Cache-Control"]


def test_denmark_and_sweden_get_112(client, other_service):
    OncallSettings.objects.create(service=other_service, public_slug="det-opsogende-team")
    html = client.get("/concern/det-opsogende-team/").content.decode()
    assert 'href="tel:112"' in html
    assert 'href="tel:113"' not in html


def test_the_honeypot_gets_a_receipt_and_nothing_is_stored(client, public):
    before = stored()
    response = client.post(FORM, good(website="http://spam.example"))
    assert (response.status_code, response["Location"]) == (302, RECEIPT)
    assert stored() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"concern": "", "signs": []}, "Tell us in a few words"),
        ({"concern": "   "}, "Tell us in a few words"),
        ({"concern": "x" * 4001}, "too long"),
        ({"where": "x" * 301}, "too long"),
        ({"concern": "<script>document.cookie</script>"}, "looks like code"),
        ({"concern": '<a href="javascript:alert(1)">klikk</a>'}, "looks like code"),
        ({"when": "i kveld <iframe src=//evil>"}, "looks like code"),
        ({"concern": "PK\x03\x04\x14binary\x7f"}, "cannot be saved"),
        ({"where": "PK\x00\x00"}, "Null characters are not allowed"),
        ({"reporter_email": "ikke en adresse"}, "valid e-mail"),
        ({"signs": ["eats_children"]}, "valid choice"),
        ({"caller_type": "robot"}, "valid choice"),
    ],
)
def test_bad_input_gets_a_message_and_stores_nothing(client, public, data, message):
    before = stored()
    response = client.post(FORM, good(**data))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored() == before


def test_an_oversized_body_is_refused_politely_before_it_is_read(client, public):
    before = stored()
    response = client.post(FORM, good(concern="x" * 70_000))
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert stored() == before


def test_flooding_is_refused_politely(client, public):
    for _ in range(5):
        assert client.post(FORM, good()).status_code == 302
    before = stored()
    response = client.post(FORM, good())
    assert response.status_code == 429
    html = response.content.decode()
    assert "several reports from you" in html
    assert 'name="concern"' not in html  # no form to hammer on
    assert stored() == before
    # Another client is not affected.
    other = client.post(FORM, good(), REMOTE_ADDR="10.0.0.99")
    assert other.status_code == 302


@override_settings(FELTBOK_CONCERN_RATE_LIMIT=2, FELTBOK_CONCERN_RATE_WINDOW=60)
def test_bad_submissions_count_towards_the_limit(client, public):
    assert client.post(FORM, good(concern="")).status_code == 400
    assert client.post(FORM, good(concern="<script>")).status_code == 400
    assert client.post(FORM, good()).status_code == 429
    assert Inquiry.objects.count() == 0


def test_the_window_is_fixed(client, public, monkeypatch):
    from feltbok.oncall import public as public_views
    from feltbok.oncall.models import SubmissionWindow

    monkeypatch.setattr(public_views, "_now", lambda: 1_800_000_000.0)
    for _ in range(5):
        client.post(FORM, good())
    assert client.post(FORM, good()).status_code == 429
    monkeypatch.setattr(public_views, "_now", lambda: 1_800_000_000.0 + 600)  # the next window
    assert client.post(FORM, good()).status_code == 302
    # Past windows are gone; the count is in the database, shared by all workers.
    assert list(SubmissionWindow.objects.values_list("window_start", "count")) == [
        (1_800_000_600, 1)
    ]


def test_the_rate_limit_keeps_no_address(client, public):
    from feltbok.oncall.models import SubmissionWindow

    client.post(FORM, good(), REMOTE_ADDR="192.0.2.77")
    row = SubmissionWindow.objects.get()
    assert "192.0.2.77" not in row.client
    assert len(row.client) == 32
    assert row.count == 1


def test_unknown_or_closed_forms_are_404(client, public):
    assert client.get("/concern/nope/").status_code == 404
    assert client.post("/concern/nope/", good()).status_code == 404
    OncallSettings.objects.update(public_form_enabled=False)
    assert client.get(FORM).status_code == 404
    assert client.post(FORM, good()).status_code == 404
    assert Inquiry.objects.count() == 0


def test_the_index_lists_services_or_goes_to_the_only_one(client, public, other_service):
    response = client.get("/concern/")
    assert (response.status_code, response["Location"]) == (302, FORM)
    OncallSettings.objects.create(service=other_service, public_slug="det-opsogende-team")
    html = client.get("/concern/").content.decode()
    assert FORM in html
    assert "/concern/det-opsogende-team/" in html


@pytest.mark.parametrize("language", ["nb", "da", "sv", "en"])
def test_the_language_switch_works_without_log_in(client, public, language):
    response = client.post("/i18n/setlang/", {"language": language, "next": FORM})
    assert (response.status_code, response["Location"]) == (302, FORM)
    html = client.get(FORM).content.decode()
    assert f'<html lang="{language}"' in html


def test_staff_pages_stay_closed_to_the_public(client, public):
    response = client.get("/oncall/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_public_form_wrong_method(client, public):
    assert client.put(FORM).status_code == 405
    assert client.post(RECEIPT).status_code == 405
    assert client.post("/concern/").status_code == 405


def test_upcoming_exceptions_are_shown_on_the_form(client, public, service):
    import datetime

    from django.utils import timezone

    from feltbok.oncall.models import OpeningException

    soon = timezone.localdate() + datetime.timedelta(days=3)
    OpeningException.objects.create(service=service, kind="oncall", date=soon, note="Helligdag")
    html = client.get(FORM).content.decode()
    assert "Helligdag" in html


def test_the_public_pages_read_settings_once_and_see_a_change_at_once(
    client, public, service, actors, django_assert_num_queries
):
    """Settings and hours are kept for a while per process; a change clears them at once."""
    import datetime

    from django.utils import timezone

    from feltbok.oncall import services

    client.get(FORM)
    with django_assert_num_queries(0):
        assert client.get(FORM).status_code == 200
        assert client.get(RECEIPT).status_code == 200
    services.add_exception(
        actors["admin"],
        kind="oncall",
        date=timezone.localdate() + datetime.timedelta(days=2),
        note="Juleavslutning",
    )
    assert "Juleavslutning" in client.get(FORM).content.decode()


def test_the_empty_form_is_rendered_once_per_language_with_the_same_fields(client, public):
    english = client.get(FORM).content.decode()
    again = client.get(FORM).content.decode()
    client.cookies["django_language"] = "da"
    danish = client.get(FORM).content.decode()
    signs = re.compile(r'name="signs" value="(\w+)"')
    assert signs.findall(english) == signs.findall(again) == signs.findall(danish)
    assert len(signs.findall(english)) == 11
    assert "Tell us about your concern" in english
    assert "Tell us about your concern" not in danish
