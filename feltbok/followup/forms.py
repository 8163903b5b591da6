from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin
from feltbok.followup.models import (
    MAX_CONTACT_PERSONS,
    CommissionStatus,
    EndReason,
    GoalStatus,
    NeedKind,
    NeedStatus,
    TaskKind,
)


class DateInput(forms.DateInput):
    input_type = "date"


def _staff_label(user):
    return user.get_full_name() or user.email


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _staff_label(obj)


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return _staff_label(obj)


class NotInFutureMixin:
    def _not_future(self, name):
        day = self.cleaned_data.get(name)
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class StartEpisodeForm(NotInFutureMixin, DesignSystemMixin, forms.Form):
    contact_persons = StaffMultipleChoiceField(
        label=_("Contact persons"),
        queryset=None,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One or two fixed contact persons."),
        error_messages={"required": _("Choose one or two contact persons.")},
    )
    started_on = forms.DateField(label=_("Start date"), widget=DateInput)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_persons"].queryset = staff

    def clean_started_on(self):
        return self._not_future("started_on")

    def clean_contact_persons(self):
        chosen = self.cleaned_data["contact_persons"]
        if len(chosen) > MAX_CONTACT_PERSONS:
            raise forms.ValidationError(
                _("A person can have at most two contact persons. Choose one or two.")
            )
        return chosen


class EndEpisodeForm(NotInFutureMixin, DesignSystemMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Why does the follow-up end?"), choices=EndReason.choices)
    ended_on = forms.DateField(label=_("End date"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def clean_ended_on(self):
        return self._not_future("ended_on")


class DeclinedForm(NotInFutureMixin, DesignSystemMixin, forms.Form):
    declined_on = forms.DateField(label=_("Date"), widget=DateInput)
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        help_text=_("What the person said, and how they can be approached again."),
    )

    def clean_declined_on(self):
        return self._not_future("declined_on")


class ContactPersonForm(DesignSystemMixin, forms.Form):
    user = StaffChoiceField(label=_("New contact person"), queryset=None, to_field_name="code")

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff


class NeedForm(DesignSystemMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Need"), choices=NeedKind.choices)
    description = forms.CharField(label=_("In more detail"), max_length=300, required=False)


class NeedStatusForm(NotInFutureMixin, DesignSystemMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=NeedStatus.choices)
    changed_on = forms.DateField(label=_("Date"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_changed_on(self):
        return self._not_future("changed_on")


class GoalForm(DesignSystemMixin, forms.Form):
    own_words = forms.CharField(
        label=_("The goal in the person's own words"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 20}),
        help_text=_("Write what the person says they want, as they say it."),
    )


class GoalStatusForm(DesignSystemMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)


class PlanForm(DesignSystemMixin, forms.Form):
    text = forms.CharField(
        label=_("Plan"),
        widget=forms.Textarea(attrs={"rows": 8, "cols": 20}),
        required=False,
        max_length=8000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class NoteForm(NotInFutureMixin, DesignSystemMixin, forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3, "cols": 20})
    )
    written_on = forms.DateField(label=_("Date"), widget=DateInput)
    was_contact = forms.BooleanField(
        label=_("Contact with the person (meeting, call or message)"), required=False
    )

    def clean_written_on(self):
        return self._not_future("written_on")


class PlaceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.area.name})"


class TaskForm(DesignSystemMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices, widget=forms.RadioSelect)
    title = forms.CharField(label=_("What is to be done"), max_length=200)
    due_on = forms.DateField(label=_("Due"), widget=DateInput)
    owner = StaffChoiceField(label=_("Owner"), queryset=None, to_field_name="code")
    places = PlaceChoiceField(
        label=_("Usual places"),
        queryset=None,
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For targeted outreach: where the person usually is."),
    )
    usual_times = forms.CharField(
        label=_("Usual times"),
        max_length=200,
        required=False,
        help_text=_("For example: weekday evenings after 20, Sunday mornings."),
    )

    def __init__(self, *args, staff, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff
        self.fields["places"].queryset = places

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("kind") == TaskKind.OUTREACH
            and not cleaned.get("places")
            and not cleaned.get("usual_times", "").strip()
        ):
            self.add_error(
                "places", _("A targeted outreach task needs the person's usual places or times.")
            )
        return cleaned


class CommissionForm(DesignSystemMixin, forms.Form):
    requested_by = forms.CharField(label=_("Case worker who asked"), max_length=120)
    organisation = forms.CharField(label=_("Their organisation"), max_length=120)
    what = forms.CharField(
        label=_("What is asked"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 20}),
    )
    due_on = forms.DateField(label=_("By when"), widget=DateInput)


class CommissionStatusForm(DesignSystemMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CommissionStatus.choices)
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 20}),
    )


class SettingsForm(DesignSystemMixin, forms.Form):
    inactive_after_days = forms.IntegerField(
        label=_("Inactive after (days without contact)"), min_value=1, max_value=3650
    )
    share_details_with_workers = forms.BooleanField(
        label=_("All workers of the service see follow-up details"),
        required=False,
        help_text=_("Off: only contact persons and team leads see needs, goals, plan and notes."),
    )


class ProgrammeForm(DesignSystemMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)


class ProgrammeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class EnrolForm(NotInFutureMixin, DesignSystemMixin, forms.Form):
    programme = ProgrammeChoiceField(label=_("Programme"), queryset=None, to_field_name="code")
    started_on = forms.DateField(label=_("From"), widget=DateInput)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes

    def clean_started_on(self):
        return self._not_future("started_on")


class SessionForm(NotInFutureMixin, DesignSystemMixin, forms.Form):
    date = forms.DateField(label=_("Session date"), widget=DateInput)
    attended = forms.MultipleChoiceField(
        label=_("Who came"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, participations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [
            (str(p.code), p.person.display_name) for p in participations
        ]
        self._by_code = {str(p.code): p.pk for p in participations}

    def clean_date(self):
        return self._not_future("date")

    def attended_ids(self):
        return {self._by_code[code] for code in self.cleaned_data["attended"]}
