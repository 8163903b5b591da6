from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
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
    # A joint patrol: staff of these services walk with us; each service keeps its own records.
    partner_services = models.ManyToManyField(
        "organisation.Service",
        blank=True,
        related_name="joint_patrols",
        verbose_name=_("joint with"),
    )
    high_visibility = models.BooleanField(
        _("high visibility (vests)"),
        default=False,
        help_text=_("A visible, preventive effort in high-visibility vests."),
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


class OutreachMode(models.TextChoices):
    OPEN = "open", _("Open outreach")
    TARGETED = "targeted", _("Targeted outreach")


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
    # The date in the service's time zone, kept with the row: statistics group by it without
    # converting every timestamp (which SQLite does row by row in Python).
    local_date = models.DateField(_("date"), editable=False)
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
    # Only when the service has turned exact locations on (off by default): the phone's
    # position when the contact was recorded, to about a metre.
    latitude = models.DecimalField(
        _("latitude"), max_digits=7, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    visit = models.ForeignKey(
        "AreaVisit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="encounters",
        verbose_name=_("area visit"),
    )
    place = models.ForeignKey(
        "organisation.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="encounters",
        verbose_name=_("place"),
    )
    outreach_mode = models.CharField(
        _("outreach"), max_length=10, choices=OutreachMode.choices, default=OutreachMode.OPEN
    )
    # An anonymous tally by age band and gender (both empty for other kinds).
    age_band = models.CharField(_("age band"), max_length=8, blank=True)
    gender = models.CharField(_("gender"), max_length=10, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

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
            models.Index(fields=["service", "occurred_at"], name="encounter_time_idx"),
            # Contacts per area and week (reports.selectors.weekly_contacts_by_area).
            models.Index(fields=["service", "local_date", "area"], name="encounter_day_area_idx"),
            models.Index(fields=["patrol", "-occurred_at"], name="encounter_patrol_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.occurred_at is not None:
            self.local_date = timezone.localtime(self.occurred_at).date()
        super().save(*args, **kwargs)

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


class ShiftTemplate(ServiceOwnedModel):
    """A recurring patrol slot: the weekly rota is generated from these."""

    name = models.CharField(_("name"), max_length=80)
    shift = models.CharField(_("shift"), max_length=10, choices=Shift.choices)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), help_text=_("0 is Monday, 6 is Sunday.")
    )
    start_time = models.TimeField(_("starts"))
    end_time = models.TimeField(
        _("ends"), help_text=_("An end before the start means the next day (a night patrol).")
    )
    patrol_count = models.PositiveSmallIntegerField(_("patrols"), default=1)
    team = models.ForeignKey(
        "organisation.Team", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("team")
    )
    areas = models.ManyToManyField("organisation.FieldArea", blank=True, verbose_name=_("areas"))

    class Meta:
        verbose_name = _("shift template")
        verbose_name_plural = _("shift templates")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="shifttemplate_weekday"
            ),
            models.CheckConstraint(
                condition=Q(patrol_count__gte=1, patrol_count__lte=12),
                name="shifttemplate_patrol_count",
            ),
        ]

    def __str__(self):
        return self.name


