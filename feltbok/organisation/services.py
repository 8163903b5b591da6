"""Writes of field areas, places and environments, each in one transaction with its audit.

Where things are: field areas are polygons, places are points. Neither locates a person.
Encounters and area visits store the field area and, at most, a known place — never an
exact position of the person met (DESIGN §2.1, issue 3: zone-level mapping, so that a map
cannot be used against the people the service meets). `Service.exact_location_enabled`
governs person-level positions only; a place's own position is stored as given.
"""

import datetime
import itertools
import json
import math
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, scoped
from feltbok.fieldwork.models import PlannedPatrol, ShiftTemplate
from feltbok.organisation.models import (
    Environment,
    EnvironmentKind,
    FieldArea,
    Place,
    PlaceKind,
    Service,
    validate_point,
    validate_polygon,
)

# A pasted boundary: generous for a hand-drawn polygon, small enough to render on a phone.
MAX_GEOJSON_CHARS = 100_000
MAX_RING_POSITIONS = 2_000
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


class PlacesError(ValueError):
    """Input that breaks a rule of areas and places; the message is shown to the user."""


# -- GeoJSON ------------------------------------------------------------------------------


def _refuse_constant(name):
    raise ValueError(name)


def parse_polygon(text: str) -> dict:
    """A pasted GeoJSON Polygon (bare, as a Feature, or a collection of one) as a geometry.

    Raises PlacesError with a message for the user on anything else.
    """
    message = _(
        "Paste a GeoJSON Polygon, for example "
        '{"type": "Polygon", "coordinates": [[[10.75, 59.91], [10.76, 59.91], '
        "[10.76, 59.92], [10.75, 59.91]]]}."
    )
    if not isinstance(text, str) or not text.strip():
        raise PlacesError(message)
    if len(text) > MAX_GEOJSON_CHARS:
        raise PlacesError(_("The boundary is too large. Simplify the polygon."))
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise PlacesError(message) from exc
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise PlacesError(_("The boundary must be one polygon, not several."))
        data = features[0]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    return clean_polygon(data, message)


def clean_polygon(geometry, message=None) -> dict:
    """A validated Polygon with only `type` and `coordinates` kept."""
    message = message or _(
        "The boundary must be a GeoJSON Polygon with closed rings of longitude/latitude."
    )
    if not isinstance(geometry, dict) or geometry.get("type") != "Polygon":
        raise PlacesError(message)
    rings = geometry.get("coordinates")
    if _has_bool(rings):
        raise PlacesError(message)
    try:
        validate_polygon(geometry)
    except ValidationError as exc:
        raise PlacesError(exc.messages[0]) from exc
    if any(len(ring) > MAX_RING_POSITIONS for ring in rings):
        raise PlacesError(_("The boundary is too large. Simplify the polygon."))
    for ring in rings:
        if len({tuple(position) for position in ring}) < 3:
            raise PlacesError(_("A boundary ring needs at least three different corners."))
    return {"type": "Polygon", "coordinates": rings}


def make_point(longitude, latitude) -> dict:
    """A GeoJSON Point from longitude and latitude, rounded to about 10 cm."""
    values = [longitude, latitude]
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values) or not all(
        math.isfinite(v) for v in values
    ):
        raise PlacesError(_("The position must be a GeoJSON Point of longitude/latitude."))
    return clean_point({"type": "Point", "coordinates": [round(v, 6) for v in values]})


def clean_point(geometry) -> dict:
    if isinstance(geometry, dict) and _has_bool(geometry.get("coordinates")):
        raise PlacesError(_("The position must be a GeoJSON Point of longitude/latitude."))
    try:
        validate_point(geometry)
    except ValidationError as exc:
        raise PlacesError(exc.messages[0]) from exc
    return {"type": "Point", "coordinates": list(geometry["coordinates"])}


def _has_bool(value) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, list):
        return any(_has_bool(item) for item in value)
    return False


def _in_ring(ring, lon, lat) -> bool:
    """Ray casting: is (lon, lat) inside the closed ring (points on an edge count as in)?"""
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if _on_segment(x1, y1, x2, y2, lon, lat):
            return True
        if (y1 > lat) != (y2 > lat):
            crossing = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < crossing:
                inside = not inside
    return inside


