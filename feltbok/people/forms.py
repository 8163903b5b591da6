import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin
from feltbok.people.models import AgeBand, AnonymityLevel, Gender, PersonFlag
from feltbok.people.services import PersonData


class PersonForm(DesignSystemMixin, forms.Form):
    """A new person: as anonymous as the person wishes; identity is optional."""

    anonymity_level = forms.ChoiceField(
        label=_("Known as"),
        choices=AnonymityLevel.choices,
        initial=AnonymityLevel.NICKNAME,
        widget=forms.RadioSelect,
    )
    nickname = forms.CharField(label=_("Nickname"), max_length=60, required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        help_text=_("How to recognise the person, without identifying details."),
    )
    gender = forms.ChoiceField(
        label=_("Gender"), choices=Gender.choices, initial=Gender.UNKNOWN, widget=forms.RadioSelect
    )
    age_band = forms.ChoiceField(
        label=_("Age (estimated)"), choices=AgeBand.choices, initial=AgeBand.UNKNOWN
    )
    birth_year = forms.IntegerField(label=_("Birth year, if known"), required=False)
    flags = forms.MultipleChoiceField(
        label=_("Flags"),
        choices=PersonFlag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    full_name = forms.CharField(label=_("Full name"), max_length=120, required=False)
    birth_date = forms.DateField(
        label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    national_id = forms.CharField(
        label=_("National identity number"),
        max_length=20,
        required=False,
        help_text=_("11 digits in Norway, 10 in Denmark, 10 or 12 in Sweden."),
    )

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        this_year = timezone.localdate().year
        if year is not None and not this_year - 110 <= year <= this_year:
            raise forms.ValidationError(
                _("Enter a birth year between %(low)s and %(high)s."),
                params={"low": this_year - 110, "high": this_year},
            )
        return year

    def clean_birth_date(self):
        born = self.cleaned_data.get("birth_date")
        if born is not None and born > timezone.localdate():
            raise forms.ValidationError(_("The birth date cannot be in the future."))
        return born

    def clean_national_id(self):
        digits = re.sub(r"[\s-]", "", self.cleaned_data.get("national_id", ""))
        if digits and (not digits.isdigit() or len(digits) not in (10, 11, 12)):
            raise forms.ValidationError(_("A national identity number has 10, 11 or 12 digits."))
        return digits

    def clean(self):
        cleaned = super().clean()
        level = cleaned.get("anonymity_level")
        if level == AnonymityLevel.NICKNAME and not cleaned.get("nickname", "").strip():
            self.add_error("nickname", _("A person known by nickname needs a nickname."))
        if level == AnonymityLevel.DESCRIPTION and not cleaned.get("description", "").strip():
            self.add_error("description", _("A person known by description needs a description."))
        if level == AnonymityLevel.IDENTIFIED and not cleaned.get("full_name", "").strip():
            self.add_error("full_name", _("An identified person needs a full name."))
        return cleaned

    def person_data(self) -> PersonData:
        data = self.cleaned_data
        return PersonData(
            anonymity_level=data["anonymity_level"],
            gender=data["gender"],
            age_band=data["age_band"],
            nickname=data.get("nickname", ""),
            description=data.get("description", ""),
            birth_year=data.get("birth_year"),
            flags=data.get("flags", []),
            full_name=data.get("full_name", ""),
            birth_date=data.get("birth_date"),
            national_id=data.get("national_id", ""),
        )


class SearchForm(DesignSystemMixin, forms.Form):
    q = forms.CharField(label=_("Nickname"), max_length=100, required=False)
