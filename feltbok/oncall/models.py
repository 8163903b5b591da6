"""The on-call line, walk-in visits and public concern reports (DESIGN §2.5–2.6).

Opening hours are data per service (weekly rows plus dated exceptions); an inquiry moves
new → dispatched → being followed up → closed with an outcome, and every step is an
`InquiryEvent` with who and when.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import ServiceOwnedModel

DEFAULT_RETENTION_DAYS = 30


class LineKind(models.TextChoices):
    ON_CALL = "oncall", _("On-call line")
    WALK_IN = "walkin", _("Walk-in")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OncallSettings(ServiceOwnedModel):
    """The service's on-call settings (one row per service; defaults when missing)."""

    public_slug = models.SlugField(
        _("address of the public form"),
        max_length=60,
        unique=True,
        help_text=_("The last part of the public form's address: /concern/<this>/."),
    )
    public_form_enabled = models.BooleanField(_("public concern form open"), default=True)
    phone = models.CharField(_("on-call number"), max_length=40, blank=True)
    walk_in_address = models.CharField(_("walk-in address"), max_length=160, blank=True)
    reporter_retention_days = models.PositiveSmallIntegerField(
        _("keep reporters' contact details (days)"),
        default=DEFAULT_RETENTION_DAYS,
        help_text=_("The caller's or reporter's name, phone and e-mail are removed after this."),
    )
    time_zone = models.CharField(_("time zone"), max_length=40, default="Europe/Oslo")

    class Meta:
        verbose_name = _("on-call settings")
        verbose_name_plural = _("on-call settings")
        constraints = [
            models.UniqueConstraint(fields=["service"], name="oncallsettings_one_per_service"),
            # Backs up the form: details kept from one day up to a year.
            models.CheckConstraint(
                condition=Q(reporter_retention_days__gte=1, reporter_retention_days__lte=365),
                name="oncallsettings_retention_in_range",
            ),
        ]

    def __str__(self):
        return self.public_slug


class OpeningHours(ServiceOwnedModel):
    """One weekly opening period. `closes` at or before `opens` means after midnight."""

    kind = models.CharField(_("line"), max_length=10, choices=LineKind.choices)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(
        _("closes"), help_text=_("At or before the opening time: the next morning.")
    )

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["kind", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LineKind.values), name="hours_known_kind"),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="hours_known_weekday"
            ),
            models.UniqueConstraint(
                fields=["service", "kind", "weekday", "opens"], name="hours_unique_period"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.get_weekday_display()} {self.opens}–{self.closes}"

    @property
    def past_midnight(self):
        return self.closes <= self.opens


class OpeningException(ServiceOwnedModel):
    """A date with other hours than the week's: closed (a holiday) or different hours."""

    kind = models.CharField(_("line"), max_length=10, choices=LineKind.choices)
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed all day"), default=True)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("opening exception")
        verbose_name_plural = _("opening exceptions")
        ordering = ["date", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "kind", "date"], name="hoursexception_one_per_day"
            ),
            # Either closed, or both times given.
            models.CheckConstraint(
                condition=Q(closed=True, opens__isnull=True, closes__isnull=True)
                | Q(closed=False, opens__isnull=False, closes__isnull=False),
                name="hoursexception_closed_or_times",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date}"


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    PUBLIC_FORM = "public_form", _("Public form")
    WALK_IN = "walk_in", _("Walk-in")
    EMAIL = "email", _("E-mail")


