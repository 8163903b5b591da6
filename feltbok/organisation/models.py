from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import ServiceOwnedModel, TimestampedModel


class Country(models.TextChoices):
    NORWAY = "NO", _("Norway")
    DENMARK = "DK", _("Denmark")
    SWEDEN = "SE", _("Sweden")


class Service(TimestampedModel):
    """An outreach service (e.g. Uteseksjonen): the owner of all its data."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    language = models.CharField(_("language"), max_length=5, default="nb")
    youth_age_limit = models.PositiveSmallIntegerField(
        _("youth age limit"),
        default=25,
        help_text=_("Upper age of the youth target group (18, 23 or 25 depending on the service)."),
    )
    map_tile_url = models.CharField(
        _("map tile source"),
        max_length=300,
        blank=True,
        help_text=_(
            "A tile URL template such as https://tiles.example/{z}/{x}/{y}.png; "
            "empty shows the areas on a plain background."
        ),
    )
    exact_location_enabled = models.BooleanField(
        _("store exact locations"),
        default=False,
        help_text=_(
            "Off by default: locations are kept at area and place level, so maps "
            "cannot be used against the people the service meets."
        ),
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Team(ServiceOwnedModel):
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="team_unique_name_per_service")
        ]

    def __str__(self):
        return self.name


class FieldAreaQuerySet(models.QuerySet):
    def valid_on(self, day):
        """Areas in force on `day`: areas change, history is kept."""
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class FieldArea(ServiceOwnedModel):
    """A fixed field area of a service, e.g. Vaterland/Grønland, with a GeoJSON polygon."""

    name = models.CharField(_("name"), max_length=120)
    boundary = models.JSONField(
        _("boundary"), help_text=_("A GeoJSON Polygon in WGS 84 (longitude, latitude).")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = FieldAreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("field area")
        verbose_name_plural = _("field areas")
        ordering = ["name"]
        constraints = [
            # An area cannot end before it starts.
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="fieldarea_valid_period",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        validate_polygon(self.boundary)


def validate_polygon(geometry):
    """A GeoJSON Polygon: closed rings of at least four [lon, lat] positions."""
    message = _("The boundary must be a GeoJSON Polygon with closed rings of longitude/latitude.")
    if not isinstance(geometry, dict) or geometry.get("type") != "Polygon":
        raise ValidationError(message)
    rings = geometry.get("coordinates")
    if not isinstance(rings, list) or not rings:
        raise ValidationError(message)
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
            raise ValidationError(message)
        for position in ring:
            if (
                not isinstance(position, list)
                or len(position) != 2
                or not all(isinstance(v, int | float) for v in position)
                or not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90)
            ):
                raise ValidationError(message)


class PlaceKind(models.TextChoices):
    PARKING_GARAGE = "parking_garage", _("Parking garage")
    STATION = "station", _("Station")
    PARK = "park", _("Park")
    DAY_CENTRE = "day_centre", _("Day centre")
    SHELTER = "shelter", _("Shelter")
    VENUE = "venue", _("Nightlife venue")
    STREET = "street", _("Street or square")
    OTHER = "other", _("Other place")


class Place(ServiceOwnedModel):
    """A known place inside a field area: a parking garage, a station, a day centre …"""

    area = models.ForeignKey(
        FieldArea, on_delete=models.PROTECT, related_name="places", verbose_name=_("field area")
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=PlaceKind.choices)
    # A GeoJSON Point for the map; the place, not a person, is located.
    point = models.JSONField(_("position"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    # Shown wherever the place appears, patrol mode first: "never approach alone".
    safety_note = models.CharField(
        _("staff safety"),
        max_length=200,
        blank=True,
        help_text=_("For example: never go in alone; threats against staff in October."),
    )

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "area", "name"], name="place_unique_name_per_area"
            ),
            models.CheckConstraint(condition=Q(kind__in=PlaceKind.values), name="place_known_kind"),
        ]

    def __str__(self):
        return self.name

    @property
    def label_with_safety(self):
        """The name, with the staff-safety warning when there is one: it must not be missed."""
        if self.safety_note:
            return f"⚠ {self.name}: {self.safety_note}"
        return self.name


class EnvironmentKind(models.TextChoices):
    OPEN_DRUG_SCENE = "open_drug_scene", _("Open drug scene")
    YOUTH = "youth", _("Youth hangout")
    NIGHTLIFE = "nightlife", _("Nightlife")
    HOMELESS = "homeless", _("Rough sleepers")
    OTHER = "other", _("Other environment")


class Environment(ServiceOwnedModel):
    """An environment (miljø) the service follows over time, e.g. an open drug scene."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=EnvironmentKind.choices)
    area = models.ForeignKey(
        FieldArea,
        on_delete=models.PROTECT,
        related_name="environments",
        verbose_name=_("field area"),
    )
    places = models.ManyToManyField(Place, blank=True, verbose_name=_("places"))
    description = models.CharField(_("description"), max_length=500, blank=True)
    is_active = models.BooleanField(_("followed"), default=True)

    class Meta:
        verbose_name = _("environment")
        verbose_name_plural = _("environments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "name"], name="environment_unique_name_per_service"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EnvironmentKind.values), name="environment_known_kind"
            ),
        ]

    def __str__(self):
        return self.name


def validate_point(geometry):
    """A GeoJSON Point [lon, lat] in WGS 84."""
    message = _("The position must be a GeoJSON Point of longitude/latitude.")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise ValidationError(message)
    position = geometry.get("coordinates")
    if (
        not isinstance(position, list)
        or len(position) != 2
        or not all(isinstance(v, int | float) for v in position)
        or not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90)
    ):
        raise ValidationError(message)
