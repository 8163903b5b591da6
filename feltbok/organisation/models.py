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
