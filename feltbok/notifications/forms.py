from django import forms
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin
from feltbok.notifications.models import Channel, Decision

CORRECTABLE_LABELS = [
    ("subject", _("Who it concerns")),
    ("concern", _("Concern")),
    ("assessment", _("Assessment")),
    ("decision_reasons", _("Reasons for the decision")),
    ("approval_note", _("Approval note")),
    ("recipient", _("Sent to")),
    ("follow_up", _("Follow-up")),
]

DATETIME = {"type": "datetime-local"}


class TypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ConcernForm(DesignSystemMixin, forms.Form):
    notification_type = TypeChoiceField(
        label=_("Kind of notification"),
        queryset=None,
        empty_label=None,
        to_field_name="code",
        widget=forms.RadioSelect,
        error_messages={
            "required": _(
                "Choose the kind of notification: without a legal basis nothing can be recorded."
            ),
            "invalid_choice": _("Choose a kind of notification that applies to this service."),
        },
    )
    subject = forms.CharField(
        label=_("Who it concerns"),
        max_length=300,
        required=False,
        help_text=_("When the person is not registered: a description without a name."),
    )
    concern = forms.CharField(
        label=_("The concern"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 20}),
        help_text=_("What you saw or heard, when and where. Facts first."),
        error_messages={"required": _("Describe the concern.")},
    )
    concern_at = forms.DateTimeField(
        label=_("When the concern arose"),
        required=False,
        widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for now. The deadline counts from this time."),
    )

    def __init__(self, *args, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notification_type"].queryset = types


class AssessForm(DesignSystemMixin, forms.Form):
    assessment = forms.CharField(
        label=_("Assessment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3, "cols": 20})
    )


class DecideForm(DesignSystemMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 20}),
        error_messages={"required": _("Give the reasons for the decision.")},
    )


class ApproveForm(DesignSystemMixin, forms.Form):
    note = forms.CharField(
        label=_("Approval note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 20}),
    )


class SentForm(DesignSystemMixin, forms.Form):
    recipient = forms.CharField(
        label=_("Sent to"),
        max_length=200,
        help_text=_("The office or unit that received it."),
        error_messages={"required": _("Say who received the notification.")},
    )
    channel = forms.ChoiceField(label=_("How"), choices=Channel.choices, widget=forms.RadioSelect)
    sent_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for now."),
    )


class FollowUpForm(DesignSystemMixin, forms.Form):
    text = forms.CharField(
        label=_("Follow-up"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 20}),
        help_text=_("What came of it: the recipient's answer, what was agreed, what we do next."),
    )


class CorrectionForm(DesignSystemMixin, forms.Form):
    field = forms.ChoiceField(label=_("What to correct"), choices=CORRECTABLE_LABELS)
    value = forms.CharField(
        label=_("Corrected text"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 20}),
    )
    reason = forms.CharField(
        label=_("Why"),
        max_length=500,
        error_messages={"required": _("Give the reason for the correction.")},
    )