def _on_segment(x1, y1, x2, y2, x, y) -> bool:
    cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
    if abs(cross) > 1e-12:
        return False
    return min(x1, x2) - 1e-12 <= x <= max(x1, x2) + 1e-12 and (
        min(y1, y2) - 1e-12 <= y <= max(y1, y2) + 1e-12
    )


def polygon_contains(polygon: dict, point: dict) -> bool:
    """Whether a Point lies in a Polygon: inside the outer ring and outside every hole."""
    lon, lat = point["coordinates"]
    outer, *holes = polygon["coordinates"]
    if not _in_ring(outer, lon, lat):
        return False
    return not any(_in_ring(hole, lon, lat) and not _on_boundary(hole, lon, lat) for hole in holes)


def _on_boundary(ring, lon, lat) -> bool:
    return any(
        _on_segment(x1, y1, x2, y2, lon, lat) for (x1, y1), (x2, y2) in itertools.pairwise(ring)
    )


# -- Text ---------------------------------------------------------------------------------


def _text(value, *, max_length, required_message=None) -> str:
    """Stripped text without control characters; empty only when no message is given."""
    value = (value or "").strip()
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value) or "\x7f" in value:
        raise PlacesError(_("The text contains characters that cannot be stored."))
    if required_message and not value:
        raise PlacesError(required_message)
    if len(value) > max_length:
        raise PlacesError(_("The text can be at most %(max)s characters.") % {"max": max_length})
    return value


def _name_taken(queryset, name) -> bool:
    """Whether a row in `queryset` has `name`, ignoring case the same way on every database.

    (SQLite folds only ASCII letters, so "GRØNLAND" and "Grønland" are compared in Python.)
    """
    wanted = name.casefold()
    return any(other.casefold() == wanted for other in queryset.values_list("name", flat=True))


def _check_date(day, message):
    if not isinstance(day, datetime.date) or not EARLIEST_DATE <= day <= LATEST_DATE:
        raise PlacesError(message)


# -- Field areas --------------------------------------------------------------------------


@dataclass
class AreaData:
    name: str
    boundary: dict
    valid_from: datetime.date


def _check_area(actor, data: AreaData, *, replacing=None) -> AreaData:
    name = _text(data.name, max_length=120, required_message=_("Give the area a name."))
    boundary = clean_polygon(data.boundary)
    _check_date(data.valid_from, _("Enter the date the area applies from."))
    # Two areas in force with the same name would be indistinguishable in statistics.
    others = scoped(actor, FieldArea).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=data.valid_from)
    )
    if replacing is not None:
        others = others.exclude(pk=replacing.pk)
    if _name_taken(others, name):
        raise PlacesError(
            _("An area called %(name)s is in use. Make a new version of it instead.")
            % {"name": name}
        )
    return AreaData(name=name, boundary=boundary, valid_from=data.valid_from)


def create_area(actor, data: AreaData) -> FieldArea:
    """A new field area, in force from `valid_from` until it is ended."""
    actor.require(Perm.MANAGE_PLACES)
    data = _check_area(actor, data)
    with transaction.atomic():
        area = FieldArea.objects.create(
            service_id=actor.service_id,
            name=data.name,
            boundary=data.boundary,
            valid_from=data.valid_from,
        )
        log_action(
            actor,
            AuditAction.CREATE,
            area,
            detail={"name": area.name, "valid_from": area.valid_from.isoformat()},
        )
    return area


@dataclass
class NewVersion:
    area: FieldArea
    moved_places: list[Place] = field(default_factory=list)
    places_left: list[Place] = field(default_factory=list)


