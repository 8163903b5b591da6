"""Reads of notifications, audited. Peer workers see only the concerns they recorded."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_noop

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, get_scoped_or_404, scoped
from feltbok.notifications.models import (
    OPEN_STATUSES,
    Decision,
    Notification,
    NotificationCorrection,
    NotificationEvent,
    NotificationType,
)


def visible(actor):
    """The notifications the actor may see: all of the service, or a peer worker's own."""
    actor.require(Perm.RAISE_CONCERN)
    queryset = scoped(actor, Notification)
    if not actor.can(Perm.HANDLE_NOTIFICATIONS):
        queryset = queryset.filter(recorded_by=actor.user)
    return queryset


def types_for(actor):
    """The notification types of the service's country, in their order."""
    return NotificationType.objects.filter(country=actor.service.country, is_active=True)


def _mark(notifications, now):
    for notification in notifications:
        notification.overdue = notification.is_overdue(now)
    return notifications


def open_notification(actor, code) -> Notification:
    """A notification page: 404 outside what the actor may see, audited as a read."""
    queryset = (
        visible(actor)
        .select_related(
            "notification_type",
            "person",
            "recorded_by",
            "assessed_by",
            "decided_by",
            "approved_by",
            "sent_by",
            "followed_up_by",
        )
        .prefetch_related(
            Prefetch("events", queryset=NotificationEvent.objects.select_related("by")),
            Prefetch(
                "corrections",
                queryset=NotificationCorrection.objects.select_related("corrected_by"),
            ),
        )
    )
    notification = get_scoped_or_404(actor, queryset, code=code)
    log_action(
        actor,
        AuditAction.READ,
        notification,
        detail={"person": str(notification.person.code) if notification.person_id else ""},
    )
    return _mark([notification], timezone.now())[0]


def notification_for_update(actor, code) -> Notification:
    return get_scoped_or_404(actor, visible(actor), code=code)


def open_list(actor, limit=200):
    """Open notifications, the nearest deadline first (overdue at the top), audited."""
    now = timezone.now()
    rows = list(
        visible(actor)
        .filter(status__in=OPEN_STATUSES)
        .exclude(decision=Decision.NOT_SEND)
        .select_related("notification_type", "person", "recorded_by")
        .order_by("deadline_at")[:limit]
    )
    # Decided not to send, waiting for the four-eyes approval: no deadline, still open.
    waiting = list(
        visible(actor)
        .filter(status__in=OPEN_STATUSES, decision=Decision.NOT_SEND)
        .select_related("notification_type", "person", "recorded_by")
        .order_by("decided_at")[:limit]
    )
    shown = rows + waiting
    if shown:
        log_action(
            actor,
            AuditAction.SEARCH,
            object_type="notification",
            reason=gettext_noop("open notifications"),
            detail={"results": [str(n.code) for n in shown]},
        )
    return _mark(rows, now), _mark(waiting, now)


def person_panel(actor, person, limit=20):
    """The person page's notifications, or None for a role that may not see them."""
    if not actor.can(Perm.HANDLE_NOTIFICATIONS):
        return None
    rows = list(
        scoped(actor, Notification)
        .filter(person=person)
        .select_related("notification_type")
        .order_by("-concern_at")[:limit]
    )
    return _mark(rows, timezone.now())
