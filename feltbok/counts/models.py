"""Count campaigns (mappings of homeless people): definitions, observations, merges.

An observation is one sighting of one person by one source. Each person is counted once: a
later observation of the same person (the same `Person`, or the same de-duplication key within
the campaign) is merged into the first, with a trail (`Merge`) that can be undone.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import ServiceOwnedModel, TimestampedModel
from feltbok.counts.definitions import ETHOS_LIGHT
from feltbok.people.models import Gender


class Definition(models.Model):
    """A count definition (ETHOS Light, a national count): shared by all services, seeded."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country"), max_length=2, blank=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("count definition")
        verbose_name_plural = _("count definitions")
        ordering = ["order", "code"]

    def __str__(self):
        return gettext(self.name)

    @property
    def display_description(self):
        return gettext(self.description) if self.description else ""


class Category(models.Model):
    """A sleeping situation in one definition, mapped to an ETHOS Light category (0 = outside)."""

    definition = models.ForeignKey(
        Definition,
        on_delete=models.CASCADE,
        related_name="categories",
        verbose_name=_("definition"),
    )
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=200)
    ethos = models.PositiveSmallIntegerField(_("ETHOS Light category"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("count category")
        verbose_name_plural = _("count categories")
        ordering = ["definition", "order"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "code"], name="count_category_code"),
            # Every category maps to one of ETHOS Light's six, or to 0 = outside ETHOS Light.
            models.CheckConstraint(condition=Q(ethos__lte=6), name="count_category_ethos_range"),
        ]

    def __str__(self):
        return gettext(self.label)

    @property
    def ethos_label(self):
        return gettext(ETHOS_LIGHT[self.ethos])


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


def new_salt():
    return secrets.token_hex(32)


class Campaign(ServiceOwnedModel):
    """One count: a definition, a time window and a status (observations only while open)."""

    name = models.CharField(_("name"), max_length=120)
    definition = models.ForeignKey(
        Definition, on_delete=models.PROTECT, related_name="+", verbose_name=_("definition")
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED
    )
    # The per-campaign secret of the de-duplication key: never shown, never exported.
    dedup_salt = models.CharField(max_length=64, default=new_salt, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("count campaign")
        verbose_name_plural = _("count campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_window_order"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CampaignStatus.values), name="campaign_known_status"
            ),
        ]
        indexes = [
            # The campaign list of a service, newest first.
            models.Index(fields=["service", "-starts_on"], name="campaign_service_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_open(self):
        return self.status == CampaignStatus.OPEN


class Source(models.TextChoices):
    PATROL = "patrol", _("Patrol")
    SHELTER = "shelter", _("Shelter or emergency accommodation")
    PARTNER = "partner", _("Partner")
    OTHER = "other", _("Other")


class CountAgeBand(models.TextChoices):
    UNDER_18 = "0-17", _("Under 18")
    FROM_18 = "18-24", _("18–24")
    FROM_25 = "25-34", _("25–34")
    FROM_35 = "35-49", _("35–49")
    FROM_50 = "50-65", _("50–65")
    OVER_65 = "66+", _("66 or older")
    UNKNOWN = "unknown", _("Unknown age")

    @classmethod
    def for_age(cls, age: int) -> "CountAgeBand":
        for band in cls:
            if band == cls.UNKNOWN:
                continue
            low, _sep, high = band.value.partition("-")
            if age >= int(low.rstrip("+")) and (not high or age <= int(high)):
                return band
        return cls.UNDER_18


class Comorbidity(models.TextChoices):
    NONE = "none", _("Neither")
    SUBSTANCE = "substance", _("Substance use")
    MENTAL = "mental", _("Mental illness")
    BOTH = "both", _("Both (co-morbidity)")
    UNKNOWN = "unknown", _("Not known")


class Duration(models.TextChoices):
    UNDER_3_MONTHS = "lt3m", _("Under 3 months")
    UP_TO_1_YEAR = "3-12m", _("3–12 months")
    UP_TO_2_YEARS = "1-2y", _("1–2 years")
    OVER_2_YEARS = "gt2y", _("More than 2 years")
    UNKNOWN = "unknown", _("Not known")


class Observation(ServiceOwnedModel):
    """One person seen by one source during a campaign: known, or anonymous with a hashed key."""

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="observations",
        verbose_name=_("campaign"),
    )
    observed_on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    source_name = models.CharField(
        _("name of the source"),
        max_length=120,
        blank=True,
        help_text=_("The shelter or partner that reported, if not a patrol."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    # HMAC-SHA256 of initials + birth year + gender under the campaign's salt. The initials and
    # the birth year are not stored.
    dedup_hash = models.CharField(max_length=64, blank=True, editable=False)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("sleeping situation")
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    age_band = models.CharField(_("age band"), max_length=8, choices=CountAgeBand.choices)
    comorbidity = models.CharField(
        _("substance use and mental illness"), max_length=10, choices=Comorbidity.choices
    )
    duration = models.CharField(
        _("homeless for"), max_length=8, choices=Duration.choices, default=Duration.UNKNOWN
    )
    children = models.PositiveSmallIntegerField(_("children with them"), default=0)
    area = models.ForeignKey(
        "organisation.FieldArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("field area"),
    )
    place = models.ForeignKey(
        "organisation.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("place"),
    )
    # Set while this observation is counted as a duplicate of another (the first seen).
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("merged into"),
    )

    class Meta:
        verbose_name = _("count observation")
        verbose_name_plural = _("count observations")
        ordering = ["observed_on", "created_at", "pk"]
        constraints = [
            # A person is either known or described by a de-duplication key.
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(dedup_hash=""),
                name="observation_person_or_key",
            ),
            models.CheckConstraint(
                condition=Q(gender__in=Gender.values), name="observation_known_gender"
            ),
            models.CheckConstraint(
                condition=Q(age_band__in=CountAgeBand.values), name="observation_known_age_band"
            ),
            models.CheckConstraint(
                condition=Q(comorbidity__in=Comorbidity.values),
                name="observation_known_comorbidity",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="observation_not_merged_into_self"
            ),
        ]
        indexes = [
            # Duplicate look-ups when recording: same key or same person within the campaign.
            models.Index(fields=["campaign", "dedup_hash"], name="observation_key_idx"),
            models.Index(fields=["campaign", "person"], name="observation_person_idx"),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.observed_on}"

    @property
    def is_woman(self):
        return self.gender == Gender.FEMALE


class Merge(TimestampedModel):
    """The trail of one merge: which observations were counted as one, by whom, when; undoable."""

    service = models.ForeignKey(
        "organisation.Service", on_delete=models.PROTECT, verbose_name=_("service")
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="merges", verbose_name=_("campaign")
    )
    primary = models.ForeignKey(
        Observation, on_delete=models.PROTECT, related_name="+", verbose_name=_("kept")
    )
    merged = models.ManyToManyField(Observation, related_name="merges", verbose_name=_("merged"))
    automatic = models.BooleanField(_("found automatically"), default=True)
    basis = models.CharField(_("basis"), max_length=10)  # "person" or "key"
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-created_at", "-pk"]
