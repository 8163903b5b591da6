"""Reads of field work, scoped to the actor's service."""

from django.db.models import Count, Prefetch
from django.http import Http404
from django.utils import timezone

from feltbok.accounts.models import User
from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, scoped
from feltbok.fieldwork.models import AreaVisit, Encounter, EncounterPerson, IncidentNote, Patrol
from feltbok.fieldwork.services import PATROL_ROLES
from feltbok.organisation.models import Environment, FieldArea, Place
from feltbok.people.models import Person


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


def partner_patrols(actor):
    """Joint patrols run by other services where the actor's service is a partner."""
    return Patrol.objects.filter(partner_services=actor.service_id)


def patrol_for(actor, code) -> Patrol:
    actor.require(Perm.VIEW_PATROLS)
    # By its code (the unique index), then visibility: "own OR partner" in SQL makes SQLite
    # scan every patrol of the service.
    queryset = Patrol.objects.select_related(
        "service", "first_member", "second_member"
    ).prefetch_related(
        "other_members",
        "partner_services",
        Prefetch("areas", queryset=FieldArea.objects.order_by("name")),
    )
    patrol = queryset.filter(code=code).first()
    partner = patrol is not None and any(
        service.pk == actor.service_id for service in patrol.partner_services.all()
    )
    if patrol is None or (patrol.service_id != actor.service_id and not partner):
        raise Http404
    return patrol


def current_visit(patrol):
    """The area visit under way: arrived, not yet left."""
    return (
        AreaVisit.objects.filter(patrol=patrol, left_at__isnull=True)
        .select_related("area", "place")
        .order_by("-arrived_at")
        .first()
    )


def visit_in(patrol, area):
    """The visit under way if it is in `area`: a contact there belongs to it."""
    visit = current_visit(patrol)
    return visit if visit is not None and visit.area_id == area.pk else None


def patrol_visits(patrol):
    return list(
        AreaVisit.objects.filter(patrol=patrol)
        .select_related("area", "place")
        .order_by("-arrived_at")
    )


def patrol_incidents(actor, patrol):
    """The incidents the actor's service recorded in the patrol (each keeps its own)."""
    return list(
        scoped(actor, IncidentNote)
        .filter(patrol=patrol)
        .select_related("area")
        .order_by("-occurred_at")
    )


def places_for(patrol):
    return Place.objects.filter(area__in=patrol.areas.all(), is_active=True).order_by("name")


def environments_for(patrol):
    return Environment.objects.filter(area__in=patrol.areas.all(), is_active=True).order_by("name")


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


def default_area(patrol):
    """Where the patrol is now: the visit under way, else the last contact's area, else the
    patrol's first area. One or two small queries, whatever the patrol holds."""
    visit = AreaVisit.objects.filter(patrol=patrol, left_at__isnull=True).order_by("-arrived_at")
    area_id = visit.values_list("area_id", flat=True).first()
    if area_id is None:
        latest = Encounter.objects.filter(patrol=patrol).order_by("-occurred_at")
        area_id = latest.values_list("area_id", flat=True).first()
    areas = list(patrol.areas.all())
    return next((area for area in areas if area.pk == area_id), areas[0] if areas else None)


def persons_met(actor, patrol):
    """Persons of the actor's service met on this patrol (to link to an incident)."""
    return (
        scoped(actor, Person)
        .filter(pk__in=EncounterPerson.objects.filter(encounter__patrol=patrol).values("person"))
        .order_by("nickname", "description")
    )


def patrol_members(patrol):
    return User.objects.filter(pk__in=patrol.member_ids()).order_by("first_name", "last_name")


# --- Incidents -------------------------------------------------------------------------------

INCIDENT_LIST_LIMIT = 200


def _incidents(actor):
    return (
        scoped(actor, IncidentNote)
        .select_related("area", "place", "recorded_by", "patrol")
        .prefetch_related(
            Prefetch("persons", queryset=Person.objects.order_by("nickname", "description")),
            "staff_affected",
        )
        .order_by("-occurred_at")
    )


def incidents(actor, *, kind="", start=None, end=None):
    """The service's incidents, newest first (at most 200), by kind and date."""
    actor.require(Perm.VIEW_INCIDENTS)
    found = _incidents(actor)
    if kind:
        found = found.filter(kind=kind)
    if start:
        found = found.filter(occurred_at__date__gte=start)
    if end:
        found = found.filter(occurred_at__date__lte=end)
    return list(found[:INCIDENT_LIST_LIMIT])


def incident_for(actor, code) -> IncidentNote:
    """One incident, its reading in the audit log with the persons it names."""
    actor.require(Perm.VIEW_INCIDENTS)
    try:
        incident = _incidents(actor).get(code=code)
    except IncidentNote.DoesNotExist as exc:
        raise Http404 from exc
    log_action(
        actor,
        AuditAction.READ,
        incident,
        detail={"persons": [str(person.code) for person in incident.persons.all()]},
    )
    return incident
