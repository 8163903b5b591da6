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


class StatisticsForm(DesignSystemMixin, forms.Form):
    """The statistics page's choices. Choices are fixed lists: anything else is refused."""

    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    measure = forms.ChoiceField(label=_("Measure"))
    bucket = forms.ChoiceField(label=_("Per"))
    rows = forms.ChoiceField(label=_("Split by"), required=False)
    rows2 = forms.ChoiceField(label=_("and by"), required=False)
    compare = forms.ChoiceField(
        label=_("Compare with"),
        required=False,
        choices=[
            ("", _("No comparison")),
            ("previous", _("The period before")),
            ("year", _("The same period a year before")),
        ],
    )
    team = forms.ChoiceField(label=_("Team"), required=False)
    area = forms.ChoiceField(label=_("Field area"), required=False)
    shift = forms.ChoiceField(label=_("Shift"), required=False)
    kind = forms.ChoiceField(label=_("Contact kind"), required=False)
    outreach_mode = forms.ChoiceField(label=_("Outreach"), required=False)
    age_band = forms.ChoiceField(label=_("Age band"), required=False)
    gender = forms.ChoiceField(label=_("Gender"), required=False)
    topic = forms.ChoiceField(label=_("Topic"), required=False)

    FILTERS = ("team", "area", "shift", "kind", "outreach_mode", "age_band", "gender", "topic")

    def __init__(self, *args, actor, **kwargs):
        from feltbok.core.access import scoped
        from feltbok.organisation.models import FieldArea, Team
        from feltbok.reports.statistics import BUCKETS, DIMENSIONS, MEASURES

        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["measure"].choices = [(k, m.label) for k, m in MEASURES.items()]
        self.fields["bucket"].choices = [(k, label) for k, (label, _trunc) in BUCKETS.items()]
        dimensions = [("", _("Nothing"))] + [(k, d.label) for k, d in DIMENSIONS.items()]
        self.fields["rows"].choices = dimensions
        self.fields["rows2"].choices = dimensions
        self.fields["team"].choices = every + [
            (str(pk), name) for pk, name in scoped(actor, Team).values_list("pk", "name")
        ]
        # Areas as they were: old ones too, since encounters keep the area of their time.
        self.fields["area"].choices = every + [
            (
                str(area.pk),
                area.name if area.valid_to is None else f"{area.name} (–{area.valid_to})",
            )
            for area in scoped(actor, FieldArea).order_by("name", "valid_from")
        ]
        for key in ("shift", "kind", "outreach_mode", "age_band", "gender", "topic"):
            self.fields[key].choices = every + list(DIMENSIONS[key].choices)

    @classmethod
    def initial_data(cls):
        end = timezone.localdate()
        return {
            "start": end - datetime.timedelta(weeks=12),
            "end": end,
            "measure": "contacts",
            "bucket": "week",
            "rows": "area",
        }

    def query(self):
        from feltbok.reports.statistics import Query

        data = self.cleaned_data
        filters = {}
        for key in self.FILTERS:
            if data.get(key):
                value = data[key]
                filters[key] = int(value) if key in ("team", "area") else value
        rows = tuple(key for key in (data.get("rows"), data.get("rows2")) if key)
        return Query(
            start=data["start"],
            end=data["end"],
            measure=data["measure"],
            bucket=data["bucket"],
            rows=rows,
            filters=filters,
            compare=data.get("compare") or "",
        )
