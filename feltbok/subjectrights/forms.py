from django import forms
from django.utils.translation import gettext_lazy as _

from feltbok.people.models import Gender
from feltbok.subjectrights.models import REASON_MIN_LENGTH


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label=kwargs.pop("label", _("Reason")),
            min_length=REASON_MIN_LENGTH,
            max_length=300,
            widget=forms.Textarea(attrs={"rows": 2}),
            **kwargs,
        )


class AccessExportForm(forms.Form):
    reason = ReasonField(
        help_text=_("The request: who asked, when and how (e.g. “Letter received 20 November”)."),
    )


class CorrectionForm(forms.Form):
    """The person's correctable details; identity fields only when the actor may see them."""

    nickname = forms.CharField(label=_("Nickname"), max_length=60, required=False)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    birth_year = forms.CharField(label=_("Birth year"), max_length=4, required=False)
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    birth_date = forms.CharField(
        label=_("Birth date"), max_length=10, required=False, help_text=_("YYYY-MM-DD")
    )
    national_id = forms.CharField(
        label=_("National identity number"), max_length=20, required=False
    )
    reason = ReasonField(help_text=_("Why the details are corrected, and on whose word."))

    IDENTITY = ("full_name", "birth_date", "national_id")

    def __init__(self, *args, with_identity, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_identity:
            for name in self.IDENTITY:
                del self.fields[name]

    def changes(self):
        return {name: value for name, value in self.cleaned_data.items() if name != "reason"}
