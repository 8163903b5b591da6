from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin
from feltbok.counts.models import (
    Comorbidity,
    CountAgeBand,
    Definition,
    Duration,
    Source,
)
from feltbok.organisation.models import FieldArea, Place
from feltbok.people.models import Gender

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(DesignSystemMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    definition = forms.ModelChoiceField(
        label=_("Definition"),
        queryset=Definition.objects.all(),
        to_field_name="code",
        help_text=_(
            "ETHOS Light is the common frame; every national definition is also reported "
            "by ETHOS Light."
        ),
    )
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The last day cannot be before the first day."))
        return data


def _category_choices(categories):
    return [(c.code, str(c)) for c in categories]


class ObservationForm(DesignSystemMixin, forms.Form):
    """One observation on a phone. `person` is set when a known person is counted."""

    observed_on = forms.DateField(label=_("Date"), widget=DATE)
    source = forms.ChoiceField(
        label=_("Source"), choices=Source.choices, widget=forms.RadioSelect, initial=Source.PATROL
    )
    source_name = forms.CharField(
        label=_("Name of the shelter or partner"), max_length=120, required=False
    )
    category = forms.ChoiceField(label=_("Sleeping situation"), widget=forms.RadioSelect)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, widget=forms.RadioSelect)
    initials = forms.CharField(
        label=_("Initials"),
        max_length=10,
        required=False,
        help_text=_(
            "With birth year and gender they make a key that finds duplicates. The key is "
            "scrambled at once; the initials are not stored."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    birth_year = forms.IntegerField(
        label=_("Birth year"),
        required=False,
        min_value=1900,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    age_band = forms.ChoiceField(
        label=_("Age band"),
        choices=CountAgeBand.choices,
        initial=CountAgeBand.UNKNOWN,
        help_text=_("Filled in from the birth year when left unknown."),
    )
    comorbidity = forms.ChoiceField(
        label=_("Substance use and mental illness"),
        choices=Comorbidity.choices,
        widget=forms.RadioSelect,
        initial=Comorbidity.UNKNOWN,
    )
    duration = forms.ChoiceField(
        label=_("Homeless for"), choices=Duration.choices, initial=Duration.UNKNOWN
    )
    children = forms.IntegerField(
        label=_("Children with them"), min_value=0, max_value=20, initial=0
    )
    area = forms.ModelChoiceField(
        label=_("Field area"),
        queryset=FieldArea.objects.none(),
        required=False,
        to_field_name="code",
    )
    place = forms.ModelChoiceField(
        label=_("Place"), queryset=Place.objects.none(), required=False, to_field_name="code"
    )

    def __init__(self, *args, campaign, categories, actor, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["category"].choices = _category_choices(categories)
        self.fields["area"].queryset = (
            FieldArea.objects.filter(service_id=actor.service_id)
            .valid_on(timezone.localdate())
            .order_by("name")
        )
        self.fields["place"].queryset = Place.objects.filter(
            service_id=actor.service_id, is_active=True
        ).order_by("name")
        if person is not None:
            # A known person needs no key: the person is the key.
            del self.fields["initials"]
            del self.fields["birth_year"]
            self.fields["gender"].initial = person.gender

    def clean(self):
        data = super().clean()
        if self.person is None:
            if not data.get("initials"):
                self.add_error("initials", _("Give the person's initials (one to four letters)."))
            if not data.get("birth_year"):
                self.add_error("birth_year", _("Give the birth year (an estimate will do)."))
        return data


class MergeForm(DesignSystemMixin, forms.Form):
    """Two observations the key did not match, merged by hand."""

    keep = forms.ChoiceField(label=_("Keep (counted)"))
    merge = forms.ChoiceField(label=_("Merge into it (the same person)"))

    def __init__(self, *args, observations=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "–")] + [(str(o.code), observation_label(o)) for o in observations]
        self.fields["keep"].choices = choices
        self.fields["merge"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("keep") and data.get("keep") == data.get("merge"):
            self.add_error("merge", _("Choose two different observations."))
        return data


def observation_label(observation):
    who = observation.person.display_name if observation.person else _("Anonymous")
    return (
        f"{who} · {observation.get_gender_display()} · {observation.get_age_band_display()} · "
        f"{observation.category} · {observation.observed_on:%d.%m.%Y} · "
        f"{observation.get_source_display()}"
    )


class BulkSourceForm(DesignSystemMixin, forms.Form):
    """The source of a whole batch of paper forms."""

    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.PATROL)
    source_name = forms.CharField(
        label=_("Name of the shelter or partner"), max_length=120, required=False
    )


class BulkRowForm(DesignSystemMixin, forms.Form):
    """One line of the paper form. An empty line is skipped."""

    observed_on = forms.DateField(label=_("Date"), widget=DATE)
    category = forms.ChoiceField(label=_("Sleeping situation"))
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "–"), *Gender.choices])
    initials = forms.CharField(label=_("Initials"), max_length=10)
    birth_year = forms.IntegerField(label=_("Birth year"), min_value=1900)
    age_band = forms.ChoiceField(label=_("Age band"), choices=CountAgeBand.choices, required=False)
    comorbidity = forms.ChoiceField(
        label=_("Substance use and mental illness"), choices=Comorbidity.choices, required=False
    )
    duration = forms.ChoiceField(label=_("Homeless for"), choices=Duration.choices, required=False)
    children = forms.IntegerField(
        label=_("Children with them"), min_value=0, max_value=20, required=False
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "–"), *_category_choices(categories)]
        for field in self.fields.values():
            # One line of a table: the column heading is the visible label.
            field.widget.attrs.setdefault("aria-label", str(field.label))
            field.widget.attrs.setdefault("class", "ds-input")

    def has_changed(self):
        # A line is empty when only the date and the defaults of the selects are filled in.
        filled = ("category", "gender", "initials", "birth_year")
        return any(self.data.get(self.add_prefix(name)) for name in filled)


BulkRowFormSet = formset_factory(BulkRowForm, extra=0)
