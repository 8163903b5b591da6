"""Lectures and teaching given by the service's staff (issue 6, scope 6).

Part of the activity statistics: what the team taught, to whom and for how many. No persons
the service works with are recorded here; only the staff who gave the lecture.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import ServiceOwnedModel

MAX_ATTENDING = 10_000


class Audience(models.TextChoices):
    SCHOOLS = "schools", _("Schools")
    PARENTS = "parents", _("Parents")
    PARTNERS = "partners", _("Partner services")
    POLITICIANS = "politicians", _("Politicians")
    STUDENTS = "students", _("Students")
    OTHER = "other", _("Other")


class Lecture(ServiceOwnedModel):
    date = models.DateField(_("date"))
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    topic = models.CharField(_("topic"), max_length=200)
    attending = models.PositiveIntegerField(_("number attending"))
    given_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="lectures_given", verbose_name=_("given by")
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("lecture")
        verbose_name_plural = _("lectures")
        ordering = ["-date", "-created_at"]
        indexes = [
            # The list and the statistics measure: one service's lectures in a period.
            models.Index(fields=["service", "date"], name="lecture_service_date"),
        ]
        constraints = [
            # Backs services.record_lecture: a known audience and a plausible head count.
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values), name="lecture_known_audience"
            ),
            models.CheckConstraint(
                condition=Q(attending__lte=MAX_ATTENDING), name="lecture_attending_plausible"
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.topic}"
