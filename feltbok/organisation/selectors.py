"""Reads of field areas, places and environments, scoped to the actor's service."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from feltbok.core.access import Perm, get_scoped_or_404, scoped
from feltbok.organisation.models import Environment, FieldArea, Place

# A tile host: letters, digits, dots and dashes, perhaps a {s} subdomain and a port.
_TILE_HOST = re.compile(r"^(\{s\}\.)?([a-z0-9-]+\.)*[a-z0-9-]+(:\d{1,5})?$", re.IGNORECASE)


@dataclass
class AreaOverview:
    current: list[FieldArea]
    upcoming: list[FieldArea]
    historic: list[FieldArea]


def area_overview(actor, day=None) -> AreaOverview:
    """Every field area of the service, split into in force, coming and ended (history)."""
    actor.require(Perm.VIEW_MAP)
    day = day or timezone.localdate()
    areas = (
        scoped(actor, FieldArea)
        .annotate(
            place_count=Count("places", filter=Q(places__is_active=True), distinct=True),
            environment_count=Count(
                "environments", filter=Q(environments__is_active=True), distinct=True
            ),
        )
        .order_by("name", "-valid_from")
    )
    overview = AreaOverview(current=[], upcoming=[], historic=[])
    for area in areas:
        if area.valid_from > day:
            overview.upcoming.append(area)
        elif area.valid_to is not None and area.valid_to < day:
            overview.historic.append(area)
        else:
            overview.current.append(area)
    return overview


def area_for(actor, code) -> FieldArea:
    actor.require(Perm.VIEW_MAP)
    return get_scoped_or_404(actor, FieldArea, code=code)


def area_places(actor, area) -> list[Place]:
    """The area's places, in use first."""
    actor.require(Perm.VIEW_MAP)
    return list(scoped(actor, Place).filter(area=area).order_by("-is_active", "name"))


def area_environments(actor, area) -> list[Environment]:
    actor.require(Perm.VIEW_MAP)
    return list(
        scoped(actor, Environment)
        .filter(area=area)
        .prefetch_related(Prefetch("places", queryset=Place.objects.order_by("name")))
        .order_by("-is_active", "name")
    )


def area_versions(actor, area) -> list[FieldArea]:
    """Every version of an area (the same name), newest first: its history."""
    actor.require(Perm.VIEW_MAP)
    return list(scoped(actor, FieldArea).filter(name__iexact=area.name).order_by("-valid_from"))


def areas_in_use(actor, day=None):
    """Areas in force on `day` (today): the ones places and environments can be put in."""
    day = day or timezone.localdate()
    return scoped(actor, FieldArea).valid_on(day).order_by("name")


def place_for(actor, code) -> Place:
    actor.require(Perm.VIEW_MAP)
    return get_scoped_or_404(actor, Place.objects.select_related("area"), code=code)


def environment_for(actor, code) -> Environment:
    actor.require(Perm.VIEW_MAP)
    return get_scoped_or_404(
        actor, Environment.objects.select_related("area").prefetch_related("places"), code=code
    )


def environments(actor) -> list[Environment]:
    """Every environment, followed ones first, with its area and places."""
    actor.require(Perm.VIEW_MAP)
    return list(
        scoped(actor, Environment)
        .select_related("area")
        .prefetch_related(Prefetch("places", queryset=Place.objects.order_by("name")))
        .order_by("-is_active", "name")
    )


def places_for_choice(actor, day=None):
    """Places in use in areas in force: what an environment can include."""
    day = day or timezone.localdate()
    return (
        scoped(actor, Place)
        .filter(is_active=True, area__in=areas_in_use(actor, day))
        .select_related("area")
        .order_by("area__name", "name")
    )


def tile_origin(url: str) -> str:
    """The origin of a tile URL template for the CSP (`https://*.host` for `{s}`), or "".

    Only an https template with {z}, {x} and {y} and a plain host name is used; anything
    else shows the map on a plain background rather than weakening the policy.
    """
    url = (url or "").strip()
    if not all(part in url for part in ("{z}", "{x}", "{y}")):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme != "https" or parts.username or parts.password:
        return ""
    if not _TILE_HOST.match(parts.netloc):
        return ""
    return f"https://{parts.netloc.replace('{s}', '*').lower()}"


def map_data(actor, day=None) -> dict:
    """What the map draws: areas in force and their places in use.

    Returns the data for `json_script` plus the same areas and places as plain rows for
    the list below the map (the accessible alternative).
    """
    actor.require(Perm.VIEW_MAP)
    day = day or timezone.localdate()
    areas = list(
        areas_in_use(actor, day).prefetch_related(
            Prefetch(
                "places",
                queryset=Place.objects.filter(is_active=True).order_by("name"),
                to_attr="active_places",
            )
        )
    )
    tiles_url = actor.service.map_tile_url.strip()
    origin = tile_origin(tiles_url)
    data = {
        "tiles": tiles_url if origin else "",
        "areas": [{"name": area.name, "boundary": area.boundary} for area in areas],
        "places": [
            {
                "name": place.name,
                "kind": place.get_kind_display(),
                "area": area.name,
                "safety": f"⚠ {place.safety_note}" if place.safety_note else "",
                "lon": place.point["coordinates"][0],
                "lat": place.point["coordinates"][1],
            }
            for area in areas
            for place in area.active_places
            if place.point
        ],
    }
    return {"data": data, "areas": areas, "tile_origin": origin}
