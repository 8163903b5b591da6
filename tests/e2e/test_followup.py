"""A contact person follows a person up on a phone, with axe on every new page."""

import pytest

from feltbok.audit.models import AuditEvent
from feltbok.followup.models import Episode, Need, SessionAttendance, Task

from .conftest import PHONE, check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def check_page(page, name):
    """axe, and nothing wider than the phone: no sideways scrolling."""
    check_accessibility(page, name)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name


@pytest.fixture(autouse=True)
def english_pages(phone, live_server):
    """This test reads English page text (the default language is bokmål)."""
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def test_contact_person_runs_a_follow_up_on_a_phone(phone, users, service, person, actors, area):
    from feltbok.followup import services

    services.create_programme(actors["team_lead"], name="Ut av tåka")
    page = phone
    log_in(page, users["worker"])

    # The person page offers to start a follow-up.
    page.goto(f"/people/{person.code}/")
    assert "Not in follow-up." in page.inner_text("main")
    page.click(f"a[href='/followup/people/{person.code}/start/']")
    check_page(page, "start follow-up")
    # The worker is preselected; add the colleague as second contact person.
    assert page.is_checked(f"input[name=contact_persons][value='{users['worker'].code}']")
    page.check(f"input[name=contact_persons][value='{users['colleague'].code}']")
    screenshot(page, "followup-start")
    page.click("form button[type=submit]")
    page.wait_for_url("**/followup/*/")
    episode = Episode.objects.get()
    assert set(episode.assignments.values_list("user", flat=True)) == {
        users["worker"].pk,
        users["colleague"].pk,
    }
    check_page(page, "follow-up")

    # A need: a place to sleep tonight.
    page.select_option("#id_kind", "sleep_tonight")
    page.fill("#id_description", "Sover i trappeoppgang")
    page.click("form[action$='/needs/'] button[type=submit]")
    page.wait_for_selector(".need")
    need = Need.objects.get()
    assert (need.kind, need.status) == ("sleep_tonight", "open")

    # A goal in the person's own words.
    page.fill("#id_own_words", "Jeg vil ha et sted som er mitt")
    page.click("form[action$='/goals/'] button[type=submit]")
    page.wait_for_selector(".goal")
    assert "Jeg vil ha et sted som er mitt" in page.inner_text(".goal")
    check_page(page, "follow-up with a need and a goal")
    screenshot(page, "followup-episode")

    # A targeted outreach task: find him at the usual place and time.
    page.click(f"a[href='/followup/{episode.code}/tasks/new/?kind=outreach']")
    check_page(page, "new task")
    assert page.is_checked("input[name=kind][value=outreach]")
    page.fill("#id_title", "Finn Ravnen og fortell om plassen på Sleppet")
    page.fill("#id_due_on", "2030-01-01")
    page.fill("#id_usual_times", "Kveld etter 21, ved Oslo S")
    screenshot(page, "followup-task")
    page.click("form button[type=submit]")
    page.wait_for_url(f"**/followup/{episode.code}/")
    task = Task.objects.get()
    assert (task.kind, task.owner, task.usual_times) == (
        "outreach",
        users["worker"],
        "Kveld etter 21, ved Oslo S",
    )

    # The need is met: mark it.
    page.select_option(f"#need-status-{need.code}", "met")
    page.click(f"form[action='/followup/needs/{need.code}/status/'] button[type=submit]")
    page.wait_for_selector(".ds-alert")
    need.refresh_from_db()
    assert need.status == "met"
    assert list(need.changes.values_list("status", flat=True)) == ["open", "met"]
    assert "Met" in page.inner_text(".need")

    # My follow-ups lists the person and the open task.
    page.goto("/followup/")
    main = page.inner_text("main")
    assert "Ravnen" in main
    assert "Finn Ravnen og fortell om plassen på Sleppet" in main
    check_page(page, "my follow-ups")
    screenshot(page, "followup-mine")

    # Every step was audited: the writes and the reads of the follow-up page.
    types = set(
        AuditEvent.objects.filter(service=service, actor=users["worker"]).values_list(
            "object_type", "action"
        )
    )
    assert {
        ("episode", "create"),
        ("need", "create"),
        ("goal", "create"),
        ("task", "create"),
        ("need", "update"),
        ("episode", "read"),
    } <= types


def test_the_other_follow_up_pages_on_a_phone(phone, users, person, actors):
    import datetime

    from django.utils import timezone

    from feltbok.followup import services

    today = timezone.localdate()
    worker, lead = actors["worker"], actors["team_lead"]
    programme = services.create_programme(
        lead, name="Perspektiv", description="Likepersonsprosjekt"
    )
    episode = services.start_episode(
        worker,
        person,
        contact_persons=[users["worker"]],
        started_on=today - datetime.timedelta(days=120),
    )
    services.enrol(worker, programme, person, started_on=today - datetime.timedelta(days=20))
    services.edit_plan(worker, episode, text="Bolig først. Følge til NAV.", version=0)
    services.create_commission(
        worker,
        episode,
        requested_by="Saksbehandler Berg",
        organisation="Socialtjänsten Uppsala",
        what="Finne ut hvor han sover",
        due_on=today - datetime.timedelta(days=1),
    )
    page = phone
    log_in(page, users["worker"])
    for path, name in (
        (f"/followup/{episode.code}/plan/", "plan"),
        (f"/followup/{episode.code}/commissions/new/", "new commission"),
        (f"/followup/{episode.code}/end/", "end follow-up"),
        (f"/followup/people/{person.code}/declined/", "declined contact"),
        ("/followup/inactive/", "inactive follow-ups"),
        ("/followup/programmes/", "programmes"),
        (f"/followup/programmes/{programme.code}/", "programme"),
        (f"/people/{person.code}/", "person page with follow-up"),
    ):
        page.goto(path)
        check_page(page, name)
    assert "Ravnen" in page.inner_text("main")

    # Record a session of the programme: Ravnen came.
    page.goto(f"/followup/programmes/{programme.code}/")
    page.check("input[name=attended]")
    page.click("form:has(input[name=attended]) button[type=submit]")
    page.wait_for_selector(".ds-alert")
    assert "Attendance has been recorded." in page.inner_text(".ds-alert")
    assert list(SessionAttendance.objects.values_list("attended", flat=True)) == [True]
    check_page(page, "programme with a session")
    screenshot(page, "followup-programme")

    page.goto("/followup/inactive/")
    assert "Ravnen" in page.inner_text("main")
    screenshot(page, "followup-inactive")

    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "django_language", "value": "en", "url": page.url.split("/followup")[0]}]
    )
    log_in(page, users["team_lead"])
    page.goto("/followup/settings/")
    check_page(page, "follow-up settings")
    page.fill("#id_inactive_after_days", "180")
    page.click("form button[type=submit]")
    page.wait_for_selector(".ds-alert")
    page.goto("/followup/inactive/")
    assert "No inactive follow-ups." in page.inner_text("main")