def new_area_version(actor, previous: FieldArea, data: AreaData) -> NewVersion:
    """Replace an area by a new version from `valid_from`; the old one is kept as history.

    The previous version ends the day before. Statistics keep using the version that was in
    force when something happened (encounters point at it). Places in use move to the new
    version when they lie inside the new boundary (or have no position); the others stay
    with the old version and are named in the result. Environments followed move along, and
    shift templates and not yet started planned patrols from `valid_from` on use the new
    version.
    """
    actor.require(Perm.MANAGE_PLACES)
    if previous.service_id != actor.service_id:
        raise PlacesError(_("Unknown field area."))
    data = _check_area(actor, data, replacing=previous)
    if data.valid_from <= previous.valid_from:
        raise PlacesError(
            _("The new version must start after %(date)s, when the current one started.")
            % {"date": previous.valid_from.isoformat()}
        )
    if previous.valid_to is not None and previous.valid_to < data.valid_from:
        raise PlacesError(
            _("This area ended on %(date)s. Create a new area instead.")
            % {"date": previous.valid_to.isoformat()}
        )
    with transaction.atomic():
        locked = FieldArea.objects.select_for_update().get(pk=previous.pk)
        if locked.valid_to is not None and locked.valid_to < data.valid_from:
            raise PlacesError(_("This area has just been changed by someone else. Try again."))
        locked.valid_to = data.valid_from - datetime.timedelta(days=1)
        locked.save(update_fields=["valid_to", "updated_at"])
        area = FieldArea.objects.create(
            service_id=actor.service_id,
            name=data.name,
            boundary=data.boundary,
            valid_from=data.valid_from,
        )
        result = NewVersion(area=area)
        for place in scoped(actor, Place).filter(area=locked, is_active=True).order_by("name"):
            if place.point is None or polygon_contains(area.boundary, place.point):
                result.moved_places.append(place)
            else:
                result.places_left.append(place)
        now = timezone.now()
        Place.objects.filter(pk__in=[p.pk for p in result.moved_places]).update(
            area=area, updated_at=now
        )
        scoped(actor, Environment).filter(area=locked, is_active=True).update(
            area=area, updated_at=now
        )
        _swap_area(scoped(actor, ShiftTemplate).filter(areas=locked), locked, area)
        _swap_area(
            scoped(actor, PlannedPatrol).filter(
                areas=locked, date__gte=data.valid_from, patrol__isnull=True
            ),
            locked,
            area,
        )
        log_action(
            actor,
            AuditAction.UPDATE,
            locked,
            detail={"valid_to": locked.valid_to.isoformat(), "replaced_by": str(area.code)},
        )
        log_action(
            actor,
            AuditAction.CREATE,
            area,
            detail={
                "name": area.name,
                "valid_from": area.valid_from.isoformat(),
                "replaces": str(locked.code),
                "places_moved": len(result.moved_places),
            },
        )
    previous.refresh_from_db()
    return result


def _swap_area(queryset, old, new):
    """In every row of `queryset` (with an `areas` relation) put `new` where `old` was."""
    for row in queryset.distinct():
        row.areas.remove(old)
        row.areas.add(new)


def end_area(actor, area: FieldArea, valid_to: datetime.date) -> FieldArea:
    """End an area on `valid_to` (its last day); it stays as history for statistics."""
    actor.require(Perm.MANAGE_PLACES)
    if area.service_id != actor.service_id:
        raise PlacesError(_("Unknown field area."))
    _check_date(valid_to, _("Enter the last day the area applies."))
    if valid_to < area.valid_from:
        raise PlacesError(
            _("The area cannot end before it starts (%(date)s).")
            % {"date": area.valid_from.isoformat()}
        )
    with transaction.atomic():
        updated = FieldArea.objects.filter(pk=area.pk, valid_from__lte=valid_to).update(
            valid_to=valid_to, updated_at=timezone.now()
        )
        if not updated:
            raise PlacesError(_("This area has just been changed by someone else. Try again."))
        area.refresh_from_db()
        log_action(actor, AuditAction.UPDATE, area, detail={"valid_to": valid_to.isoformat()})
    return area


# -- Places -------------------------------------------------------------------------------


@dataclass
class PlaceData:
    area: FieldArea
    name: str
    kind: str
    point: dict | None = None
    description: str = ""
    safety_note: str = ""


def _check_place(actor, data: PlaceData, *, place=None) -> PlaceData:
    if data.area is None or data.area.service_id != actor.service_id:
        raise PlacesError(_("Unknown field area."))
    moved = place is None or data.area.pk != place.area_id
    if moved and data.area.valid_to is not None:
        raise PlacesError(_("This area has ended. Choose an area in use."))
    name = _text(data.name, max_length=120, required_message=_("Give the place a name."))
    if data.kind not in PlaceKind.values:
        raise PlacesError(_("Choose what kind of place it is."))
    description = _text(data.description, max_length=300)
    safety_note = _text(data.safety_note, max_length=200)
    point = None
    if data.point is not None:
        point = clean_point(data.point)
        if not polygon_contains(data.area.boundary, point):
            raise PlacesError(
                _("The position lies outside %(area)s. Check it, or choose another area.")
                % {"area": data.area.name}
            )
    others = scoped(actor, Place).filter(area=data.area)
    if place is not None:
        others = others.exclude(pk=place.pk)
    if _name_taken(others, name):
        raise PlacesError(
            _("%(area)s already has a place called %(name)s.")
            % {"area": data.area.name, "name": name}
        )
    return PlaceData(
        area=data.area,
        name=name,
        kind=data.kind,
        point=point,
        description=description,
        safety_note=safety_note,
    )


