"""A data-subject access request on a phone: the team lead makes the access export of a
person from the person page, sees the password once, downloads the encrypted file and opens
it with that password. axe on every page."""

import datetime
import io

import pytest
import pyzipper
from pypdf import PdfReader

from feltbok.exports.models import ProtectedExport
from feltbok.people.models import AgeBand, AnonymityLevel, Gender
from feltbok.people.services import PersonData, create_person

from .conftest import PHONE, check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def check_page(page, name):
    check_accessibility(page, name)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name


@pytest.fixture(autouse=True)
def english_pages(phone, live_server):
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def test_the_team_lead_makes_an_access_export(phone, users, worker, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    person = create_person(
        worker,
        PersonData(
            anonymity_level=AnonymityLevel.IDENTIFIED,
            nickname="Måken",
            gender=Gender.FEMALE,
            age_band=AgeBand.FROM_18,
            full_name="Kari Nordmann",
            birth_date=datetime.date(1990, 5, 17),
        ),
    )
    page = phone
    log_in(page, users["team_lead"])

    page.goto(f"/people/{person.code}/")
    page.click("text=Access export (request from the person)")
    page.wait_for_url(f"**/subject-rights/people/{person.code}/access-export/")
    check_page(page, "access export form")

    # Without a proper reason: refused, nothing made.
    page.fill("#id_reason", "asked")
    page.click("form.stack button[type=submit]")
    assert "at least 10 characters" in page.inner_text("main")
    assert ProtectedExport.objects.count() == 0

    page.fill("#id_reason", "Letter from the person received 20 November")
    page.click("form.stack button[type=submit]")
    page.wait_for_selector("#export-password")
    password = page.inner_text("#export-password").strip()
    check_page(page, "export ready with the password")
    screenshot(page, "subject-access-export")

    with page.expect_download() as info:
        page.click("text=Download the encrypted file")
    content = open(info.value.path(), "rb").read()  # noqa: SIM115
    with pyzipper.AESZipFile(io.BytesIO(content)) as archive:
        archive.setpassword(password.encode())
        (pdf,) = [name for name in archive.namelist() if name.endswith(".pdf")]
        text = PdfReader(io.BytesIO(archive.read(pdf))).pages[0].extract_text()
    assert "Kari Nordmann" in text

    page.goto("/exports/")
    assert page.locator("tr.export").count() == 1
    assert password not in page.inner_text("main")
    check_page(page, "my exports")
