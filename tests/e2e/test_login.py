"""First log-in: a new user must enrol a second factor before anything else."""

import pytest

from conftest import PASSWORD, enrol_totp, totp_code

from .conftest import check_accessibility, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_first_log_in_enrols_totp(phone, users):
    page = phone
    page.goto("/accounts/login/")
    page.fill("#id_login", users["worker"].email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    # Enrolment asks for the password once more (allauth's reauthentication).
    page.goto("/patrols/")
    page.wait_for_url("**/reauthenticate/**")
    check_accessibility(page, "reauthenticate")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/2fa/totp/activate/")
    check_accessibility(page, "activate TOTP")
    screenshot(page, "10-enrol-totp")
    secret = page.input_value("#authenticator_secret")
    page.fill("input[name=code]", totp_code(secret))
    page.click("form button[type=submit]")
    page.wait_for_load_state()

    assert users["worker"].authenticator_set.filter(type="totp").exists()
    response = page.goto("/patrols/")
    assert response.status == 200
    assert page.url.endswith("/patrols/")


def test_second_factor_page_is_accessible(phone, users):
    enrol_totp(users["worker"])
    page = phone
    page.goto("/accounts/login/")
    page.fill("#id_login", users["worker"].email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/2fa/authenticate/**")
    check_accessibility(page, "authenticate")


def test_wrong_password_shows_a_clear_message(phone, users):
    page = phone
    page.goto("/accounts/login/")
    page.fill("#id_login", users["worker"].email)
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    page.wait_for_selector("[role=alert]")
    check_accessibility(page, "login error")