def create_place(actor, data: PlaceData) -> Place:
    actor.require(Perm.MANAGE_PLACES)
    data = _check_place(actor, data)
    try:
        with transaction.atomic():
            place = Place.objects.create(
                service_id=actor.service_id,
                area=data.area,
                name=data.name,
                kind=data.kind,
                point=data.point,
                description=data.description,
                safety_note=data.safety_note,
            )
            log_action(
                actor,
                AuditAction.CREATE,
                place,
                detail={"name": place.name, "area": str(data.area.code), "kind": place.kind},
            )
    except IntegrityError as exc:  # the same name saved at the same moment by someone else
        raise PlacesError(
            _("%(area)s already has a place called %(name)s.")
            % {"area": data.area.name, "name": data.name}
        ) from exc
    return place


def update_place(actor, place: Place, data: PlaceData) -> Place:
    actor.require(Perm.MANAGE_PLACES)
    if place.service_id != actor.service_id:
        raise PlacesError(_("Unknown place."))
    data = _check_place(actor, data, place=place)
    before = {
        "area": place.area_id,
        "name": place.name,
        "kind": place.kind,
        "point": place.point,
        "description": place.description,
        "safety_note": place.safety_note,
    }
    place.area = data.area
    place.name = data.name
    place.kind = data.kind
    place.point = data.point
    place.description = data.description
    place.safety_note = data.safety_note
    after = {
        "area": place.area_id,
        "name": place.name,
        "kind": place.kind,
        "point": place.point,
        "description": place.description,
        "safety_note": place.safety_note,
    }
    changed = sorted(key for key in after if after[key] != before[key])
    if not changed:
        return place
    try:
        with transaction.atomic():
            place.save(update_fields=[*changed, "updated_at"])
            log_action(actor, AuditAction.UPDATE, place, detail={"changed": changed})
    except IntegrityError as exc:
        raise PlacesError(
            _("%(area)s already has a place called %(name)s.")
            % {"area": data.area.name, "name": data.name}
        ) from exc
    return place


def set_place_active(actor, place: Place, active: bool) -> Place:
    """Take a place out of use (it stays in history and statistics) or back into use."""
    actor.require(Perm.MANAGE_PLACES)
    if place.service_id != actor.service_id:
        raise PlacesError(_("Unknown place."))
    if active and place.area.valid_to is not None:
        raise PlacesError(_("The place's area has ended. Move the place to an area in use."))
    return _set_active(actor, place, active)


# -- Environments -------------------------------------------------------------------------


@dataclass
class EnvironmentData:
    area: FieldArea
    name: str
    kind: str
    places: list[Place] = field(default_factory=list)
    description: str = ""


def _check_environment(actor, data: EnvironmentData, *, environment=None) -> EnvironmentData:
    if data.area is None or data.area.service_id != actor.service_id:
        raise PlacesError(_("Unknown field area."))
    if (environment is None or data.area.pk != environment.area_id) and (
        data.area.valid_to is not None
    ):
        raise PlacesError(_("This area has ended. Choose an area in use."))
    name = _text(data.name, max_length=120, required_message=_("Give the environment a name."))
    if data.kind not in EnvironmentKind.values:
        raise PlacesError(_("Choose what kind of environment it is."))
    description = _text(data.description, max_length=500)
    places = list({place.pk: place for place in data.places}.values())
    if any(place.service_id != actor.service_id for place in places):
        raise PlacesError(_("Unknown place."))
    if any(place.area_id != data.area.pk for place in places):
        raise PlacesError(_("Choose only places in %(area)s.") % {"area": data.area.name})
    others = scoped(actor, Environment).all()
    if environment is not None:
        others = others.exclude(pk=environment.pk)
    if _name_taken(others, name):
        raise PlacesError(_("There is already an environment called %(name)s.") % {"name": name})
    return EnvironmentData(
        area=data.area, name=name, kind=data.kind, places=places, description=description
    )


