"""Follow-up pages: what each role sees, refused input through the forms, audit, query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feltbok.audit.models import AuditEvent
from feltbok.followup import services
from feltbok.followup.models import ContactAssignment, Episode, Need, PlanVersion, Task
from feltbok.people.models import AgeBand, AnonymityLevel, Gender
from feltbok.people.services import PersonData, create_person

DAY = datetime.timedelta(days=1)


def _person(actor, nickname):
    return create_person(
        actor,
        PersonData(
            anonymity_level=AnonymityLevel.NICKNAME,
            nickname=nickname,
            gender=Gender.MALE,
            age_band=AgeBand.FROM_23,
        ),
    )


def queries(client, url):
    """Queries of a page, after a first request has warmed up the session and caches."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _fill(actors, users, episode, place, today, n):
    worker = actors["worker"]
    for i in range(n):
        need = services.add_need(worker, episode, kind="housing", description=f"Behov {i}")
        services.change_need_status(worker, need, status="in_progress")
        services.add_goal(worker, episode, own_words=f"Mål {i}")
        services.add_note(worker, episode, text=f"Notat {i}")
        services.create_task(
            worker,
            episode,
            services.TaskData(
                kind="outreach",
                title=f"Finn ham {i}",
                due_on=today - DAY,
                owner=users["worker"],
                places=(place,),
            ),
        )
        services.create_commission(
            worker, episode, requested_by="A", organisation="B", what=f"C{i}", due_on=today
        )
        services.edit_plan(worker, episode, text=f"Plan {i}", version=i)


def test_episode_page_queries_do_not_grow(login, actors, users, episode, place, today):
    client = login("worker")
    url = reverse("followup:episode", kwargs={"code": episode.code})
    _fill(actors, users, episode, place, today, 1)
    one = queries(client, url)
    _fill(actors, users, episode, place, today, 0)
    episode.refresh_from_db()
    worker = actors["worker"]
    for i in range(6):
        need = services.add_need(worker, episode, kind="food")
        services.change_need_status(worker, need, status="met")
        services.add_note(worker, episode, text=f"n{i}")
        services.add_goal(worker, episode, own_words=f"g{i}")
        services.create_task(
            worker,
            episode,
            services.TaskData(
                kind="outreach", title="t", due_on=today, owner=users["worker"], places=(place,)
            ),
        )
    assert queries(client, url) == one


def test_my_followups_queries_do_not_grow(login, actors, users, today):
    worker = actors["worker"]
    client = login("worker")
    url = reverse("followup:mine")

    def add(nickname):
        episode = services.start_episode(
            worker, _person(worker, nickname), contact_persons=[users["worker"], users["colleague"]]
        )
        services.add_need(worker, episode, kind="food")
        services.create_task(
            worker,
            episode,
            services.TaskData(title="Ring", due_on=today - DAY, owner=users["worker"]),
        )
        services.create_commission(
            worker, episode, requested_by="A", organisation="B", what="C", due_on=today
        )

    add("Ravn")
    one = queries(client, url)
    for nickname in ("Kråka", "Måsen", "Spurven", "Svanen"):
        add(nickname)
    assert queries(client, url) == one
    page = client.get(url).content.decode()
    assert page.count("Overdue") >= 5
    assert "Svanen" in page


def test_inactive_and_programme_queries_do_not_grow(login, actors, users, today):
    worker, lead = actors["worker"], actors["team_lead"]
    client = login("team_lead")
    programme = services.create_programme(lead, name="Perspektiv")

    def add(nickname):
        person = _person(worker, nickname)
        services.start_episode(
            worker, person, contact_persons=[users["worker"]], started_on=today - 200 * DAY
        )
        participation = services.enrol(worker, programme, person, started_on=today - 30 * DAY)
        return participation

    first = add("Ravn")
    services.record_session(lead, programme, date=today - 7 * DAY, attended_ids={first.pk})
    inactive_url = reverse("followup:inactive")
    programme_url = reverse("followup:programme", kwargs={"code": programme.code})
    counts = (queries(client, inactive_url), queries(client, programme_url))
    more = [add(nickname) for nickname in ("Kråka", "Måsen", "Spurven")]
    services.record_session(
        lead, programme, date=today - 1 * DAY, attended_ids={p.pk for p in more}
    )
    assert (queries(client, inactive_url), queries(client, programme_url)) == counts
    assert "Spurven" in client.get(inactive_url).content.decode()


def test_person_page_shows_follow_up_in_constant_queries(login, actors, users, person, today):
    worker = actors["worker"]
    client = login("colleague")
    url = reverse("people:detail", kwargs={"code": person.code})
    page = client.get(url).content.decode()
    assert "Not in follow-up." in page
    assert reverse("followup:start", kwargs={"code": person.code}) in page

    episode = services.start_episode(worker, person, contact_persons=[users["worker"]])
    one = queries(client, url)
    services.end_episode(worker, episode, reason="moved")
    services.record_declined(worker, person, note="Nei")
    services.start_episode(worker, person, contact_persons=[users["worker"], users["team_lead"]])
    assert queries(client, url) == one
    page = client.get(url).content.decode()
    # The colleague sees that the person is in follow-up, and with whom.
    assert "In follow-up" in page
    assert "Test Outreach worker & Test Team lead" in page
    assert "The door stays ajar" in page