class CallerType(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    VISITOR = "visitor", _("Visitor")
    RELATIVE = "relative", _("Relative")
    PARTNER = "partner", _("Partner service")
    POLICE = "police", _("Police")
    SELF = "self", _("The person themself")
    UNKNOWN = "unknown", _("Not stated")


class Urgency(models.TextChoices):
    ACUTE = "acute", _("Acute")
    TODAY = "today", _("Today")
    THIS_WEEK = "week", _("This week")


# The board's order: acute first.
URGENCY_RANK = {Urgency.ACUTE: 0, Urgency.TODAY: 1, Urgency.THIS_WEEK: 2}


class InquiryStatus(models.TextChoices):
    NEW = "new", _("New")
    DISPATCHED = "dispatched", _("Dispatched")
    FOLLOWING_UP = "following_up", _("Being followed up")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (InquiryStatus.NEW, InquiryStatus.DISPATCHED, InquiryStatus.FOLLOWING_UP)


class Outcome(models.TextChoices):
    MET = "met", _("Met the person")
    NOT_FOUND = "not_found", _("Looked, not found")
    REFERRED = "referred", _("Passed on to another service")
    ALREADY_KNOWN = "known", _("Already followed up by us")
    NO_ACTION = "no_action", _("No action needed")
    DUPLICATE = "duplicate", _("Same as another inquiry")


class Feedback(models.TextChoices):
    """What the caller may be told: a recorded decision, because of confidentiality."""

    NONE = "none", _("Nothing may be told")
    RECEIVED = "received", _("Only that the inquiry was received")
    FOLLOWED_UP = "followed_up", _("That it was followed up")


class Sign(models.TextChoices):
    """Signs of living isolated, as Det Opsøgende Team lists them."""

    NEVER_OUTSIDE = "never_outside", _("Never goes outside")
    WANDERS = "wanders", _("Wanders restlessly")
    NIGHT_DAY = "night_day", _("Day and night reversed")
    SUBSTANCES = "substances", _("Takes drugs and drinks")
    STRANGE = "strange", _("Behaves strangely, says odd things")
    HYGIENE = "hygiene", _("Problems with personal hygiene")
    ISOLATED = "isolated", _("Isolated and alone")
    SHY = "shy", _("Seems shy and without contact with others")
    NO_CONTACT = "no_contact", _("Little or no contact with the outside world")
    LOUD_MUSIC = "loud_music", _("Plays loud music and makes noise at night")
    EVICTION = "eviction", _("Close to eviction or already evicted")


class Inquiry(ServiceOwnedModel):
    """A call, form, e-mail or walk-in about someone, followed up to its end."""

    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    caller_type = models.CharField(_("who contacted us"), max_length=10, choices=CallerType.choices)
    concern = models.TextField(_("what the concern is"), max_length=4000)
    signs = models.JSONField(_("signs"), default=list, blank=True)
    where = models.CharField(_("where the person can be found"), max_length=300, blank=True)
    when = models.CharField(_("when"), max_length=200, blank=True)
    urgency = models.CharField(_("urgency"), max_length=6, choices=Urgency.choices)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name=_("person"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=InquiryStatus.choices, default=InquiryStatus.NEW
    )
    received_at = models.DateTimeField(_("received"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    first_dispatched_at = models.DateTimeField(_("first dispatched"), null=True, blank=True)
    patrol = models.ForeignKey(
        "fieldwork.Patrol",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name=_("dispatched to patrol"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dispatched to"),
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    feedback = models.CharField(
        _("feedback to the caller"), max_length=12, choices=Feedback.choices, blank=True
    )
    feedback_reason = models.CharField(_("why"), max_length=300, blank=True)
    # The caller's or reporter's own details: removed after the service's retention period.
    reporter_name = models.CharField(_("reporter's name"), max_length=120, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=40, blank=True)
    reporter_email = models.CharField(_("reporter's e-mail"), max_length=254, blank=True)
    reporter_purged_at = models.DateTimeField(
        _("reporter's details removed"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InquiryStatus.values), name="inquiry_known_status"
            ),
            models.CheckConstraint(
                condition=Q(urgency__in=Urgency.values), name="inquiry_known_urgency"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="inquiry_known_channel"
            ),
            # Closed ⇔ an outcome and a time.
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False) & ~Q(outcome="")
                | ~Q(status="closed") & Q(closed_at__isnull=True, outcome=""),
                name="inquiry_closed_has_outcome",
            ),
            # Sent to a patrol or to one person, never both.
            models.CheckConstraint(
                condition=Q(patrol__isnull=True) | Q(assignee__isnull=True),
                name="inquiry_one_dispatch_target",
            ),
            # Dispatched or later ⇔ a first dispatch time (response time is measured from it).
            models.CheckConstraint(
                condition=Q(status="new", first_dispatched_at__isnull=True)
                | ~Q(status="new") & Q(first_dispatched_at__isnull=False)
                | Q(status="closed"),
                name="inquiry_dispatch_time",
            ),
            models.CheckConstraint(
                condition=Q(first_dispatched_at__isnull=True)
                | Q(first_dispatched_at__gte=F("received_at")),
                name="inquiry_dispatched_after_received",
            ),
            # A feedback decision always carries its reason.
            models.CheckConstraint(
                condition=Q(feedback="") | ~Q(feedback_reason=""),
                name="inquiry_feedback_has_reason",
            ),
        ]
        indexes = [
            # The dispatch board: open inquiries of the service.
            models.Index(fields=["service", "status", "received_at"], name="inquiry_board_idx"),
            # Patrol mode: open inquiries sent to one patrol.
            models.Index(fields=["patrol", "status"], name="inquiry_patrol_idx"),
            # "Sent to me".
            models.Index(fields=["service", "assignee", "status"], name="inquiry_assignee_idx"),
            # The retention sweep: details still held, oldest first.
            models.Index(
                fields=["received_at"],
                name="inquiry_reporter_held_idx",
                condition=Q(reporter_purged_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.received_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def response_time(self):
        """Received → first dispatch, or None while nobody has been sent."""
        if self.first_dispatched_at is None:
            return None
        return self.first_dispatched_at - self.received_at

    @property
    def has_reporter_details(self):
        return bool(self.reporter_name or self.reporter_phone or self.reporter_email)

    def sign_labels(self):
        labels = dict(Sign.choices)
        return [labels.get(value, value) for value in self.signs]


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    DISPATCHED = "dispatched", _("Dispatched")
    FOLLOWING_UP = "following_up", _("Being followed up")
    NOTE = "note", _("What was done")
    CLOSED = "closed", _("Closed")
    FEEDBACK = "feedback", _("Feedback decided")
    PERSON = "person", _("Person linked")
    PURGED = "purged", _("Reporter's details removed")


class InquiryEvent(ServiceOwnedModel):
    """One dated step of an inquiry, with who took it (none for the public form)."""

    inquiry = models.ForeignKey(
        Inquiry, on_delete=models.PROTECT, related_name="events", verbose_name=_("inquiry")
    )
    kind = models.CharField(_("what"), max_length=12, choices=EventKind.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    patrol = models.ForeignKey(
        "fieldwork.Patrol",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("patrol"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to"),
    )
    occurred_at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("inquiry event")
        verbose_name_plural = _("inquiry events")
        ordering = ["occurred_at", "pk"]

    def __str__(self):
        return f"{self.inquiry_id} {self.kind}"


class WalkInTopic(models.TextChoices):
    CONVERSATION = "conversation", _("Conversation")
    SOCIAL_ADVICE = "advice", _("Social advice")
    FOLLOW_UP = "follow_up", _("Follow-up")
    COOPERATION = "cooperation", _("Cooperation with a partner")
    HOUSING = "housing", _("Housing, a place to sleep")
    HEALTH = "health", _("Health")
    SUBSTANCES = "substances", _("Drugs and alcohol")
    OTHER = "other", _("Other")


class WalkInVisit(ServiceOwnedModel):
    """A conversation with someone who came in without an appointment."""

    occurred_at = models.DateTimeField(_("time"))
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="walk_ins",
        verbose_name=_("person"),
    )
    who = models.CharField(_("who, if known"), max_length=120, blank=True)
    topic = models.CharField(_("topic"), max_length=12, choices=WalkInTopic.choices)
    outcome = models.TextField(_("outcome"), max_length=2000, blank=True)
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)
    follow_up = models.CharField(_("what follow-up"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("walk-in visit")
        verbose_name_plural = _("walk-in visits")
        ordering = ["-occurred_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(topic__in=WalkInTopic.values), name="walkin_known_topic"
            ),
            # Follow-up needed ⇔ it says what.
            models.CheckConstraint(
                condition=Q(follow_up_needed=False, follow_up="")
                | Q(follow_up_needed=True) & ~Q(follow_up=""),
                name="walkin_follow_up_says_what",
            ),
        ]
        indexes = [
            models.Index(fields=["service", "-occurred_at"], name="walkin_day_idx"),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_topic_display()}"


class SubmissionWindow(models.Model):
    """How many concerns one client sent in one fixed window: the public form's rate limit.

    In the database, not in a process's memory, so every worker of the server counts the same
    client together. The client is a keyed hash of its address; the address is never stored.
    Rows of past windows are deleted as new windows start.
    """

    client = models.CharField(max_length=32)
    window_start = models.BigIntegerField()  # in seconds since the epoch
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "window_start"], name="submission_window_once"
            )
        ]
        indexes = [models.Index(fields=["window_start"], name="submission_window_idx")]

    def __str__(self):
        return f"{self.client[:8]}… {self.window_start}: {self.count}"
