from django import forms
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin
from feltbok.fieldwork.models import (
    IncidentAction,
    IncidentKind,
    Mood,
    OutreachMode,
    Shift,
    Substance,
    Topic,
)
from feltbok.fieldwork.services import MAX_HEAD_COUNT
from feltbok.people.models import AgeBand, Gender

# The tally grid: the age bands and genders outreach workers can tell apart at a glance.
TALLY_AGE_BANDS = ["13-17", "18-22", "23-25", "26-35", "36-49", "50-65", "unknown"]
TALLY_GENDERS = ["female", "male", "unknown"]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class StartPatrolForm(DesignSystemMixin, forms.Form):
    colleague = UserChoiceField(
        label=_("Colleague"),
        queryset=None,
        empty_label=_("Choose a colleague"),
        error_messages={"required": _("A patrol needs at least two staff: choose a colleague.")},
    )
    other_members = UserMultipleChoiceField(  # a third worker or a peer worker
        label=_("Also on the patrol"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    shift = forms.ChoiceField(label=_("Shift"), choices=Shift.choices, widget=forms.RadioSelect)
    areas = forms.ModelMultipleChoiceField(
        label=_("Field areas"),
        queryset=None,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one field area.")},
    )

    def __init__(self, *args, colleagues, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["colleague"].queryset = colleagues
        self.fields["other_members"].queryset = colleagues
        self.fields["areas"].queryset = areas

    def clean(self):
        cleaned = super().clean()
        colleague = cleaned.get("colleague")
        others = cleaned.get("other_members") or []
        if colleague is not None and colleague in others:
            cleaned["other_members"] = [user for user in others if user != colleague]
        return cleaned


class ContactForm(DesignSystemMixin, forms.Form):
    """The details of a contact; everything but the area is optional, so it is quick."""

    area = forms.ModelChoiceField(
        label=_("Field area"), queryset=None, empty_label=None, to_field_name="code"
    )
    topics = forms.MultipleChoiceField(
        label=_("What happened"),
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    outreach_mode = forms.ChoiceField(
        label=_("Outreach"),
        choices=OutreachMode.choices,
        initial=OutreachMode.OPEN,
        required=False,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Short note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("No names or identifying details."),
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas

    def clean_outreach_mode(self):
        return self.cleaned_data.get("outreach_mode") or OutreachMode.OPEN


def _person_label(person):
    return f"⚠ {person}" if person.has_safety_flag else str(person)


def _place_label(place):
    return place.label_with_safety


class VisitForm(DesignSystemMixin, forms.Form):
    area = forms.ModelChoiceField(
        label=_("Field area"), queryset=None, empty_label=None, to_field_name="code"
    )
    place = forms.ModelChoiceField(
        label=_("Place"),
        queryset=None,
        required=False,
        empty_label=_("No particular place"),
        to_field_name="code",
    )

    def __init__(self, *args, areas, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["place"].queryset = places
        self.fields["place"].label_from_instance = _place_label


class TallyForm(DesignSystemMixin, forms.Form):
    """Anonymous head counts by age band and gender: the +1 buttons fill these numbers."""

    area = forms.ModelChoiceField(
        label=_("Field area"), queryset=None, empty_label=None, to_field_name="code"
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        for band in TALLY_AGE_BANDS:
            for gender in TALLY_GENDERS:
                self.fields[f"n_{band}_{gender}"] = forms.IntegerField(
                    label=f"{AgeBand(band).label}, {Gender(gender).label}",
                    min_value=0,
                    max_value=MAX_HEAD_COUNT,
                    initial=0,
                    required=False,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )

    def rows(self):
        """The grid as rows of (age band label, [bound fields per gender])."""
        return [
            (AgeBand(band).label, [self[f"n_{band}_{gender}"] for gender in TALLY_GENDERS])
            for band in TALLY_AGE_BANDS
        ]

    def counts(self):
        return {
            (band, gender): self.cleaned_data.get(f"n_{band}_{gender}") or 0
            for band in TALLY_AGE_BANDS
            for gender in TALLY_GENDERS
        }

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(self.counts().values()):
            raise forms.ValidationError(
                _("An anonymous head count needs at least one person counted.")
            )
        return cleaned


class ObservationForm(DesignSystemMixin, forms.Form):
    environment = forms.ModelChoiceField(
        label=_("Environment"),
        queryset=None,
        required=False,
        empty_label=_("Not a known one"),
        to_field_name="code",
    )
    people_present = forms.IntegerField(
        label=_("People present (about)"), min_value=0, max_value=1000, required=False
    )
    age_mix = forms.MultipleChoiceField(
        label=_("Ages seen"),
        choices=[(band.value, band.label) for band in AgeBand if band != AgeBand.UNKNOWN],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mood = forms.ChoiceField(
        label=_("Mood"), choices=Mood.choices, required=False, widget=forms.RadioSelect
    )
    substances = forms.MultipleChoiceField(
        label=_("Substances seen"),
        choices=Substance.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Anything new"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Describe it soberly; no names or identifying details."),
    )

    def __init__(self, *args, environments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["environment"].queryset = environments


class IncidentForm(DesignSystemMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("What"), choices=IncidentKind.choices, widget=forms.RadioSelect
    )
    area = forms.ModelChoiceField(
        label=_("Field area"), queryset=None, empty_label=None, to_field_name="code"
    )
    place = forms.ModelChoiceField(
        label=_("Place"), queryset=None, required=False, to_field_name="code"
    )
    actions = forms.MultipleChoiceField(
        label=_("What was done"),
        choices=IncidentAction.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    persons = forms.ModelMultipleChoiceField(
        label=_("Persons involved (met on this patrol)"),
        queryset=None,
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    staff_affected = forms.ModelMultipleChoiceField(
        label=_("Staff affected (threatened or hurt)"),
        queryset=None,
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("What happened"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Soberly: what happened and what was done. No names of persons not linked."),
    )

    def __init__(self, *args, areas, places, persons, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["place"].queryset = places
        self.fields["place"].label_from_instance = _place_label
        self.fields["persons"].queryset = persons
        self.fields["persons"].label_from_instance = _person_label
        self.fields["staff_affected"].queryset = staff
        self.fields["staff_affected"].label_from_instance = lambda user: user.get_full_name()

    def clean(self):
        cleaned = super().clean()
        place, area = cleaned.get("place"), cleaned.get("area")
        if place is not None and area is not None and place.area_id != area.pk:
            self.add_error("place", _("The place is not in the chosen field area."))
        return cleaned


class DebriefForm(DesignSystemMixin, forms.Form):
    text = forms.CharField(
        label=_("Debrief"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("How the patrol went, what you saw, what changed in the environments."),
    )
    follow_ups = forms.CharField(
        label=_("Follow-ups"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def follow_up_lines(self):
        return [line for line in self.cleaned_data["follow_ups"].splitlines() if line.strip()]


class GroupContactForm(ContactForm):
    """A contact with a group: the known persons in it, and how many others."""

    persons = forms.ModelMultipleChoiceField(
        label=_("Known persons in the group"),
        queryset=None,
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    head_count = forms.IntegerField(
        label=_("Others in the group"),
        min_value=0,
        max_value=MAX_HEAD_COUNT,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    field_order = ["persons", "head_count", "area", "topics", "outreach_mode", "note"]

    def __init__(self, *args, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persons"].queryset = persons
        self.fields["persons"].label_from_instance = _person_label
        self.fields["persons"].label_from_instance = lambda person: person.display_name

    def clean(self):
        cleaned = super().clean()
        members = len(cleaned.get("persons") or []) + (cleaned.get("head_count") or 0)
        if not self.errors and members < 2:
            raise forms.ValidationError(_("A group contact is with two people or more."))
        return cleaned


class IncidentFilterForm(DesignSystemMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("What"), choices=[("", _("All kinds")), *IncidentKind.choices], required=False
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned
