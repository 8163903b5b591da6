"""Log-in: multi-factor for every role, lock-out after failures, session timeouts."""

import time

import pytest
from django.test import override_settings
from django.urls import reverse

from conftest import PASSWORD, enrol_totp, totp_code
from feltbok.accounts.models import Role


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_every_role_must_enrol_a_second_factor(client, users, role):
    client.force_login(users[role])

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_log_in_with_password_and_totp(client, users):
    secret = enrol_totp(users["worker"])

    response = client.post(
        reverse("account_login"), {"login": "worker@test.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not logged in yet: the second factor is still missing.
    assert client.get(reverse("fieldwork:patrols")).status_code == 302

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

    assert response.status_code == 302
    assert client.get(reverse("fieldwork:patrols")).status_code == 200


def test_wrong_totp_code_is_refused(client, users):
    enrol_totp(users["worker"])
    client.post(reverse("account_login"), {"login": "worker@test.example", "password": PASSWORD})

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})

    assert response.status_code == 200
    assert client.get(reverse("fieldwork:patrols")).status_code == 302


def test_second_factor_cannot_be_removed(client, users):
    enrol_totp(users["worker"])
    client.force_login(users["worker"])

    client.post(reverse("mfa_deactivate_totp"))

    assert users["worker"].authenticator_set.filter(type="totp").exists()


def test_totp_secret_is_stored_encrypted(users):
    secret = enrol_totp(users["worker"])
    stored = users["worker"].authenticator_set.get(type="totp").data["secret"]
    assert secret not in stored
    assert stored.startswith("dev1:")


@override_settings(DEMO=True)
def test_demo_users_are_exempt_only_in_the_demo(client, users):
    users["worker"].is_demo = True
    users["worker"].save(update_fields=["is_demo"])
    client.force_login(users["worker"])
    assert client.get(reverse("fieldwork:patrols")).status_code == 200

    # A non-demo user in the same demo still has to enrol.
    client.force_login(users["team_lead"])
    assert client.get(reverse("fieldwork:patrols"))["Location"] == reverse("mfa_activate_totp")


def test_demo_flag_alone_does_not_exempt(client, users):
    users["worker"].is_demo = True
    users["worker"].save(update_fields=["is_demo"])
    client.force_login(users["worker"])
    assert client.get(reverse("fieldwork:patrols"))["Location"] == reverse("mfa_activate_totp")


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lock_out_after_repeated_failures(client, users):
    enrol_totp(users["worker"])
    for _attempt in range(3):
        response = client.post(
            reverse("account_login"), {"login": "worker@test.example", "password": "wrong"}
        )
    assert response.status_code == 429
    assert "locked" in response.content.decode().lower() or "låst" in response.content.decode()

    # Even the right password is refused while locked.
    response = client.post(
        reverse("account_login"), {"login": "worker@test.example", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert client.get(reverse("fieldwork:patrols")).status_code == 302


def test_failed_log_in_shows_a_clear_message(client, users):
    response = client.post(
        reverse("account_login"), {"login": "worker@test.example", "password": "wrong"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def _logged_in(client, user):
    enrol_totp(user)
    client.force_login(user)
    assert client.get(reverse("fieldwork:patrols")).status_code == 200


def test_idle_timeout_logs_out(client, users):
    _logged_in(client, users["worker"])
    session = client.session
    session["feltbok_seen_at"] = time.time() - 61 * 60
    session.save()

    response = client.get(reverse("fieldwork:patrols"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("fieldwork:patrols")).status_code == 302


def test_absolute_timeout_logs_out_an_active_user(client, users):
    _logged_in(client, users["worker"])
    session = client.session
    session["feltbok_login_at"] = time.time() - 13 * 3600
    session["feltbok_seen_at"] = time.time()
    session.save()

    response = client.get(reverse("fieldwork:patrols"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_sign_up_is_closed(client, db):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert b'name="password1"' not in response.content
