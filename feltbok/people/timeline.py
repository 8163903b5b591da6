"""One timeline per person: contacts, incidents, follow-up, referrals and notifications.

Each source is read in one query (or two), whatever the person's history holds, and only what
the actor's role may see of it: the same rules as each module's own pages (follow-up details
for contact persons and team leads, a peer worker's own records, referrals for those who
refer, notifications for those who raise or handle them). Opening the person page is the
audited read; the timeline is part of it.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from feltbok.core.access import Perm, scoped


@dataclass
class TimelineItem:
    at: datetime.datetime  # for ordering; `date_only` items show the date alone
    kind: str
    title: str
    text: str = ""
    meta: str = ""
    url: str = ""
    date_only: bool = False


def _on(day: datetime.date) -> datetime.datetime:
    """A date-only event sorts at the end of its day, above that day's contacts."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


def _name(user) -> str:
    return user.get_full_name() or user.email if user else ""


def person_timeline(actor, person, limit=200) -> list[TimelineItem]:
    """The newest `limit` items of the person's history that the actor may see."""
    actor.require(Perm.VIEW_PERSON)
    items = [
        *_encounters(actor, person, limit),
        *_incidents(actor, person, limit),
        *_followup(actor, person, limit),
        *_referrals(actor, person, limit),
        *_notifications(actor, person, limit),
    ]
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


def _encounters(actor, person, limit):
    from feltbok.fieldwork.models import Encounter

    encounters = (
        scoped(actor, Encounter)
        .filter(persons=person)
        .select_related("area", "recorded_by")
        .order_by("-occurred_at")[:limit]
    )
    return [
        TimelineItem(
            at=encounter.occurred_at,
            kind="encounter",
            title=f"{encounter.get_kind_display()} · {encounter.area.name}",
            text=encounter.note,
            meta=", ".join(
                str(label) for label in [*encounter.topic_labels, _name(encounter.recorded_by)]
            ),
        )
        for encounter in encounters
    ]


def _incidents(actor, person, limit):
    from feltbok.fieldwork.models import IncidentNote

    if not actor.can(Perm.VIEW_INCIDENTS):
        return []
    incidents = (
        scoped(actor, IncidentNote)
        .filter(persons=person)
        .select_related("area")
        .order_by("-occurred_at")[:limit]
    )
    return [
        TimelineItem(
            at=incident.occurred_at,
            kind="incident",
            title=f"{incident.get_kind_display()} · {incident.area.name}",
            meta=", ".join(str(label) for label in incident.action_labels),
            url=reverse("fieldwork:incident_detail", args=[incident.code]),
        )
        for incident in incidents
    ]


def _followup(actor, person, limit):
    from feltbok.followup import selectors as followup
    from feltbok.followup.models import DeclinedContact, Episode, Note, Task

    if not actor.can(Perm.VIEW_FOLLOWUP):
        return []
    items = []
    episodes = list(
        scoped(actor, Episode)
        .filter(person=person)
        .prefetch_related(Prefetch("assignments", to_attr="all_assignments"))
        .order_by("-started_on")
    )
    settings = followup.settings_for(actor.service_id)
    detailed = []
    for episode in episodes:
        url = reverse("followup:episode", args=[episode.code])
        items.append(
            TimelineItem(
                at=_on(episode.started_on),
                kind="followup",
                title=_("Follow-up started"),
                url=url,
                date_only=True,
            )
        )
        if episode.ended_on:
            items.append(
                TimelineItem(
                    at=_on(episode.ended_on),
                    kind="followup",
                    title=_("Follow-up ended"),
                    meta=episode.get_end_reason_display(),
                    url=url,
                    date_only=True,
                )
            )
        if followup.access_to(actor, episode, settings) == followup.Access.DETAILS:
            detailed.append(episode.pk)
    notes = Note.objects.filter(episode__in=[e.pk for e in episodes]).select_related("written_by")
    if not actor.can(Perm.MANAGE_FOLLOWUP):
        notes = notes.filter(written_by=actor.user)  # a peer worker's own notes only
    else:
        notes = notes.filter(episode__in=detailed)
    for note in notes.order_by("-written_on")[:limit]:
        items.append(
            TimelineItem(
                at=_on(note.written_on),
                kind="note",
                title=_("Contact (follow-up)") if note.was_contact else _("Follow-up note"),
                text=note.text,
                meta=_name(note.written_by),
                date_only=True,
            )
        )
    tasks = (
        Task.objects.filter(episode__in=detailed, done_on__isnull=False)
        .select_related("done_by")
        .order_by("-done_on")[:limit]
    )
    for task in tasks:
        items.append(
            TimelineItem(
                at=_on(task.done_on),
                kind="task",
                title=_("Task done: %(task)s") % {"task": task.title},
                meta=_name(task.done_by),
                date_only=True,
            )
        )
    declined = scoped(actor, DeclinedContact).filter(person=person).order_by("-declined_on")
    for refusal in declined[:limit]:
        items.append(
            TimelineItem(
                at=_on(refusal.declined_on),
                kind="declined",
                title=_("Declined contact (the door stays ajar)"),
                text=refusal.note if actor.can(Perm.MANAGE_FOLLOWUP) else "",
                date_only=True,
            )
        )
    return items


def _referrals(actor, person, limit):
    from feltbok.referrals.models import ReferralEvent

    if not actor.can(Perm.MANAGE_REFERRALS):
        return []
    events = (
        scoped(actor, ReferralEvent)
        .filter(referral__person=person)
        .select_related("referral__partner", "by")
        .order_by("-occurred_at")[:limit]
    )
    return [
        TimelineItem(
            at=event.occurred_at,
            kind="referral",
            title=_("Referral to %(partner)s: %(step)s")
            % {
                "partner": event.referral.partner.name,
                "step": event.get_to_status_display() or event.get_kind_display(),
            },
            meta=_name(event.by),
            url=reverse("referrals:detail", args=[event.referral.code]),
        )
        for event in events
    ]


def _notifications(actor, person, limit):
    from feltbok.notifications import selectors as notifications
    from feltbok.notifications.models import NotificationEvent

    if not actor.can(Perm.RAISE_CONCERN):
        return []
    events = (
        NotificationEvent.objects.filter(
            notification__in=notifications.visible(actor).filter(person=person)
        )
        .select_related("notification__notification_type", "by")
        .order_by("-occurred_at")[:limit]
    )
    return [
        TimelineItem(
            at=event.occurred_at,
            kind="notification",
            title=f"{event.notification.notification_type} · {event.get_step_display()}",
            meta=_name(event.by),
            url=reverse("notifications:detail", args=[event.notification.code]),
        )
        for event in events
    ]
