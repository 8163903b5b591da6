"""Demo data: notifications in the steps a team lead meets on a normal day.

Seeding is a system import (as `seed_demo`): rows are written directly, without audit entries.
"""

import datetime

from django.utils import timezone

from feltbok.notifications.legal import ensure_types
from feltbok.notifications.models import (
    Channel,
    Decision,
    Notification,
    NotificationEvent,
    NotificationStatus,
    NotificationStep,
    NotificationType,
)
from feltbok.notifications.services import deadline_for


def seed_notifications(service, persons, worker, team_lead) -> list[Notification]:
    """For a Norwegian service: one waiting for approval, one overdue concern, one sent."""
    ensure_types()
    types = {t.key: t for t in NotificationType.objects.filter(country=service.country)}
    child_welfare = types.get("child_welfare")
    pregnant = types.get("pregnant_substance_use")
    if child_welfare is None or not persons:
        return []
    now = timezone.now()
    rows = []

    def make(notification_type, person, hours_ago, concern, **fields):
        concern_at = now - datetime.timedelta(hours=hours_ago)
        notification = Notification.objects.create(
            service=service,
            notification_type=notification_type,
            person=person,
            concern=concern,
            concern_at=concern_at,
            recorded_by=worker,
            deadline_at=deadline_for(notification_type, concern_at),
            **fields,
        )
        rows.append(notification)
        return notification, concern_at

    waiting, at = make(
        child_welfare,
        persons[0],
        5,
        "15-åring sett alene ved Oslo S etter midnatt flere netter, ruset og uten sted å sove.",
        status=NotificationStatus.DECIDED,
        assessment="Alvorlig bekymring: mindreårig, rus, ingen voksne til stede.",
        assessed_at=now - datetime.timedelta(hours=4),
        assessed_by=worker,
        decision=Decision.SEND,
        decision_reasons="Vilkårene i barnevernsloven § 13-2 er oppfylt.",
        decided_at=now - datetime.timedelta(hours=3),
        decided_by=worker,
    )
    steps = [
        (NotificationStep.CONCERN, at),
        (NotificationStep.ASSESSMENT, waiting.assessed_at),
        (NotificationStep.DECISION, waiting.decided_at),
    ]
    events = [(waiting, step, when, worker) for step, when in steps]
    if pregnant is not None and len(persons) > 1:
        overdue, at = make(
            pregnant,
            persons[1],
            60,
            "Gravid kvinne i åpent rusmiljø, sier hun ikke har fått oppfølging.",
        )
        events.append((overdue, NotificationStep.CONCERN, at, worker))
    if len(persons) > 2:
        sent_at = now - datetime.timedelta(days=9)
        sent, at = make(
            child_welfare,
            persons[2],
            24 * 10,
            "16-åring solgte hasj til yngre ungdommer ved Vaterlandsparken.",
            status=NotificationStatus.CLOSED,
            assessment="Bekymring for alvorlige atferdsvansker.",
            assessed_at=sent_at - datetime.timedelta(hours=6),
            assessed_by=worker,
            decision=Decision.SEND,
            decision_reasons="Meldeplikten gjelder; foresatte er informert.",
            decided_at=sent_at - datetime.timedelta(hours=5),
            decided_by=worker,
            approved_at=sent_at - datetime.timedelta(hours=2),
            approved_by=team_lead,
            sent_at=sent_at,
            sent_by=worker,
            recipient="Barneverntjenesten i Bydel Gamle Oslo",
            channel=Channel.SECURE_MESSAGE,
            follow_up="Barneverntjenesten bekreftet mottak og har åpnet undersøkelse.",
            followed_up_at=sent_at + datetime.timedelta(days=5),
            followed_up_by=worker,
        )
        for step, when, by in [
            (NotificationStep.CONCERN, at, worker),
            (NotificationStep.ASSESSMENT, sent.assessed_at, worker),
            (NotificationStep.DECISION, sent.decided_at, worker),
            (NotificationStep.APPROVAL, sent.approved_at, team_lead),
            (NotificationStep.SENT, sent.sent_at, worker),
            (NotificationStep.FOLLOW_UP, sent.followed_up_at, worker),
        ]:
            events.append((sent, step, when, by))
    NotificationEvent.objects.bulk_create(
        NotificationEvent(service=service, notification=n, step=step, occurred_at=when, by=by)
        for n, step, when, by in events
    )
    return rows
