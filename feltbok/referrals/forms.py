from django import forms
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin
from feltbok.referrals.models import PartnerType, ReferralKind, ReferralStatus


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_partner_type_display()})"


class PartnerForm(DesignSystemMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    partner_type = forms.ChoiceField(label=_("Type"), choices=PartnerType.choices)
    municipality = forms.CharField(label=_("Municipality"), max_length=80, required=False)
    contact = forms.CharField(
        label=_("Contact details"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 20}),
        help_text=_("Address, telephone, opening hours, who to ask for."),
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class ReferralForm(DesignSystemMixin, forms.Form):
    # The partner is looked up in the service's directory by the view, so that a partner
    # of another service gets the service's own message instead of a bare "invalid choice".
    partner = forms.UUIDField(
        label=_("Partner"),
        widget=forms.RadioSelect,  # long names wrap on a phone, where a select would not
        error_messages={"required": _("Choose a partner.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ReferralKind.choices,
        initial=ReferralKind.REFERRAL,
        widget=forms.RadioSelect,
    )
    purpose = forms.CharField(
        label=_("What for"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 20}),
        help_text=_("In the person's own words where you can."),
    )
    home_municipality = forms.CharField(
        label=_("Home municipality"),
        max_length=80,
        required=False,
        help_text=_("For a transfer to the home municipality."),
    )
    follow_up_on = forms.DateField(
        label=_("Check that the follow-up holds on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For a transfer to the home municipality."),
    )

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].widget.choices = [
            (str(p.code), f"{p.name} ({p.get_partner_type_display()})") for p in partners
        ]


class StatusForm(DesignSystemMixin, forms.Form):
    to_status = forms.ChoiceField(label=_("Next step"), choices=ReferralStatus.choices)
    appointment_at = forms.DateTimeField(
        label=_("Appointment time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Only when an appointment is booked."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 20}),
    )

    def __init__(self, *args, referral=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only the allowed steps; any status validates, so that a step that is not
        # allowed gets the service's own message (services.change_status).
        if referral is not None:
            self.fields["to_status"].widget.choices = referral.next_statuses


class ConsentForm(DesignSystemMixin, forms.Form):
    scope = forms.CharField(
        label=_("What may be shared"),
        max_length=500,
        required=False,
        help_text=_("What the person agreed that the partner may be told."),
    )


class FollowUpCheckForm(DesignSystemMixin, forms.Form):
    prefix = "check"  # shares the referral page with the status form's note

    note = forms.CharField(
        label=_("What the check found"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 20}),
    )


class SettingsForm(DesignSystemMixin, forms.Form):
    overdue_after_days = forms.IntegerField(
        label=_("Overdue after (days)"),
        min_value=1,
        max_value=365,
        help_text=_("A referral without an outcome after this many days shows as overdue."),
    )
