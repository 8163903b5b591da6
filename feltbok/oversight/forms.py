import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin
from feltbok.oversight.models import REASON_MIN_LENGTH, ReasonKind
from feltbok.oversight.selectors import FindingKind


class EmergencyAccessForm(DesignSystemMixin, forms.Form):
    reason_kind = forms.ChoiceField(
        label=_("Why do you need this record?"),
        choices=ReasonKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a reason from the list.")},
    )
    reason_text = forms.CharField(
        label=_("Explanation"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 20}),
        help_text=_(
            "What happened, and why it cannot wait. Your team lead reads this. "
            "At least %(n)s characters."
        )
        % {"n": REASON_MIN_LENGTH},
        error_messages={"required": _("Explain why you need the record now.")},
    )

    def clean_reason_text(self):
        text = " ".join(self.cleaned_data["reason_text"].split())
        if len(text) < REASON_MIN_LENGTH:
            raise forms.ValidationError(
                _("Explain why you need the record now, in at least %(n)s characters.")
                % {"n": REASON_MIN_LENGTH}
            )
        return text


class DateInput(forms.DateInput):
    input_type = "date"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


MAX_PERIOD_DAYS = 366


class ReviewFilterForm(DesignSystemMixin, forms.Form):
    """Period (dates, both included), staff member and kind of finding."""

    since = forms.DateField(label=_("From"), widget=DateInput)
    until = forms.DateField(label=_("To"), widget=DateInput)
    user = StaffChoiceField(
        label=_("Staff member"),
        queryset=None,
        required=False,
        to_field_name="code",
        empty_label=_("Everyone"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *FindingKind.choices], required=False
    )

    def __init__(self, data=None, *, staff, **kwargs):
        today = timezone.localdate()
        initial = {"since": today - datetime.timedelta(days=29), "until": today}
        if data is not None and not any(key in data for key in ("since", "until", "user", "kind")):
            data = None
        super().__init__(data, initial=initial, **kwargs)
        self.fields["user"].queryset = staff

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until:
            if until < since:
                raise forms.ValidationError(_("The end date is before the start date."))
            if (until - since).days >= MAX_PERIOD_DAYS:
                raise forms.ValidationError(_("Choose a period of at most one year."))
        return cleaned

    def values(self):
        """(since, until, user, kind) of a valid form, or the defaults of an unbound one."""
        if self.is_bound:
            data = self.cleaned_data
            since, until, user, kind = data["since"], data["until"], data["user"], data["kind"]
        else:
            since, until, user, kind = self.initial["since"], self.initial["until"], None, ""
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(since, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(
            until + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        return start, end, user, kind or None


class MonthForm(forms.Form):
    month = forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": _("Choose a month as year and month, for example 2026-11.")},
    )

    def year_month(self):
        year, month = self.cleaned_data["month"].split("-")
        return int(year), int(month)
