from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import ServiceOwnedModel


def default_threshold():
    return settings.FELTBOK_SUPPRESSION_THRESHOLD


class StatisticsSettings(ServiceOwnedModel):
    """A service's disclosure-control setting. Without a row, the site default applies."""

    suppression_threshold = models.PositiveSmallIntegerField(
        _("smallest count shown"),
        default=default_threshold,
        validators=[MinValueValidator(3), MaxValueValidator(20)],
        help_text=_("Counts from 1 up to one below this are hidden in statistics and exports."),
    )

    class Meta:
        verbose_name = _("statistics settings")
        verbose_name_plural = _("statistics settings")
        constraints = [
            models.UniqueConstraint(fields=["service"], name="statistics_settings_once"),
            models.CheckConstraint(
                condition=models.Q(suppression_threshold__gte=3)
                & models.Q(suppression_threshold__lte=20),
                name="statistics_threshold_range",
            ),
        ]

    def __str__(self):
        return f"{self.service_id}: {self.suppression_threshold}"


# --- Roll-ups for the statistics engine (docs/adr: statistics roll-ups) ----------------------
# Derived data, rebuilt from encounters at any time (`manage.py rebuild_rollups`). Database
# triggers mark a (service, day) as stale in the same transaction as any write to the rows it
# is built from; reports.rollups recomputes the stale days before the engine reads.


class RollupStaleDay(models.Model):
    """A service's day whose roll-up rows no longer match the encounters."""

    # No foreign-key constraint in the database: the triggers insert these rows while other
    # tables are emptied (a test database's flush deletes services before encounters on
    # SQLite), and a stale mark for a service that is gone is harmless (it recomputes nothing).
    service = models.ForeignKey(
        "organisation.Service", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "day"], name="rollup_stale_day_once")
        ]

    def __str__(self):
        return f"{self.service_id} {self.day}"


class _RollupDims(models.Model):
    """The dimensions every roll-up row carries (plain ids: the rows are derived data)."""

    service_id = models.IntegerField()
    day = models.DateField()
    area_id = models.IntegerField()
    team_id = models.IntegerField(null=True)
    shift = models.CharField(max_length=10)
    outreach_mode = models.CharField(max_length=10)
    age_band = models.CharField(max_length=8)
    gender = models.CharField(max_length=10)
    # The encounter's topics as JSON text, matched like the plain query does.
    topics_text = models.TextField()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.service_id} {self.day}"


class ContactRollup(_RollupDims):
    """Encounters per day and dimensions; age band and gender are the tally's."""

    kind = models.CharField(max_length=12)
    encounters = models.IntegerField()
    contacts = models.IntegerField()
    head_count = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["service_id", "day"], name="contactrollup_day_idx")]


class PersonRollup(_RollupDims):
    """Known persons in encounters per day and dimensions; age band and gender are the
    person's."""

    kind = models.CharField(max_length=12)
    persons = models.IntegerField()  # rows of persons in encounters
    first_contacts = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["service_id", "day"], name="personrollup_day_idx")]


class PersonDayRollup(_RollupDims):
    """One row per person, day and dimensions: distinct persons are counted from these."""

    person_id = models.IntegerField()
    # New persons are counted as distinct persons with a first contact, like the plain query.
    first_contact = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["service_id", "day"], name="persondayrollup_day_idx")]
