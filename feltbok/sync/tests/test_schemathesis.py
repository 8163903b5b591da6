"""Schemathesis against /api/openapi.json: whatever a client sends, never a server error.

Generated from the published schema (the sync body included), sent through the real WSGI
application by a logged-in field worker with a valid CSRF token, so the requests reach the
handlers and not just the log-in check.
"""

import secrets

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
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


def test_no_request_makes_a_server_error(session, patrol):
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
