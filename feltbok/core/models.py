"""The base every model holding service data builds on."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimestampedModel(models.Model):
    """A public UUID `code` (used in URLs and the API, never the primary key) and timestamps."""

    code = models.UUIDField(_("code"), default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class ServiceOwnedModel(TimestampedModel):
    """Data that belongs to one service. Every query for it goes through core.access."""

    service = models.ForeignKey(
        "organisation.Service", on_delete=models.PROTECT, verbose_name=_("service")
    )

    class Meta:
        abstract = True
