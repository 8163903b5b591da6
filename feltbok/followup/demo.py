"""Synthetic follow-up for the demo: a handful of episodes, tasks, commissions, programmes.

Written through followup.services, so the demo's audit log holds the same entries real work
would. All names and texts are invented. Called by `manage.py seed_demo` for Uteseksjonen.
"""

import datetime

from django.utils import timezone

from feltbok.accounts.models import Membership, Role
from feltbok.core.access import actor_for_user
from feltbok.followup import services
from feltbok.followup.models import EndReason, TaskKind
from feltbok.organisation.models import Place
from feltbok.people.models import AnonymityLevel, Person

# The seeds' programmes (Uteseksjonen): a cannabis cessation course, a peer project, activities.
PROGRAMMES = [
    ("Ut av tåka", "Kurs for unge som vil slutte med cannabis."),
    ("Perspektiv", "Erfaringskonsulenter møter unge i og utenfor feltet."),
    ("Aktivitetstilbud", "Faste aktiviteter hver uke: trening, matlaging, tur."),
]


def seed_followup(service, *, today=None, contact_email=None) -> int:
    """Follow-up of a few persons the service has met; returns the number of episodes."""
    today = today or timezone.localdate()
    day = datetime.timedelta(days=1)
    staff = list(
        Membership.objects.filter(
            service=service, is_active=True, role__in=[Role.WORKER, Role.TEAM_LEAD]
        )
        .select_related("user")
        .order_by("created_at")
    )
    workers = [m.user for m in staff if m.role == Role.WORKER]
    leads = [m.user for m in staff if m.role == Role.TEAM_LEAD]
    if len(workers) < 3 or not leads:
        return 0
    if contact_email:
        workers.sort(key=lambda user: user.email != contact_email)
    first, second, third = workers[:3]
    lead = actor_for_user(leads[0], service.pk)
    actor = {user.pk: actor_for_user(user, service.pk) for user in (first, second, third)}
    known = Person.objects.filter(
        service=service, anonymity_level=AnonymityLevel.NICKNAME, last_contact_at__isnull=False
    ).exclude(nickname="")
    persons = list(known.order_by("-last_contact_at", "pk")[:6])
    # The person met longest ago: a follow-up that has gone quiet.
    quiet_person = known.exclude(pk__in=[p.pk for p in persons]).order_by("last_contact_at").first()
    if len(persons) < 6 or quiet_person is None:
        return 0
    persons[1] = quiet_person
    # A team lead's choice: follow-ups without contact for 30 days are listed as inactive.
    services.save_settings(lead, inactive_after_days=30, share_details_with_workers=False)
    places = list(Place.objects.filter(service=service, is_active=True).order_by("name")[:2])

    programmes = [
        services.create_programme(lead, name=name, description=description)
        for name, description in PROGRAMMES
    ]

    # 1. Two contact persons, from a bed tonight to housing; a targeted search; a commission.
    a = actor[first.pk]
    episode = services.start_episode(
        a, persons[0], contact_persons=[first, second], started_on=today - 60 * day
    )
    bed = services.add_need(a, episode, kind="sleep_tonight", on=today - 60 * day)
    services.change_need_status(a, bed, status="met", on=today - 59 * day, note="Plass på hospits")
    housing = services.add_need(
        a, episode, kind="housing", description="Søknad om kommunal bolig", on=today - 50 * day
    )
    services.change_need_status(a, housing, status="in_progress", on=today - 40 * day)
    services.add_need(a, episode, kind="finances", on=today - 30 * day)
    services.add_goal(a, episode, own_words="Jeg vil ha et sted som er mitt, med egen dør.")
    services.edit_plan(
        a,
        episode,
        text="Bolig først: søknad til boligkontoret, følge til NAV for økonomi. "
        "Fast avtale hver tirsdag ved dagsenteret.",
        version=0,
    )
    services.add_note(a, episode, text="Møtte ham ved dagsenteret.", written_on=today - 12 * day)
    services.create_task(
        a,
        episode,
        services.TaskData(
            kind=TaskKind.OUTREACH,
            title="Finn ham og gi beskjed om visning av bolig",
            due_on=today + 2 * day,
            owner=first,
            places=tuple(places),
            usual_times="Kveld etter 21",
        ),
    )
    services.create_task(
        a,
        episode,
        services.TaskData(title="Ring boligkontoret", due_on=today - 1 * day, owner=first),
    )
    services.create_commission(
        a,
        episode,
        requested_by="Saksbehandler (NAV)",
        organisation="NAV Sentrum",
        what="Hjelpe ham til timen om økonomisk sosialhjelp.",
        due_on=today + 5 * day,
    )

    # 2. A long follow-up gone quiet: on the inactive list once the last contact is 30 days old.
    b = actor[first.pk]
    quiet = services.start_episode(
        b, persons[1], contact_persons=[first], started_on=today - 200 * day
    )
    services.add_need(b, quiet, kind="talk", on=today - 200 * day)
    services.add_note(b, quiet, text="Samtale på benken.", written_on=today - 150 * day)

    # 3. Treatment and a programme.
    c = actor[second.pk]
    course = services.start_episode(
        c, persons[2], contact_persons=[second, third], started_on=today - 35 * day
    )
    treatment = services.add_need(c, course, kind="treatment", on=today - 35 * day)
    services.change_need_status(c, treatment, status="in_progress", on=today - 20 * day)
    services.add_goal(c, course, own_words="Klare en måned uten å røyke.")
    participation = services.enrol(c, programmes[0], persons[2], started_on=today - 28 * day)
    for weeks_ago, came in ((3, True), (2, True), (1, False)):
        services.record_session(
            c,
            programmes[0],
            date=today - 7 * weeks_ago * day,
            attended_ids={participation.pk} if came else set(),
        )

    # 4. Declined contact: the door stays ajar.
    services.record_declined(
        actor[third.pk],
        persons[3],
        declined_on=today - 10 * day,
        note="Vil ikke ha oppfølging nå. Hilser når vi møtes.",
    )

    # 5. An ended follow-up, and a new one later.
    d = actor[third.pk]
    earlier = services.start_episode(
        d, persons[4], contact_persons=[third], started_on=today - 300 * day
    )
    services.end_episode(
        d, earlier, reason=EndReason.GOALS_MET, ended_on=today - 180 * day, note="Fikk jobb"
    )
    again = services.start_episode(
        d, persons[4], contact_persons=[third, first], started_on=today - 14 * day
    )
    services.add_need(d, again, kind="work_school", on=today - 14 * day)
    services.create_commission(
        d,
        again,
        requested_by="Socialsekreterare",
        organisation="Socialtjänsten",
        what="Finne ut om han fortsatt har arbeid.",
        due_on=today - 2 * day,
    )

    # 6. Activity offer.
    services.enrol(actor[third.pk], programmes[2], persons[5], started_on=today - 7 * day)
    return 5
