"""Reads of field work, scoped to the actor's service."""

from django.db.models import Count, Prefetch
from django.utils import timezone

from feltbok.accounts.models import User
from feltbok.core.access import Perm, get_scoped_or_404, scoped
from feltbok.fieldwork.models import Encounter, Patrol
from feltbok.fieldwork.services import PATROL_ROLES
from feltbok.organisation.models import FieldArea


def colleagues_of(actor):
    """Field staff of the actor's service who can go on patrol with them."""
    return (
        User.objects.filter(
            memberships__service_id=actor.service_id,
            memberships__role__in=PATROL_ROLES,
            memberships__is_active=True,
            is_active=True,
        )
        .exclude(pk=actor.user.pk)
        .order_by("first_name", "last_name")
    )


def areas_in_use(actor):
    return scoped(actor, FieldArea).valid_on(timezone.localdate()).order_by("name")


def patrol_for(actor, code) -> Patrol:
    actor.require(Perm.VIEW_PATROLS)
    queryset = Patrol.objects.select_related("first_member", "second_member").prefetch_related(
        "other_members", Prefetch("areas", queryset=FieldArea.objects.order_by("name"))
    )
    return get_scoped_or_404(actor, queryset, code=code)


def patrol_encounters(actor, patrol):
    return list(
        scoped(actor, Encounter)
        .filter(patrol=patrol)
        .select_related("area")
        .prefetch_related("persons")
        .order_by("-occurred_at")
    )


def todays_patrols(actor):
    actor.require(Perm.VIEW_PATROLS)
    return list(
        scoped(actor, Patrol)
        .filter(date__gte=timezone.localdate() - timezone.timedelta(days=1))
        .select_related("first_member", "second_member")
        .annotate(contacts=Count("encounters"))
        .order_by("-started_at")[:30]
    )


def default_area(patrol, encounters):
    """The area of the latest contact in this patrol, else the patrol's first area."""
    if encounters:
        return encounters[0].area
    areas = list(patrol.areas.all())
    return areas[0] if areas else None
