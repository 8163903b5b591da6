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
