"""Follow-up of a person over months: episodes, contact persons, needs, goals, plan, notes,
tasks, commissions, and programmes the person takes part in.

Written only through followup.services (which audits); read through followup.selectors.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import ServiceOwnedModel, TimestampedModel

# A person has at most this many contact persons at a time (the seeds: "1–2 fixed").
MAX_CONTACT_PERSONS = 2
DEFAULT_INACTIVE_AFTER_DAYS = 90


class FollowUpSettings(TimestampedModel):
    """A service's follow-up rules. Missing row = the defaults."""

    service = models.OneToOneField(
        "organisation.Service",
        on_delete=models.PROTECT,
        related_name="followup_settings",
        verbose_name=_("service"),
    )
    inactive_after_days = models.PositiveSmallIntegerField(
        _("inactive after (days without contact)"),
        default=DEFAULT_INACTIVE_AFTER_DAYS,
        help_text=_("An open follow-up with no contact for this many days is listed as inactive."),
    )
    share_details_with_workers = models.BooleanField(
        _("all workers see follow-up details"),
        default=False,
        help_text=_(
            "Off: only contact persons and team leads see needs, goals, plan and notes; "
            "other workers see that the person is in follow-up and with whom."
        ),
    )

    class Meta:
        verbose_name = _("follow-up settings")
        verbose_name_plural = _("follow-up settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(inactive_after_days__gte=1, inactive_after_days__lte=3650),
                name="followupsettings_inactive_days_range",
            ),
        ]

    def __str__(self):
        return f"{self.service_id}"


class EndReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    HANDED_OVER = "handed_over", _("Handed over to another service")
    MOVED = "moved", _("Moved / home municipality")
    DECLINED = "declined", _("Declined contact")
    NO_CONTACT = "no_contact", _("No contact for a long time")
    OTHER = "other", _("Other")


class Episode(ServiceOwnedModel):
    """One period of follow-up of one person, from start to end."""

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="followup_episodes",
        verbose_name=_("person"),
    )
    started_on = models.DateField(_("started"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(
        _("reason for ending"), max_length=12, choices=EndReason.choices, blank=True
    )
    end_note = models.CharField(_("note on ending"), max_length=500, blank=True)
    plan = models.TextField(_("plan"), blank=True)
    # Optimistic locking of the plan: an edit from an older version is refused.
    plan_version = models.PositiveIntegerField(_("plan version"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("started by"),
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-started_on"]
        constraints = [
            # One open follow-up per person (a person belongs to one service).
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(ended_on__isnull=True),
                name="episode_one_open_per_person",
            ),
            # An episode cannot end before it starts.
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="episode_ends_after_start",
            ),
            # An ended episode says why; an open one has no reason.
            models.CheckConstraint(
                condition=(Q(ended_on__isnull=True) & Q(end_reason=""))
                | (Q(ended_on__isnull=False) & ~Q(end_reason="")),
                name="episode_end_reason_when_ended",
            ),
        ]
        indexes = [
            # Open episodes of a service (inactive list, my follow-ups).
            models.Index(
                fields=["service", "started_on"],
                condition=Q(ended_on__isnull=True),
                name="episode_open_idx",
            ),
        ]

    def __str__(self):
        return f"{self.person} ({self.started_on:%Y-%m-%d})"

    @property
    def is_open(self):
        return self.ended_on is None


class PlanVersion(models.Model):
    """Every saved version of an episode's plan, newest with the highest number."""

    service = models.ForeignKey("organisation.Service", on_delete=models.PROTECT)
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="plan_versions", verbose_name=_("episode")
    )
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("plan"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("edited by"),
    )
    edited_at = models.DateTimeField(_("edited"))

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "version"], name="planversion_once"),
        ]

    def __str__(self):
        return f"{self.episode_id} v{self.version}"


