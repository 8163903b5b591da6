from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import ServiceOwnedModel


class Shift(models.TextChoices):
    DAY = "day", _("Day")
    EVENING = "evening", _("Evening")
    NIGHT = "night", _("Night")


class PatrolStatus(models.TextChoices):
    ACTIVE = "active", _("Under way")
    ENDED = "ended", _("Ended")


class Patrol(ServiceOwnedModel):
    """A patrol: always two staff or more.

    The two-person rule is held by the database itself: two required members that must
    differ. Further members (a third worker, a peer worker) go in `other_members`.
    """

    team = models.ForeignKey(
        "organisation.Team", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("team")
    )
    date = models.DateField(_("date"))
    shift = models.CharField(_("shift"), max_length=10, choices=Shift.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=PatrolStatus.choices, default=PatrolStatus.ACTIVE
    )
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    first_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("first member"),
    )
    second_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("second member"),
    )
    other_members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("other members")
    )
    areas = models.ManyToManyField(
        "organisation.FieldArea", related_name="patrols", verbose_name=_("field areas")
    )

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-started_at"]
        constraints = [
            # Two-person rule: never a patrol of one.
            models.CheckConstraint(
                condition=~Q(first_member=F("second_member")), name="patrol_two_distinct_members"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="patrol_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status="active", ended_at__isnull=True)
                | Q(status="ended", ended_at__isnull=False),
                name="patrol_status_matches_end",
            ),
        ]
        indexes = [
            models.Index(fields=["service", "status", "-started_at"], name="patrol_active_idx"),
            models.Index(fields=["service", "date"], name="patrol_date_idx"),
        ]

    def __str__(self):
        return f"{self.date} {self.get_shift_display()}"

    @property
    def is_active(self):
        return self.status == PatrolStatus.ACTIVE

    def member_ids(self):
        return {self.first_member_id, self.second_member_id} | {
            user.pk for user in self.other_members.all()
        }


class EncounterKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual contact")
    GROUP = "group", _("Group contact")
    ANONYMOUS = "anonymous", _("Anonymous head count")


class Topic(models.TextChoices):
    CONVERSATION = "conversation", _("Conversation")
    FOOD = "food", _("Food or drink")
    INFORMATION = "information", _("Information")
    ESCORT = "escort", _("Escort")
    HOUSING = "housing", _("Housing, a place to sleep")
    HEALTH = "health", _("Health")
    SUBSTANCES = "substances", _("Drugs and alcohol")
    REFERRAL = "referral", _("Connected to another service")


class Encounter(ServiceOwnedModel):
    """A contact on patrol: with known persons, a group, or an anonymous head count."""

    patrol = models.ForeignKey(
        Patrol, on_delete=models.PROTECT, related_name="encounters", verbose_name=_("patrol")
    )
    occurred_at = models.DateTimeField(_("time"))
    area = models.ForeignKey(
        "organisation.FieldArea",
        on_delete=models.PROTECT,
        related_name="encounters",
        verbose_name=_("field area"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EncounterKind.choices)
    head_count = models.PositiveSmallIntegerField(_("head count"), default=0)
    # Persons plus head count, kept with the row so statistics sum one table.
    contact_count = models.PositiveSmallIntegerField(_("contacts"))
    persons = models.ManyToManyField(
        "people.Person",
        through="EncounterPerson",
        related_name="encounters",
        verbose_name=_("persons"),
    )
    topics = models.JSONField(_("topics"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("encounter")
        verbose_name_plural = _("encounters")
        ordering = ["-occurred_at"]
        constraints = [
            # Every encounter counts at least one person.
            models.CheckConstraint(condition=Q(contact_count__gte=1), name="encounter_counts"),
            models.CheckConstraint(
                condition=~Q(kind="anonymous") | Q(head_count__gte=1),
                name="encounter_anonymous_has_head_count",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EncounterKind.values), name="encounter_known_kind"
            ),
        ]
        indexes = [
            # Contacts per area and week (reports.selectors.weekly_contacts_by_area).
            models.Index(fields=["service", "occurred_at"], name="encounter_time_idx"),
            models.Index(fields=["patrol", "-occurred_at"], name="encounter_patrol_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def topic_labels(self):
        labels = dict(Topic.choices)
        return [labels[topic] for topic in self.topics if topic in labels]


class EncounterPerson(models.Model):
    service = models.ForeignKey("organisation.Service", on_delete=models.PROTECT)
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT)
    first_contact = models.BooleanField(_("first contact"), default=False)

    class Meta:
        verbose_name = _("person in encounter")
        verbose_name_plural = _("persons in encounters")
        constraints = [
            models.UniqueConstraint(fields=["encounter", "person"], name="encounter_person_once")
        ]
        indexes = [
            # A person's timeline.
            models.Index(fields=["person", "encounter"], name="encounterperson_person_idx"),
        ]

    def __str__(self):
        return f"{self.person_id} in {self.encounter_id}"