def create_environment(actor, data: EnvironmentData) -> Environment:
    actor.require(Perm.MANAGE_PLACES)
    data = _check_environment(actor, data)
    try:
        with transaction.atomic():
            environment = Environment.objects.create(
                service_id=actor.service_id,
                area=data.area,
                name=data.name,
                kind=data.kind,
                description=data.description,
            )
            environment.places.set(data.places)
            log_action(
                actor,
                AuditAction.CREATE,
                environment,
                detail={
                    "name": environment.name,
                    "area": str(data.area.code),
                    "kind": environment.kind,
                    "places": [str(place.code) for place in data.places],
                },
            )
    except IntegrityError as exc:
        raise PlacesError(
            _("There is already an environment called %(name)s.") % {"name": data.name}
        ) from exc
    return environment


def update_environment(actor, environment: Environment, data: EnvironmentData) -> Environment:
    actor.require(Perm.MANAGE_PLACES)
    if environment.service_id != actor.service_id:
        raise PlacesError(_("Unknown environment."))
    data = _check_environment(actor, data, environment=environment)
    before = {
        "area": environment.area_id,
        "name": environment.name,
        "kind": environment.kind,
        "description": environment.description,
    }
    before_places = set(environment.places.values_list("pk", flat=True))
    environment.area = data.area
    environment.name = data.name
    environment.kind = data.kind
    environment.description = data.description
    after = {
        "area": environment.area_id,
        "name": environment.name,
        "kind": environment.kind,
        "description": environment.description,
    }
    changed = sorted(key for key in after if after[key] != before[key])
    places_changed = before_places != {place.pk for place in data.places}
    if not changed and not places_changed:
        return environment
    try:
        with transaction.atomic():
            if changed:
                environment.save(update_fields=[*changed, "updated_at"])
            if places_changed:
                environment.places.set(data.places)
            log_action(
                actor,
                AuditAction.UPDATE,
                environment,
                detail={"changed": [*changed, *(["places"] if places_changed else [])]},
            )
    except IntegrityError as exc:
        raise PlacesError(
            _("There is already an environment called %(name)s.") % {"name": data.name}
        ) from exc
    return environment


def set_environment_active(actor, environment: Environment, active: bool) -> Environment:
    """Stop following an environment (its observations stay) or follow it again."""
    actor.require(Perm.MANAGE_PLACES)
    if environment.service_id != actor.service_id:
        raise PlacesError(_("Unknown environment."))
    if active and environment.area.valid_to is not None:
        raise PlacesError(_("The environment's area has ended. Move it to an area in use first."))
    return _set_active(actor, environment, active)


def _set_active(actor, obj, active: bool):
    """Switch `is_active`; audited only when it changed (a repeated click changes nothing)."""
    with transaction.atomic():
        updated = (
            type(obj)
            .objects.filter(pk=obj.pk)
            .exclude(is_active=active)
            .update(is_active=active, updated_at=timezone.now())
        )
        obj.refresh_from_db()
        if updated:
            log_action(actor, AuditAction.UPDATE, obj, detail={"is_active": active})
    return obj


# --- The service's own settings ----------------------------------------------------------------


def update_service_settings(actor, *, map_tile_url: str, exact_location_enabled: bool):
    """Map tiles and whether contacts may carry an exact position (off by default)."""
    actor.require(Perm.MANAGE_SERVICE)
    map_tile_url = map_tile_url.strip()
    if map_tile_url and not (
        map_tile_url.startswith("https://")
        and all(p in map_tile_url for p in ["{z}", "{x}", "{y}"])
    ):
        raise PlacesError(_("The tile address must start with https:// and hold {z}, {x} and {y}."))
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=actor.service_id)
        changes = {}
        if service.map_tile_url != map_tile_url:
            changes["map_tile_url"] = map_tile_url
        if service.exact_location_enabled != exact_location_enabled:
            changes["exact_location_enabled"] = exact_location_enabled
        if not changes:
            return service
        for name, value in changes.items():
            setattr(service, name, value)
        service.save(update_fields=list(changes))
        log_action(actor, AuditAction.UPDATE, service, object_type="service", detail=changes)
    return service