class ContactAssignment(TimestampedModel):
    """A staff member as contact person of an episode, from a date to a date (history kept)."""

    service = models.ForeignKey("organisation.Service", on_delete=models.PROTECT)
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("episode")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="followup_assignments",
        verbose_name=_("contact person"),
    )
    assigned_from = models.DateField(_("from"))
    assigned_to = models.DateField(_("to"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assigned by"),
    )

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["assigned_from", "pk"]
        constraints = [
            # A staff member is a current contact person of an episode at most once.
            models.UniqueConstraint(
                fields=["episode", "user"],
                condition=Q(assigned_to__isnull=True),
                name="assignment_current_once",
            ),
            models.CheckConstraint(
                condition=Q(assigned_to__isnull=True) | Q(assigned_to__gte=F("assigned_from")),
                name="assignment_ends_after_start",
            ),
        ]
        indexes = [
            # "My follow-ups": a user's current assignments.
            models.Index(
                fields=["user", "service"],
                condition=Q(assigned_to__isnull=True),
                name="assignment_current_idx",
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.episode_id}"

    @property
    def is_current(self):
        return self.assigned_to is None


class NeedKind(models.TextChoices):
    SLEEP_TONIGHT = "sleep_tonight", _("A place to sleep tonight")
    FOOD = "food", _("Food")
    HOUSING = "housing", _("Housing")
    FINANCES = "finances", _("Finances")
    TREATMENT = "treatment", _("Treatment")
    HEALTH = "health", _("Health")
    WORK_SCHOOL = "work_school", _("Work or school")
    LEISURE = "leisure", _("Leisure")
    FAMILY = "family", _("Family")
    TALK = "talk", _("Someone to talk to")
    OTHER = "other", _("Other")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    MET = "met", _("Met")
    NOT_RELEVANT = "not_relevant", _("No longer relevant")


class Need(TimestampedModel):
    service = models.ForeignKey("organisation.Service", on_delete=models.PROTECT)
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="needs", verbose_name=_("episode")
    )
    kind = models.CharField(_("need"), max_length=16, choices=NeedKind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=14, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    recorded_on = models.DateField(_("recorded"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["recorded_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=NeedKind.values), name="need_known_kind"),
            models.CheckConstraint(
                condition=Q(status__in=NeedStatus.values), name="need_known_status"
            ),
        ]

    def __str__(self):
        return self.get_kind_display()


class NeedChange(models.Model):
    """A dated change of a need's status."""

    service = models.ForeignKey("organisation.Service", on_delete=models.PROTECT)
    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="changes", verbose_name=_("need")
    )
    status = models.CharField(_("status"), max_length=14, choices=NeedStatus.choices)
    changed_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("change of need")
        verbose_name_plural = _("changes of needs")
        ordering = ["changed_on", "pk"]

    def __str__(self):
        return f"{self.need_id} → {self.status}"


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Working on it")
    REACHED = "reached", _("Reached")
    CHANGED = "changed", _("Changed")
    DROPPED = "dropped", _("Dropped")


class Goal(TimestampedModel):
    service = models.ForeignKey("organisation.Service", on_delete=models.PROTECT)
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="goals", verbose_name=_("episode")
    )
    own_words = models.CharField(
        _("the goal in the person's own words"),
        max_length=500,
        help_text=_("Write what the person says they want, as they say it."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=GoalStatus.choices, default=GoalStatus.ACTIVE
    )
    status_changed_on = models.DateField(_("status since"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=GoalStatus.values), name="goal_known_status"
            ),
        ]

    def __str__(self):
        return self.own_words[:40]


class Note(TimestampedModel):
    """A follow-up note. A note about contact with the person counts as contact."""

    service = models.ForeignKey("organisation.Service", on_delete=models.PROTECT)
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="notes", verbose_name=_("episode")
    )
    text = models.TextField(_("note"), max_length=4000)
    written_on = models.DateField(_("date"))
    was_contact = models.BooleanField(
        _("contact with the person"),
        default=True,
        help_text=_("A meeting, call or message with the person (counts as contact)."),
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-written_on", "-pk"]
        indexes = [
            # Last contact of open episodes (selectors.inactive_episodes).
            models.Index(fields=["episode", "was_contact", "written_on"], name="note_contact_idx"),
        ]

    def __str__(self):
        return f"{self.episode_id} {self.written_on}"


class DeclinedContact(ServiceOwnedModel):
    """The person said no to follow-up. The door stays ajar: they may be approached again."""

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="declined_contacts",
        verbose_name=_("person"),
    )
    episode = models.ForeignKey(
        Episode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="declines",
        verbose_name=_("follow-up"),
    )
    declined_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("declined contact")
        verbose_name_plural = _("declined contacts")
        ordering = ["-declined_on", "-pk"]

    def __str__(self):
        return f"{self.person_id} {self.declined_on}"


class TaskKind(models.TextChoices):
    FOLLOW_UP = "follow_up", _("Follow-up task")
    OUTREACH = "outreach", _("Targeted outreach: find the person")


class Task(ServiceOwnedModel):
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("follow-up")
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=TaskKind.choices, default=TaskKind.FOLLOW_UP
    )
    title = models.CharField(_("what"), max_length=200)
    due_on = models.DateField(_("due"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="followup_tasks",
        verbose_name=_("owner"),
    )
    # Targeted outreach: where and when the person usually is.
    places = models.ManyToManyField(
        "organisation.Place", blank=True, related_name="+", verbose_name=_("usual places")
    )
    usual_times = models.CharField(_("usual times"), max_length=200, blank=True)
    done_on = models.DateField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TaskKind.values), name="task_known_kind"),
            models.CheckConstraint(
                condition=Q(done_on__isnull=True) | Q(done_by__isnull=False),
                name="task_done_by_someone",
            ),
        ]
        indexes = [
            # "My follow-ups": a user's open tasks by due date.
            models.Index(
                fields=["owner", "due_on"],
                condition=Q(done_on__isnull=True),
                name="task_open_by_owner_idx",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_done(self):
        return self.done_on is not None


class CommissionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")


class Commission(ServiceOwnedModel):
    """Work on commission from a social-services case worker (Uppsala)."""

    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="commissions", verbose_name=_("follow-up")
    )
    requested_by = models.CharField(_("case worker"), max_length=120)
    requested_by_organisation = models.CharField(_("organisation"), max_length=120)
    what = models.CharField(_("what is asked"), max_length=500)
    due_on = models.DateField(_("by when"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CommissionStatus.choices,
        default=CommissionStatus.RECEIVED,
    )
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CommissionStatus.values), name="commission_known_status"
            ),
            # A finished commission says what came of it.
            models.CheckConstraint(
                condition=~Q(status__in=["done", "declined"]) | ~Q(outcome=""),
                name="commission_outcome_when_finished",
            ),
        ]

    def __str__(self):
        return self.what[:40]

    @property
    def is_finished(self):
        return self.status in (CommissionStatus.DONE, CommissionStatus.DECLINED)


class Programme(ServiceOwnedModel):
    """A programme of the service, e.g. a cannabis cessation course or a peer project."""

    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=500, blank=True)
    is_active = models.BooleanField(_("running"), default=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "name"], name="programme_unique_name_per_service"
            ),
        ]

    def __str__(self):
        return self.name


class Participation(ServiceOwnedModel):
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="participations",
        verbose_name=_("programme"),
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="programme_participations",
        verbose_name=_("person"),
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["started_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "person"],
                condition=Q(ended_on__isnull=True),
                name="participation_open_once",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="participation_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.person} – {self.programme}"


class SessionAttendance(models.Model):
    """Whether a participant came to a session of the programme on a date."""

    service = models.ForeignKey("organisation.Service", on_delete=models.PROTECT)
    participation = models.ForeignKey(
        Participation,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("participation"),
    )
    date = models.DateField(_("date"))
    attended = models.BooleanField(_("attended"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("session attendance")
        verbose_name_plural = _("session attendance")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "date"], name="attendance_once_per_session"
            ),
        ]

    def __str__(self):
        return f"{self.participation_id} {self.date} {self.attended}"
