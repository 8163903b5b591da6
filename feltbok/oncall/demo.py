"""Synthetic on-call data for the demo: opening hours, a handful of inquiries and walk-ins.

Uteseksjonen's hours, number and walk-in address come from the seeds; Det Opsøgende Team's
hours are invented (its page gives none). Inquiries and walk-ins are written through
oncall.services, so the demo's audit log holds what real work would. All texts are invented.
Called by `manage.py seed_demo`.
"""

import datetime

from django.utils import timezone

from feltbok.accounts.models import Membership, Role
from feltbok.core.access import actor_for_user
from feltbok.core.demo import DEMO_SERVICE, DEMO_SERVICE_DK
from feltbok.oncall import services
from feltbok.oncall.models import LineKind, OncallSettings, OpeningException

COPENHAGEN_HOURS = {
    LineKind.ON_CALL: [(day, "08:00", "15:30") for day in range(5)],
    LineKind.WALK_IN: [(day, "09:00", "12:00") for day in (1, 3)],
}

OSLO_CALLS = [
    # (urgency, caller type, concern, where, when)
    (
        "acute",
        "citizen",
        "Ung mann sitter alene i trappeoppgangen, virker svært ruset og svarer ikke.",
        "Trappeoppgangen ved Vaterland parkeringshus",
        "Nå",
    ),
    (
        "today",
        "relative",
        "Søsteren har ikke hørt fra broren på en uke. Han pleier å være rundt Oslo S.",
        "Oslo S, ved bussterminalen",
        "Ettermiddag og kveld",
    ),
    (
        "week",
        "partner",
        "NAV-veileder ber om at noen tar kontakt med en ungdom som har sluttet å møte opp.",
        "Brugata",
        "Som regel på kvelden",
    ),
    (
        "today",
        "police",
        "Patruljen har sett en gruppe unge ved Elvebakken som virker å ha det vanskelig.",
        "Akerselva ved Vaterlandsparken",
        "Sent kveld",
    ),
]


def _actor(service, role):
    membership = (
        Membership.objects.filter(service=service, role=role, is_active=True)
        .select_related("user")
        .order_by("created_at")
        .first()
    )
    return actor_for_user(membership.user, service.pk) if membership else None


def seed_oncall(services_):
    """Hours and settings of both demo services; inquiries and walk-ins in Oslo's."""
    today = timezone.localdate()
    for service in services_:
        if service.name == DEMO_SERVICE:
            services.seed_default_hours(service)
            OncallSettings.objects.get_or_create(
                service=service,
                defaults={
                    "public_slug": "uteseksjonen",
                    "phone": "913 03 913",
                    "walk_in_address": "Maridalsveien 3",
                },
            )
        elif service.name == DEMO_SERVICE_DK:
            services.seed_default_hours(service, hours=COPENHAGEN_HOURS)
            OncallSettings.objects.get_or_create(
                service=service,
                defaults={"public_slug": "det-opsogende-team", "time_zone": "Europe/Copenhagen"},
            )
        else:
            continue
        # Christmas Day: the on-call line is closed.
        christmas = datetime.date(today.year, 12, 25)
        OpeningException.objects.get_or_create(
            service=service,
            kind=LineKind.ON_CALL,
            date=christmas,
            defaults={"closed": True, "note": "1. juledag"},
        )
        if service.name == DEMO_SERVICE:
            _seed_oslo(service)


def _seed_oslo(service):
    coordinator = _actor(service, Role.COORDINATOR)
    worker = _actor(service, Role.WORKER)
    if coordinator is None or worker is None:
        return
    inquiries = [
        services.log_inquiry(
            coordinator,
            services.InquiryData(
                concern=concern, urgency=urgency, caller_type=caller, where=where, when=when
            ),
        )
        for urgency, caller, concern, where, when in OSLO_CALLS
    ]
    # One sent to a worker in the office, who is on it; one followed up and closed.
    sent = services.dispatch(coordinator, inquiries[1], assignee=worker.user)
    services.start_follow_up(worker, sent, "Ringt søsteren tilbake, ser etter ham i kveld.")
    sent = services.dispatch(coordinator, inquiries[2], assignee=worker.user)
    closed = services.close(worker, sent, "met", "Møtt ungdommen, avtalt ny prat neste uke.")
    services.decide_feedback(
        coordinator, closed, "received", "Partner uten samtykke fra ungdommen."
    )
    # From the public form, with the reporter's phone (removed after the retention period).
    services.submit_public_concern(
        service,
        services.InquiryData(
            concern="Naboen kommer aldri ut, det lukter vondt fra leiligheten og han spiller høy "
            "musikk om natten.",
            urgency="",
            caller_type="citizen",
            signs=["never_outside", "hygiene", "loud_music"],
            where="Tøyen, blokka ved parken",
            when="Hjemme hele døgnet",
            reporter_phone="400 00 000",
        ),
    )
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    for hours_ago, who, topic, outcome, follow_up in (
        (3, "Lillebror", "advice", "Hjelp med søknad om bostøtte.", "Ringe NAV i morgen"),
        (2, "", "conversation", "Ville bare prate, gikk roligere ut enn han kom.", ""),
        (1, "Mona", "housing", "Trenger sted å sove i natt, formidlet hospitsplass.", ""),
    ):
        services.record_walk_in(
            worker,
            services.WalkInData(
                topic=topic,
                occurred_at=now - hours_ago * hour,
                who=who,
                outcome=outcome,
                follow_up_needed=bool(follow_up),
                follow_up=follow_up,
            ),
        )
