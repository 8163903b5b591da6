"""Health check, error pages, headers, languages."""

import pytest
from django.test import Client, override_settings
from django.urls import path

from feltbok import urls as project_urls


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_unknown_page_is_a_friendly_404(login):
    response = login("worker").get("/no/such/page/")
    assert response.status_code == 404
    assert "Traceback" not in response.content.decode()
    assert response.templates[0].name == "404.html"


def test_foreign_uuid_is_404_not_an_error(login):
    response = login("worker").get("/people/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404


def test_malformed_uuid_is_404(login):
    assert login("worker").get("/people/not-a-uuid/").status_code == 404


def _crash(request):
    raise RuntimeError("Ravnen secret detail")


urlpatterns = [*project_urls.urlpatterns, path("crash/", _crash)]
handler500 = project_urls.handler500


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_server_error_shows_no_stack_trace(db):
    client = Client(raise_request_exception=False)
    response = client.get("/crash/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Traceback" not in page
    assert "Ravnen" not in page
    assert "RuntimeError" not in page


def test_security_headers(login):
    response = login("worker").get("/patrols/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("language", "text"),
    [("nb", "Patruljer"), ("da", "Patruljer"), ("sv", "Patruller"), ("en", "Patrols")],
)
def test_pages_speak_the_chosen_language(login, language, text):
    client = login("worker")
    client.post("/i18n/setlang/", {"language": language, "next": "/patrols/"})
    response = client.get("/patrols/")
    assert f'lang="{language}"' in response.content.decode()
    assert f'<h1 class="ds-heading" data-size="lg">{text}</h1>' in response.content.decode()


def test_norwegian_is_the_default(login):
    response = login("worker", language=None).get("/patrols/")
    assert 'lang="nb"' in response.content.decode()
