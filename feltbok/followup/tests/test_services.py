"""Follow-up services: exact outcomes, refused input that stores nothing, who sees what."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from conftest import make_member
from feltbok.accounts.models import Role
from feltbok.audit.models import AuditEvent
from feltbok.followup import selectors, services
from feltbok.followup.models import (
    Commission,
    ContactAssignment,
    DeclinedContact,
    EndReason,
    Episode,
    FollowUpSettings,
    Need,
    NeedChange,
    Note,
    PlanVersion,
    SessionAttendance,
    Task,
    TaskKind,
)
from feltbok.organisation.models import FieldArea, Place

DAY = datetime.timedelta(days=1)


def audit(service, **filters):
    return AuditEvent.objects.filter(service=service, **filters)


def snapshot(service):
    """Everything a refused write must leave as it was."""
    return (
        Episode.objects.count(),
        ContactAssignment.objects.count(),
        Need.objects.count(),
        NeedChange.objects.count(),
        PlanVersion.objects.count(),
        Task.objects.count(),
        Commission.objects.count(),
        Note.objects.count(),
        DeclinedContact.objects.count(),
        AuditEvent.objects.filter(service=service).count(),
    )


# --- Starting -------------------------------------------------------------------------------


def test_start_episode_with_one_contact_person(worker, person, users, service, today):
    episode = services.start_episode(worker, person, contact_persons=[users["worker"]])

    assert episode.is_open
    assert episode.started_on == today
    assert episode.plan_version == 0
    assignment = ContactAssignment.objects.get(episode=episode)
    assert (assignment.user, assignment.assigned_from, assignment.assigned_to) == (
        users["worker"],
        today,
        None,
    )
    event = audit(service, object_type="episode").get()
    assert event.action == "create"
    assert event.detail["contact_persons"] == [str(users["worker"].code)]


def test_three_contact_persons_are_refused_and_nothing_is_stored(worker, person, users, service):
    before = snapshot(service)
    with pytest.raises(services.FollowUpError, match="at most two contact persons"):
        services.start_episode(
            worker,
            person,
            contact_persons=[users["worker"], users["colleague"], users["team_lead"]],
        )
    assert snapshot(service) == before


def test_a_third_contact_person_is_refused(episode, worker, users, service):
    services.add_contact_person(worker, episode, users["colleague"])
    before = snapshot(service)

    with pytest.raises(services.FollowUpError, match="at most two contact persons"):
        services.add_contact_person(worker, episode, users["team_lead"])

    assert snapshot(service) == before
    assert set(
        episode.assignments.filter(assigned_to__isnull=True).values_list("user", flat=True)
    ) == {users["worker"].pk, users["colleague"].pk}


def test_contact_persons_must_be_workers_or_team_leads_of_the_service(
    worker, person, users, service
):
    before = snapshot(service)
    for user in (users["outsider"], users["analyst"], users["peer_worker"]):
        with pytest.raises(services.FollowUpError, match="worker or team lead of this service"):
            services.start_episode(worker, person, contact_persons=[user])
    with pytest.raises(services.FollowUpError, match="one or two"):
        services.start_episode(worker, person, contact_persons=[])
    assert snapshot(service) == before


def test_one_open_episode_per_person(episode, worker, person, users, service):
    before = snapshot(service)
    with pytest.raises(services.FollowUpError, match="already in follow-up"):
        services.start_episode(worker, person, contact_persons=[users["colleague"]])
    assert snapshot(service) == before


def test_start_date_in_the_future_is_refused(worker, person, users, service, today):
    before = snapshot(service)
    with pytest.raises(services.FollowUpError, match="cannot be in the future"):
        services.start_episode(
            worker, person, contact_persons=[users["worker"]], started_on=today + DAY
        )
    assert snapshot(service) == before


def test_roles_without_follow_up_may_not_start(actors, person, users):
    for name in ("peer_worker", "coordinator", "analyst", "admin"):
        with pytest.raises(PermissionDenied):
            services.start_episode(actors[name], person, contact_persons=[users["worker"]])
    assert Episode.objects.count() == 0


# --- Contact persons ------------------------------------------------------------------------


def test_changing_contact_person_keeps_the_history(episode, worker, users, today):
    services.add_contact_person(worker, episode, users["colleague"])
    mine = episode.assignments.get(user=users["worker"])

    services.end_contact_person(worker, mine)

    rows = list(episode.assignments.order_by("pk").values_list("user", "assigned_to"))
    assert rows == [(users["worker"].pk, today), (users["colleague"].pk, None)]


def test_the_last_contact_person_cannot_be_removed(episode, worker, service):
    before = snapshot(service)
    with pytest.raises(services.FollowUpError, match="needs a contact person"):
        services.end_contact_person(worker, episode.assignments.get())
    assert snapshot(service) == before


# --- Needs, goals, plan, notes --------------------------------------------------------------


def test_need_status_changes_are_dated(episode, worker, service, today):
    need = services.add_need(
        worker, episode, kind="sleep_tonight", description="Kaldt ute", on=today - 2 * DAY
    )
    services.change_need_status(worker, need, status="in_progress", on=today - DAY)
    services.change_need_status(worker, need, status="met", on=today, note="Plass på Sleppet")

    need.refresh_from_db()
    assert need.status == "met"
    assert list(need.changes.values_list("status", "changed_on", "note")) == [
        ("open", today - 2 * DAY, ""),
        ("in_progress", today - DAY, ""),
        ("met", today, "Plass på Sleppet"),
    ]
    assert list(
        audit(service, object_type="need").order_by("seq").values_list("action", flat=True)
    ) == ["create", "update", "update"]


def test_unknown_need_or_status_is_refused(episode, worker, service):
    before = snapshot(service)
    with pytest.raises(services.FollowUpError):
        services.add_need(worker, episode, kind="money_now")
    need = services.add_need(worker, episode, kind="food")
    before = snapshot(service)
    with pytest.raises(services.FollowUpError):
        services.change_need_status(worker, need, status="solved")
    with pytest.raises(services.FollowUpError, match="already has this status"):
        services.change_need_status(worker, need, status="open")
    assert snapshot(service) == before


def test_goal_in_own_words(episode, worker, today):
    goal = services.add_goal(worker, episode, own_words="  Få min egen leilighet før jul  ")
    assert goal.own_words == "Få min egen leilighet før jul"
    assert goal.status == "active"
    services.change_goal_status(worker, goal, status="reached")
    goal.refresh_from_db()
    assert (goal.status, goal.status_changed_on) == ("reached", today)
    with pytest.raises(services.FollowUpError):
        services.add_goal(worker, episode, own_words="   ")


def test_plan_versions_and_a_stale_edit_is_refused(episode, worker, actors, service):
    services.edit_plan(worker, episode, text="Møte NAV tirsdag", version=0)
    services.edit_plan(actors["team_lead"], episode, text="Møte NAV tirsdag, følge", version=1)
    episode.refresh_from_db()
    before = snapshot(service)

    # The worker saves from the version they loaded before the team lead's edit.
    with pytest.raises(services.PlanConflict) as conflict:
        services.edit_plan(worker, episode, text="Min gamle tekst", version=1)

    assert conflict.value.current_version == 2
    assert snapshot(service) == before
    episode.refresh_from_db()
    assert (episode.plan, episode.plan_version) == ("Møte NAV tirsdag, følge", 2)
    assert list(episode.plan_versions.values_list("version", "text")) == [
        (2, "Møte NAV tirsdag, følge"),
        (1, "Møte NAV tirsdag"),
    ]


def test_notes_cannot_be_dated_before_the_start_or_in_the_future(episode, worker, service, today):
    before = snapshot(service)
    with pytest.raises(services.FollowUpError, match="before the follow-up started"):
        services.add_note(worker, episode, text="Ringte", written_on=episode.started_on - DAY)
    with pytest.raises(services.FollowUpError, match="future"):
        services.add_note(worker, episode, text="Ringte", written_on=today + DAY)
    with pytest.raises(services.FollowUpError):
        services.add_note(worker, episode, text="  ")
    assert snapshot(service) == before


# --- Ending, declining ----------------------------------------------------------------------


def test_end_before_start_is_refused(episode, worker, service):
    before = snapshot(service)
    with pytest.raises(services.FollowUpError, match="cannot end before it started"):
        services.end_episode(
            worker, episode, reason=EndReason.GOALS_MET, ended_on=episode.started_on - DAY
        )
    assert snapshot(service) == before
    episode.refresh_from_db()
    assert episode.is_open


def test_ending_closes_the_assignments(episode, worker, today):
    services.end_episode(worker, episode, reason=EndReason.GOALS_MET, note="Egen bolig")
    episode.refresh_from_db()
    assert (episode.ended_on, episode.end_reason, episode.end_note) == (
        today,
        "goals_met",
        "Egen bolig",
    )
    assert list(episode.assignments.values_list("assigned_to", flat=True)) == [today]
    with pytest.raises(services.FollowUpError, match="has ended"):
        services.add_need(worker, episode, kind="food")


def test_declined_contact_leaves_the_door_ajar(episode, worker, person, users, today):
    declined = services.record_declined(worker, person, note="Vil ikke nå. Spør igjen i vår.")

    episode.refresh_from_db()
    assert (episode.ended_on, episode.end_reason) == (today, "declined")
    assert (declined.person, declined.episode, declined.declined_on, declined.note) == (
        person,
        episode,
        today,
        "Vil ikke nå. Spør igjen i vår.",
    )
    # The person can be approached again: a new follow-up may start.
    again = services.start_episode(worker, person, contact_persons=[users["colleague"]])
    assert again.is_open
    panel = selectors.person_panel(worker, person)
    assert (panel.episode, panel.last_declined, panel.past_episodes) == (again, declined, 1)


def test_declined_without_an_episode(worker, person, today):
    declined = services.record_declined(worker, person, note="Nei takk")
    assert (declined.episode, declined.declined_on) == (None, today)
    assert Episode.objects.count() == 0


# --- Tasks and commissions ------------------------------------------------------------------


def test_targeted_outreach_task(episode, worker, users, place, today):
    task = services.create_task(
        worker,
        episode,
        services.TaskData(
            kind=TaskKind.OUTREACH,
            title="Finn Ravnen ved Oslo S",
            due_on=today + 2 * DAY,
            owner=users["colleague"],
            places=(place,),
            usual_times="Kveld etter 20",
        ),
    )
    assert list(task.places.all()) == [place]
    assert (task.owner, task.usual_times, task.done_on) == (
        users["colleague"],
        "Kveld etter 20",
        None,
    )

    services.complete_task(selectors_actor(users, "colleague"), task)
    task.refresh_from_db()
    assert (task.done_on, task.done_by) == (today, users["colleague"])


def selectors_actor(users, name):
    from feltbok.core.access import actor_for_user

    return actor_for_user(users[name])


def test_task_owner_of_another_service_is_refused(episode, worker, users, service, today):
    before = snapshot(service)
    with pytest.raises(services.FollowUpError, match="staff member of this service"):
        services.create_task(
            worker,
            episode,
            services.TaskData(title="Ring NAV", due_on=today, owner=users["outsider"]),
        )
    with pytest.raises(services.FollowUpError, match="staff member of this service"):
        services.create_task(
            worker,
            episode,
            services.TaskData(title="Ring NAV", due_on=today, owner=users["analyst"]),
        )
    assert snapshot(service) == before


def test_outreach_task_needs_places_or_times_of_the_service(
    episode, worker, users, service, other_service, today
):
    foreign_area = FieldArea.objects.create(
        service=other_service, name="Vesterbro", boundary={}, valid_from=today
    )
    foreign = Place.objects.create(
        service=other_service, area=foreign_area, name="Halmtorvet", kind="street"
    )
    before = snapshot(service)
    data = services.TaskData(
        kind=TaskKind.OUTREACH, title="Finn ham", due_on=today, owner=users["worker"]
    )
    with pytest.raises(services.FollowUpError, match="usual places or times"):
        services.create_task(worker, episode, data)
    data.places = (foreign,)
    with pytest.raises(services.FollowUpError, match="places of this service"):
        services.create_task(worker, episode, data)
    assert snapshot(service) == before


def test_commission_from_a_case_worker(episode, worker, service, today):
    commission = services.create_commission(
        worker,
        episode,
        requested_by="Saksbehandler Hansen",
        organisation="NAV Grünerløkka",
        what="Finne ut om han har et sted å bo",
        due_on=today + 7 * DAY,
    )
    assert commission.status == "received"
    before = snapshot(service)
    with pytest.raises(services.FollowUpError, match="what came of the commission"):
        services.update_commission(worker, commission, status="done", outcome=" ")
    assert snapshot(service) == before
    services.update_commission(worker, commission, status="done", outcome="Bor på hybel")
    commission.refresh_from_db()
    assert (commission.status, commission.outcome) == ("done", "Bor på hybel")


# --- Who sees what --------------------------------------------------------------------------


def test_access_levels(episode, actors, service):
    assert selectors.access_to(actors["worker"], episode) == selectors.Access.DETAILS
    assert selectors.access_to(actors["team_lead"], episode) == selectors.Access.DETAILS
    assert selectors.access_to(actors["colleague"], episode) == selectors.Access.SUMMARY
    assert selectors.access_to(actors["peer_worker"], episode) == selectors.Access.OWN

    FollowUpSettings.objects.create(service=service, share_details_with_workers=True)
    assert selectors.access_to(actors["colleague"], episode) == selectors.Access.DETAILS
    assert selectors.access_to(actors["peer_worker"], episode) == selectors.Access.OWN


def test_a_worker_who_is_not_contact_person_may_not_write_details(episode, actors, service):
    colleague = actors["colleague"]
    before = snapshot(service)
    with pytest.raises(PermissionDenied):
        services.add_need(colleague, episode, kind="food")
    with pytest.raises(PermissionDenied):
        services.add_note(colleague, episode, text="Hei")
    with pytest.raises(PermissionDenied):
        services.edit_plan(colleague, episode, text="x", version=0)
    assert snapshot(service) == before


def test_peer_workers_see_only_their_own_notes(episode, actors):
    services.add_note(actors["worker"], episode, text="Samtale om bolig")
    services.add_note(actors["peer_worker"], episode, text="Møtte ham i parken", was_contact=True)

    page = selectors.open_episode(actors["peer_worker"], episode.code)
    assert page.access == selectors.Access.OWN
    assert [note.text for note in page.notes] == ["Møtte ham i parken"]
    assert (page.needs, page.assignments, page.tasks) == ([], [], [])

    summary = selectors.open_episode(actors["colleague"], episode.code)
    assert (summary.notes, summary.needs) == ([], [])
    assert [a.user for a in summary.assignments] == [episode.started_by]


def test_every_episode_read_is_audited(episode, actors, service):
    selectors.open_episode(actors["colleague"], episode.code)
    event = audit(service, action="read", object_type="episode").get()
    assert (event.actor, event.object_id, event.detail) == (
        actors["colleague"].user,
        str(episode.code),
        {"access": "summary"},
    )


# --- Inactive follow-ups and my list --------------------------------------------------------


def test_inactive_after_n_days_without_contact(worker, actors, person, users, service, today):
    old = services.start_episode(
        worker, person, contact_persons=[users["worker"]], started_on=today - 120 * DAY
    )
    assert [e.pk for e in selectors.inactive_episodes(worker)[0]] == [old.pk]
    inactive = selectors.inactive_episodes(worker)[0][0]
    assert (inactive.last_contact_on, inactive.days_without_contact) == (today - 120 * DAY, 120)

    # An encounter 10 days ago is contact.
    person.last_contact_at = timezone.now() - 10 * DAY
    person.save(update_fields=["last_contact_at"])
    assert selectors.inactive_episodes(worker)[0] == []

    # Back to 100 days ago; a contact note 95 days ago is too old; one 20 days ago counts.
    person.last_contact_at = timezone.now() - 100 * DAY
    person.save(update_fields=["last_contact_at"])
    services.add_note(worker, old, text="Ringte", written_on=today - 95 * DAY)
    services.add_note(worker, old, text="Internt", written_on=today - 5 * DAY, was_contact=False)
    assert [e.days_without_contact for e in selectors.inactive_episodes(worker)[0]] == [95]
    services.add_note(worker, old, text="Møttes", written_on=today - 20 * DAY)
    assert selectors.inactive_episodes(worker)[0] == []

    # With 14 days as the service's rule, 20 days without contact is inactive again.
    services.save_settings(
        actors["team_lead"], inactive_after_days=14, share_details_with_workers=False
    )
    assert [e.pk for e in selectors.inactive_episodes(worker)[0]] == [old.pk]


def test_settings_are_for_team_leads_and_checked(actors, service):
    with pytest.raises(PermissionDenied):
        services.save_settings(
            actors["worker"], inactive_after_days=30, share_details_with_workers=True
        )
    with pytest.raises(services.FollowUpError):
        services.save_settings(
            actors["team_lead"], inactive_after_days=0, share_details_with_workers=True
        )
    assert not FollowUpSettings.objects.exists()
    assert selectors.settings_for(service.pk).inactive_after_days == 90


def test_my_followups(episode, worker, actors, users, service, today):
    other = make_member(service, Role.WORKER, "tredje@test.example")
    services.create_task(
        worker,
        episode,
        services.TaskData(title="Ring boligkontoret", due_on=today - DAY, owner=users["worker"]),
    )
    services.create_task(
        worker,
        episode,
        services.TaskData(title="Følge til lege", due_on=today + DAY, owner=other),
    )
    services.create_commission(
        worker, episode, requested_by="A", organisation="B", what="C", due_on=today
    )

    mine = selectors.my_followups(worker, today=today)

    assert [e.pk for e in mine.episodes] == [episode.pk]
    assert [t.title for t in mine.tasks] == ["Ring boligkontoret"]
    assert [t.title for t in mine.overdue_tasks] == ["Ring boligkontoret"]
    assert [c.what for c in mine.commissions] == ["C"]
    colleague = selectors.my_followups(actors["colleague"], today=today)
    assert (colleague.episodes, colleague.tasks, colleague.commissions) == ([], [], [])


# --- Programmes -----------------------------------------------------------------------------


def test_programme_participation_and_sessions(actors, worker, person, service, today):
    lead = actors["team_lead"]
    programme = services.create_programme(lead, name="Ut av tåka", description="Kurs")
    with pytest.raises(services.FollowUpError, match="already has a programme"):
        services.create_programme(lead, name="ut av tåka")
    participation = services.enrol(worker, programme, person, started_on=today - 14 * DAY)
    with pytest.raises(services.FollowUpError, match="already takes part"):
        services.enrol(worker, programme, person)

    services.record_session(
        actors["peer_worker"], programme, date=today - 7 * DAY, attended_ids={participation.pk}
    )
    services.record_session(worker, programme, date=today, attended_ids=set())
    with pytest.raises(services.FollowUpError, match="already recorded"):
        services.record_session(worker, programme, date=today, attended_ids=set())

    assert list(SessionAttendance.objects.order_by("date").values_list("date", "attended")) == [
        (today - 7 * DAY, True),
        (today, False),
    ]
    # Peer workers see only the attendance they recorded.
    peer_page = selectors.open_programme(actors["peer_worker"], programme.code)
    assert [day for day, _ in peer_page.sessions] == [today - 7 * DAY]
    lead_page = selectors.open_programme(lead, programme.code)
    assert [day for day, _ in lead_page.sessions] == [today, today - 7 * DAY]

    services.end_participation(worker, participation, ended_on=today)
    participation.refresh_from_db()
    assert participation.ended_on == today


def test_only_a_contact_person_records_that_someone_in_follow_up_declines(
    episode, actors, person, service
):
    before = snapshot(service)
    with pytest.raises(services.FollowUpError, match="Ask one of the contact persons"):
        services.record_declined(actors["colleague"], person, note="Nei")
    assert snapshot(service) == before
