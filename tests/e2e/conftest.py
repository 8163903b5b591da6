"""Browser tests: Playwright for Python driving Debian's Chromium on a phone-size screen.

Never `playwright install`: the browser is /usr/bin/chromium from Debian's packages.
"""

import json
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from conftest import PASSWORD, enrol_totp, totp_code

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized page that fails the test on any JavaScript error."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        base_url=live_server.url,
        locale="nb-NO",
    )
    # Two test workers and their live servers share two cores: a page may take longer than
    # Playwright's default 30 s to answer under that load, which is not what is being tested.
    context.set_default_timeout(60_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def log_in(page, user, secret=None):
    """The real log-in: e-mail and password, then the TOTP code."""
    secret = secret or enrol_totp(user)
    page.goto("/accounts/login/")
    page.fill("#id_login", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/2fa/authenticate/**")
    page.fill("input[name=code]", totp_code(secret))
    page.click("button[type=submit]")
    # Logged in only once the log-in pages are left behind (a slow machine shows this late).
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.wait_for_load_state()
    return secret


def check_accessibility(page, name):
    """Run axe-core (vendored) on the page; any WCAG 2.1 A/AA violation fails the test."""
    # A click on a link returns once the navigation has started: wait for the page itself.
    page.wait_for_load_state("load")
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    violations = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    assert violations == [], f"{name}: {json.dumps(violations, indent=1)}"


def screenshot(page, name):
    """Screenshots for the user guide (docs/user-guide.md)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=False)
