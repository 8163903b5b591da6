import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin

MAX_WEEKS = 106


class PeriodForm(DesignSystemMixin, forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    @classmethod
    def default_period(cls):
        end = timezone.localdate()
        return {"start": end - datetime.timedelta(weeks=7), "end": end}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date must be after the start date."))
            if (end - start).days > MAX_WEEKS * 7:
                raise forms.ValidationError(_("Choose a period of at most two years."))
        return cleaned