def test_colleague_sees_summary_not_details(login, actors, episode):
    services.add_need(actors["worker"], episode, kind="treatment", description="TSB-søknad")
    services.add_note(actors["worker"], episode, text="Hemmelig samtale")
    page = login("colleague").get(reverse("followup:episode", kwargs={"code": episode.code}))
    text = page.content.decode()
    assert "Test Outreach worker" in text
    assert "TSB-søknad" not in text
    assert "Hemmelig samtale" not in text
    assert "Only the contact persons and team leads see" in text


def test_episode_reads_are_audited(login, users, service, episode):
    before = AuditEvent.objects.filter(service=service, action="read").count()
    login("team_lead").get(reverse("followup:episode", kwargs={"code": episode.code}))
    event = AuditEvent.objects.filter(service=service, action="read").latest("seq")
    assert AuditEvent.objects.filter(service=service, action="read").count() == before + 1
    assert (event.actor, event.object_type, event.object_id) == (
        users["team_lead"],
        "episode",
        str(episode.code),
    )


def test_third_contact_person_through_the_form(login, actors, users, episode, service):
    services.add_contact_person(actors["worker"], episode, users["team_lead"])
    before = (ContactAssignment.objects.count(), AuditEvent.objects.count())
    response = login("worker").post(
        reverse("followup:contact_add", kwargs={"code": episode.code}),
        {"user": str(users["colleague"].code)},
    )
    assert response.status_code == 400
    assert "at most two contact persons" in response.content.decode()
    # Only the read of the re-rendered page is logged; no assignment is stored.
    assert ContactAssignment.objects.count() == before[0]


def test_start_with_three_contact_persons_through_the_form(login, users, person):
    response = login("worker").post(
        reverse("followup:start", kwargs={"code": person.code}),
        {
            "contact_persons": [
                str(users[name].code) for name in ("worker", "colleague", "team_lead")
            ],
            "started_on": "2026-01-01",
        },
    )
    assert response.status_code == 400
    assert "at most two contact persons" in response.content.decode()
    assert Episode.objects.count() == 0


def test_end_before_start_through_the_form(login, episode):
    response = login("worker").post(
        reverse("followup:end", kwargs={"code": episode.code}),
        {"reason": "goals_met", "ended_on": (episode.started_on - DAY).isoformat()},
    )
    assert response.status_code == 400
    assert "cannot end before it started" in response.content.decode()
    episode.refresh_from_db()
    assert episode.is_open


def test_task_owner_of_another_service_through_the_form(login, users, episode, today):
    response = login("worker").post(
        reverse("followup:task_add", kwargs={"code": episode.code}),
        {
            "kind": "follow_up",
            "title": "Ring",
            "due_on": today.isoformat(),
            "owner": str(users["outsider"].code),
        },
    )
    assert response.status_code == 400
    assert Task.objects.count() == 0


def test_stale_plan_through_the_form(login, actors, episode):
    services.edit_plan(actors["team_lead"], episode, text="Lederens plan", version=0)
    response = login("worker").post(
        reverse("followup:plan", kwargs={"code": episode.code}),
        {"text": "Min plan", "version": "0"},
    )
    assert response.status_code == 409
    text = response.content.decode()
    assert "Someone else changed the plan" in text
    assert "Lederens plan" in text  # the newest version is shown
    episode.refresh_from_db()
    assert (episode.plan, episode.plan_version) == ("Lederens plan", 1)
    assert PlanVersion.objects.count() == 1


def test_need_status_through_the_page(login, actors, episode, today):
    need = services.add_need(actors["worker"], episode, kind="sleep_tonight")
    client = login("worker")
    response = client.post(
        reverse("followup:need_status", kwargs={"code": need.code}),
        {"status": "bogus", "changed_on": "2026-01-01"},
    )
    assert response.status_code == 400
    need.refresh_from_db()
    assert need.status == "open"
    response = client.post(
        reverse("followup:need_status", kwargs={"code": need.code}),
        {"status": "met", "changed_on": today.isoformat()},
    )
    assert response.status_code == 302
    assert Need.objects.get().status == "met"


@pytest.mark.parametrize("language", ["nb", "en"])
def test_pages_render_in_both_languages(login, actors, users, episode, place, today, language):
    _fill(actors, users, episode, place, today, 2)
    client = login("worker", language=language)
    for url in (
        reverse("followup:mine"),
        reverse("followup:episode", kwargs={"code": episode.code}),
        reverse("followup:task_add", kwargs={"code": episode.code}) + "?kind=outreach",
        reverse("followup:commission_add", kwargs={"code": episode.code}),
        reverse("followup:plan", kwargs={"code": episode.code}),
        reverse("followup:end", kwargs={"code": episode.code}),
        reverse("followup:inactive"),
        reverse("followup:programmes"),
    ):
        assert client.get(url).status_code == 200, url


def test_lists_of_persons_in_follow_up_are_audited(login, users, service, episode, today):
    client = login("worker")
    client.get(reverse("followup:mine"))
    event = AuditEvent.objects.filter(service=service).latest("seq")
    assert (event.action, event.object_type, event.reason, event.detail) == (
        "search",
        "episode",
        "my follow-ups",
        {"results": [str(episode.code)]},
    )
    # An empty list logs nothing.
    before = AuditEvent.objects.count()
    login("colleague").get(reverse("followup:mine"))
    assert AuditEvent.objects.count() == before
