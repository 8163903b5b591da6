from django import forms
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin
from feltbok.oncall.models import (
    CallerType,
    Channel,
    Feedback,
    LineKind,
    Outcome,
    Sign,
    Urgency,
    WalkInTopic,
    Weekday,
)
from feltbok.oncall.services import CONCERN_MAX, NOTE_MAX, WHEN_MAX, WHERE_MAX

# Form fields accept a little more than the service allows, so that an oversized text gets
# the service's own message ("at most N characters") rather than being cut.
SLACK = 10

STAFF_CHANNELS = [(value, label) for value, label in Channel.choices if value != "public_form"]
STAFF_CALLERS = [(value, label) for value, label in CallerType.choices if value != "unknown"]


def _area(rows=3):
    return forms.Textarea(attrs={"rows": rows, "cols": 20})


class InquiryForm(DesignSystemMixin, forms.Form):
    """Logging a call: the few fields a coordinator fills in while on the phone."""

    caller_type = forms.ChoiceField(
        label=_("Who is calling"), choices=STAFF_CALLERS, widget=forms.RadioSelect
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, widget=forms.RadioSelect
    )
    concern = forms.CharField(
        label=_("What the concern is"), max_length=CONCERN_MAX + SLACK, widget=_area()
    )
    where = forms.CharField(
        label=_("Where the person can be found"), max_length=WHERE_MAX + SLACK, required=False
    )
    when = forms.CharField(label=_("When"), max_length=WHEN_MAX + SLACK, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=STAFF_CHANNELS, initial=Channel.PHONE)
    reporter_name = forms.CharField(label=_("Caller's name"), max_length=130, required=False)
    reporter_phone = forms.CharField(
        label=_("Caller's phone"),
        max_length=50,
        required=False,
        help_text=_("Removed after the service's retention period."),
    )


class DispatchForm(DesignSystemMixin, forms.Form):
    # Codes, looked up by the view, so that a patrol that has ended or belongs to another
    # service gets the service's own message instead of a bare "invalid choice".
    patrol = forms.UUIDField(label=_("Patrol under way"), required=False, widget=forms.RadioSelect)
    assignee = forms.UUIDField(label=_("Or a staff member"), required=False)
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX + SLACK, required=False)

    def __init__(self, *args, patrols=(), staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patrol"].widget.choices = [
            (
                str(p.code),
                f"{p.get_shift_display()} · {p.first_member.get_full_name()}, "
                f"{p.second_member.get_full_name()}"
                + (" · " + ", ".join(a.name for a in p.areas.all()) if p.areas.all() else ""),
            )
            for p in patrols
        ]
        self.fields["assignee"].widget = forms.Select(
            choices=[("", "—")] + [(str(u.code), u.get_full_name() or u.email) for u in staff],
            attrs={"class": "ds-input"},
        )


class NoteForm(DesignSystemMixin, forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=NOTE_MAX + SLACK, required=False, widget=_area(2)
    )


class CloseForm(DesignSystemMixin, forms.Form):
    prefix = "close"

    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    note = forms.CharField(
        label=_("What was done"), max_length=NOTE_MAX + SLACK, required=False, widget=_area(2)
    )


class FeedbackForm(DesignSystemMixin, forms.Form):
    prefix = "feedback"

    feedback = forms.ChoiceField(
        label=_("What the caller may be told"), choices=Feedback.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("Why"), max_length=310)


class PersonSearchForm(DesignSystemMixin, forms.Form):
    q = forms.CharField(label=_("Nickname"), max_length=100, required=False)


class WalkInForm(DesignSystemMixin, forms.Form):
    occurred_at = forms.DateTimeField(
        label=_("Time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now."),
    )
    who = forms.CharField(
        label=_("Who, if known"),
        max_length=130,
        required=False,
        help_text=_("A nickname or a description; nothing identifying is needed."),
    )
    known_person = forms.CharField(
        label=_("Known person (nickname)"),
        max_length=100,
        required=False,
        help_text=_("Links the visit to a person the service knows by this exact nickname."),
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=WalkInTopic.choices)
    outcome = forms.CharField(
        label=_("Outcome"), max_length=2000 + SLACK, required=False, widget=_area(2)
    )
    follow_up_needed = forms.BooleanField(label=_("Follow-up needed"), required=False)
    follow_up = forms.CharField(label=_("What follow-up"), max_length=510, required=False)


class SettingsForm(DesignSystemMixin, forms.Form):
    public_slug = forms.SlugField(
        label=_("Address of the public form"),
        max_length=60,
        help_text=_("The last part of the public form's address: /concern/<this>/."),
    )
    public_form_enabled = forms.BooleanField(label=_("Public concern form open"), required=False)
    phone = forms.CharField(label=_("On-call number"), max_length=40, required=False)
    walk_in_address = forms.CharField(label=_("Walk-in address"), max_length=160, required=False)
    reporter_retention_days = forms.IntegerField(
        label=_("Keep reporters' contact details (days)"), min_value=1, max_value=365
    )


class HoursForm(DesignSystemMixin, forms.Form):
    prefix = "hours"

    kind = forms.ChoiceField(label=_("Line"), choices=LineKind.choices)
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=Weekday.choices, coerce=int)
    opens = forms.TimeField(label=_("Opens"), widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(
        label=_("Closes"),
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("At or before the opening time: the next morning."),
    )


class ExceptionForm(DesignSystemMixin, forms.Form):
    prefix = "exception"

    kind = forms.ChoiceField(label=_("Line"), choices=LineKind.choices)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    closed = forms.BooleanField(label=_("Closed all day"), required=False, initial=True)
    opens = forms.TimeField(
        label=_("Opens"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    closes = forms.TimeField(
        label=_("Closes"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    note = forms.CharField(label=_("Note"), max_length=130, required=False)


class ConcernForm(DesignSystemMixin, forms.Form):
    """The public form. Limits are checked by the service, so each gets a clear message."""

    signs = forms.MultipleChoiceField(
        label=_("What have you noticed?"),
        choices=Sign.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick what fits. People rarely show only one of these signs."),
    )
    concern = forms.CharField(
        label=_("Tell us about your concern"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 20, "maxlength": CONCERN_MAX}),
        required=False,
        help_text=_("Describe the person and what worries you. Do not write more than needed."),
    )
    where = forms.CharField(
        label=_("Where can the person be found?"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": WHERE_MAX}),
    )
    when = forms.CharField(
        label=_("When is the person usually there?"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": WHEN_MAX}),
    )
    caller_type = forms.ChoiceField(
        label=_("You are"),
        choices=[("", _("Rather not say"))]
        + [
            (value, label)
            for value, label in CallerType.choices
            if value in ("citizen", "relative", "partner", "self")
        ],
        required=False,
    )
    reporter_name = forms.CharField(
        label=_("Your name"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 120, "autocomplete": "name"}),
    )
    reporter_phone = forms.CharField(
        label=_("Your phone"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 40, "autocomplete": "tel", "type": "tel"}),
    )
    reporter_email = forms.CharField(
        label=_("Your e-mail"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 254, "autocomplete": "email", "type": "email"}),
    )
    # The honeypot: hidden from people (and from screen readers); bots fill it in.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
