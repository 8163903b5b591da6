"""Schemathesis against /api/openapi.json: whatever a client sends, never a server error.

Generated from the published schema (the sync body included), sent through the real WSGI
application by a logged-in field worker with a valid CSRF token, so the requests reach the
handlers and not just the log-in check.
"""

import secrets

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from conftest import enrol_totp


@pytest.fixture
def session(users):
    enrol_totp(users["worker"])
    client = Client()
    client.force_login(users["worker"])
    token = secrets.token_hex(16)
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": token},
        "headers": {"X-CSRFToken": token, "Referer": "http://testserver/"},
    }


@pytest.fixture
def keep_the_test_connection():
    """The raw WSGI app closes old connections after each request, as a server must; in a
    test that would close the connection holding the test's transaction (as the Django test
    client also avoids)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_request_makes_a_server_error(session, patrol, keep_the_test_connection):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.path for operation in operations} >= {"/api/sync", "/api/lookup"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def no_server_error(case):
            response = case.call(cookies=session["cookies"], headers=session["headers"])
            case.validate_response(response, checks=[not_a_server_error])
            assert response.status_code < 500, (case.method, case.path, response.text[:300])

        no_server_error()
