"""An error with a person's name in the request leaves no trace of the name in the logs."""

import io
import json
import logging

import pytest
from django.conf import settings
from django.test import Client

from feltbok.core.logging import JsonFormatter
from feltbok.people import selectors

NAME = "Kari Nordkvinne"


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_the_configured_formatter_is_the_json_one():
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "json"
    assert settings.LOGGING["formatters"]["json"]["()"] == "feltbok.core.logging.JsonFormatter"


def test_a_server_error_logs_no_name_from_the_query_the_body_or_the_exception(
    users, monkeypatch, log_lines
):
    from conftest import enrol_totp

    def broken_search(actor, query, limit=20):
        # A fault deep down whose message quotes the input, as database errors do.
        raise ValueError(f"no index entry for {query!r}")

    monkeypatch.setattr(selectors, "search_persons", broken_search)
    enrol_totp(users["worker"])
    client = Client(raise_request_exception=False)
    client.force_login(users["worker"])

    response = client.get("/people/", {"q": NAME})

    assert response.status_code == 500
    assert NAME not in response.content.decode()
    output = log_lines.getvalue()
    assert NAME not in output
    assert "Kari" not in output
    [error] = [json.loads(line) for line in output.splitlines() if '"ERROR"' in line]
    assert error["path"] == "/people/"
    assert error["status"] == 500
    assert error["error"]["type"] == "builtins.ValueError"
    assert any("broken_search" in frame for frame in error["error"]["frames"])
