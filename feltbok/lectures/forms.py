import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin
from feltbok.lectures.models import MAX_ATTENDING, Audience


class LectureForm(DesignSystemMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    audience = forms.ChoiceField(
        label=_("Audience"), choices=Audience.choices, widget=forms.RadioSelect
    )
    topic = forms.CharField(label=_("Topic"), max_length=200)
    attending = forms.IntegerField(
        label=_("Number attending"), min_value=1, max_value=MAX_ATTENDING
    )
    given_by = forms.MultipleChoiceField(label=_("Given by"), widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(
        label=_("Notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was taught and what was asked. Do not name persons you work with."),
    )

    def __init__(self, *args, staff, actor_user, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = {str(user.pk): user for user, _label in staff}
        self.fields["given_by"].choices = [(str(user.pk), label) for user, label in staff]
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("given_by", [str(actor_user.pk)])

    def given_by_users(self):
        return [self.staff[pk] for pk in self.cleaned_data["given_by"]]


class PeriodForm(DesignSystemMixin, forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    @staticmethod
    def default():
        end = timezone.localdate()
        return {"start": end - datetime.timedelta(days=365), "end": end}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The end date must be after the start date."))
        if start and end and (end - start).days > 5 * 366:
            raise forms.ValidationError(_("Choose a period of at most 5 years."))
        return cleaned