class PlannedPatrol(ServiceOwnedModel):
    """A patrol in the rota. It may be short of staff while planned, never when started."""

    date = models.DateField(_("date"))
    shift = models.CharField(_("shift"), max_length=10, choices=Shift.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    template = models.ForeignKey(
        ShiftTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned",
        verbose_name=_("shift template"),
    )
    team = models.ForeignKey(
        "organisation.Team", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("team")
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="PlannedStaff",
        related_name="planned_patrols",
        verbose_name=_("staff"),
    )
    areas = models.ManyToManyField("organisation.FieldArea", blank=True, verbose_name=_("areas"))
    partner_services = models.ManyToManyField(
        "organisation.Service",
        blank=True,
        related_name="planned_joint_patrols",
        verbose_name=_("joint with"),
    )
    high_visibility = models.BooleanField(_("high visibility (vests)"), default=False)
    effort = models.CharField(
        _("extra effort"),
        max_length=120,
        blank=True,
        help_text=_("A period or project of extra field work this patrol belongs to."),
    )
    patrol = models.OneToOneField(
        Patrol,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan",
        verbose_name=_("patrol"),
    )

    class Meta:
        verbose_name = _("planned patrol")
        verbose_name_plural = _("planned patrols")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="plannedpatrol_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["service", "date"], name="plannedpatrol_date_idx")]

    def __str__(self):
        return f"{self.date} {self.get_shift_display()}"


class PlannedStaff(models.Model):
    """One staff member on a planned patrol; from another service on a joint patrol."""

    planned_patrol = models.ForeignKey(PlannedPatrol, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    service = models.ForeignKey("organisation.Service", on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("planned staff")
        verbose_name_plural = _("planned staff")
        constraints = [
            models.UniqueConstraint(
                fields=["planned_patrol", "user"], name="plannedstaff_once_per_patrol"
            )
        ]

    def __str__(self):
        return f"{self.user_id} on {self.planned_patrol_id}"


class AreaVisit(ServiceOwnedModel):
    """A patrol's stay in one field area (and perhaps one place in it)."""

    patrol = models.ForeignKey(
        Patrol, on_delete=models.PROTECT, related_name="visits", verbose_name=_("patrol")
    )
    area = models.ForeignKey(
        "organisation.FieldArea", on_delete=models.PROTECT, verbose_name=_("field area")
    )
    place = models.ForeignKey(
        "organisation.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("place"),
    )
    arrived_at = models.DateTimeField(_("arrived"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("area visit")
        verbose_name_plural = _("area visits")
        ordering = ["arrived_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=F("arrived_at")),
                name="areavisit_leaves_after_arrival",
            ),
        ]

    def __str__(self):
        return f"{self.area_id} {self.arrived_at:%H:%M}"


class Mood(models.TextChoices):
    CALM = "calm", _("Calm")
    LIVELY = "lively", _("Lively")
    TENSE = "tense", _("Tense")
    HOSTILE = "hostile", _("Hostile")


class Substance(models.TextChoices):
    ALCOHOL = "alcohol", _("Alcohol")
    CANNABIS = "cannabis", _("Cannabis")
    OPIOIDS = "opioids", _("Heroin or other opioids")
    STIMULANTS = "stimulants", _("Amphetamine, cocaine")
    BENZODIAZEPINES = "benzodiazepines", _("Pills (benzodiazepines)")
    OTHER = "other", _("Other substances")


class EnvironmentObservation(ServiceOwnedModel):
    """What the patrol saw of an environment during a visit: described soberly."""

    visit = models.ForeignKey(
        AreaVisit, on_delete=models.PROTECT, related_name="observations", verbose_name=_("visit")
    )
    environment = models.ForeignKey(
        "organisation.Environment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="observations",
        verbose_name=_("environment"),
    )
    observed_at = models.DateTimeField(_("time"))
    people_present = models.PositiveSmallIntegerField(_("people present"), null=True, blank=True)
    age_mix = models.JSONField(_("age mix"), default=list, blank=True)
    mood = models.CharField(_("mood"), max_length=10, choices=Mood.choices, blank=True)
    substances = models.JSONField(_("substances seen"), default=list, blank=True)
    note = models.CharField(_("anything new"), max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("environment observation")
        verbose_name_plural = _("environment observations")
        ordering = ["observed_at"]

    def __str__(self):
        return f"{self.environment_id} {self.observed_at:%Y-%m-%d %H:%M}"


class IncidentKind(models.TextChoices):
    OVERDOSE = "overdose", _("Overdose")
    VIOLENCE = "violence", _("Violence")
    THREAT = "threat", _("Threat")
    WEAPON = "weapon", _("Weapon")
    ACUTE_ILLNESS = "acute_illness", _("Acute illness")
    OTHER = "other", _("Other incident")


class IncidentAction(models.TextChoices):
    """What the staff did: the seeds' first aid, naloxone, calling ambulance or police."""

    FIRST_AID = "first_aid", _("First aid")
    NALOXONE = "naloxone", _("Naloxone given")
    CPR = "cpr", _("CPR")
    AMBULANCE = "ambulance", _("Ambulance called")
    POLICE = "police", _("Police called")
    ESCORTED = "escorted", _("Escorted to help (emergency room, shelter)")
    DE_ESCALATED = "de_escalated", _("Calmed the situation")
    LEFT = "left", _("Staff withdrew for their own safety")


class IncidentNote(ServiceOwnedModel):
    """An incident on patrol: what happened, what was done, who was involved and affected."""

    patrol = models.ForeignKey(
        Patrol, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("patrol")
    )
    visit = models.ForeignKey(
        AreaVisit, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("visit")
    )
    area = models.ForeignKey(
        "organisation.FieldArea", on_delete=models.PROTECT, verbose_name=_("field area")
    )
    occurred_at = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    note = models.CharField(_("what happened"), max_length=1000)
    actions = models.JSONField(_("actions taken"), default=list, blank=True)
    place = models.ForeignKey(
        "organisation.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("place"),
    )
    persons = models.ManyToManyField(
        "people.Person",
        through="IncidentPerson",
        related_name="incidents",
        verbose_name=_("persons involved"),
    )
    staff_affected = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="incidents_affecting",
        verbose_name=_("staff affected"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["occurred_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=IncidentKind.values), name="incident_known_kind"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def action_labels(self):
        labels = dict(IncidentAction.choices)
        return [labels[action] for action in self.actions if action in labels]


class IncidentPerson(models.Model):
    """A person involved in an incident (of the incident's service)."""

    service = models.ForeignKey("organisation.Service", on_delete=models.PROTECT)
    incident = models.ForeignKey(IncidentNote, on_delete=models.CASCADE)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("person in incident")
        verbose_name_plural = _("persons in incidents")
        constraints = [
            models.UniqueConstraint(fields=["incident", "person"], name="incident_person_once")
        ]
        indexes = [models.Index(fields=["person", "incident"], name="incidentperson_person_idx")]

    def __str__(self):
        return f"{self.person_id} @ {self.incident_id}"


class Debrief(ServiceOwnedModel):
    """The pair's short account after the patrol, and the follow-ups it calls for."""

    patrol = models.OneToOneField(
        Patrol, on_delete=models.PROTECT, related_name="debrief", verbose_name=_("patrol")
    )
    text = models.TextField(_("debrief"), max_length=4000, blank=True)
    follow_ups = models.JSONField(_("follow-ups"), default=list, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("debrief")
        verbose_name_plural = _("debriefs")

    def __str__(self):
        return f"{self.patrol_id}"


class FollowUpTime(ServiceOwnedModel):
    """Time spent on follow-up work (not on patrol), for field vs follow-up hours."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff"),
    )
    date = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    note = models.CharField(_("what"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("follow-up time")
        verbose_name_plural = _("follow-up time")
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=960), name="followuptime_minutes"
            ),
        ]
        indexes = [models.Index(fields=["service", "date"], name="followuptime_date_idx")]

    def __str__(self):
        return f"{self.user_id} {self.date} {self.minutes}"
