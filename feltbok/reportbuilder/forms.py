from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin
from feltbok.reportbuilder.models import Audience, ChartKind
from feltbok.reports.forms import StatisticsForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportForm(DesignSystemMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    audience = forms.ChoiceField(label=_("For"), choices=Audience.choices)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_("The report is written out in this language, figures and headings too."),
    )
    period_start = forms.DateField(label=_("From"), widget=DATE)
    period_end = forms.DateField(label=_("To"), widget=DATE)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end date must be after the start date."))
        return data


class TextSectionForm(DesignSystemMixin, forms.Form):
    heading = forms.CharField(label=_("Heading"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Describe it soberly and with nuance. Write about environments and trends, never "
            "about anyone who could be recognised. An empty line starts a new paragraph."
        ),
    )


class FigureSectionForm(StatisticsForm):
    """The statistics page's choices, plus a heading and the kind of plot. The period is the
    report's unless the figure is given its own."""

    heading = forms.CharField(
        label=_("Heading"),
        max_length=200,
        required=False,
        help_text=_("Empty: the measure's name."),
    )
    chart = forms.ChoiceField(label=_("Plot"), choices=ChartKind.choices, initial=ChartKind.BAR)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("start", "end"):
            self.fields[name].required = False
            self.fields[name].help_text = _("Empty: the report's period.")
            self.fields[name].widget.attrs["aria-describedby"] = f"{self.add_prefix(name)}-help"
            self.fields[name].widget.format = "%Y-%m-%d"

    def figure(self) -> dict:
        """The parameters stored with the section (checked again by the service)."""
        data = self.cleaned_data
        filters = {}
        for key in self.FILTERS:
            if data.get(key):
                filters[key] = int(data[key]) if key in ("team", "area") else data[key]
        return {
            "measure": data["measure"],
            "bucket": data["bucket"],
            "rows": [key for key in (data.get("rows"), data.get("rows2")) if key],
            "filters": filters,
            "compare": data.get("compare") or "",
            "chart": data["chart"],
            "start": data["start"].isoformat() if data.get("start") else None,
            "end": data["end"].isoformat() if data.get("end") else None,
        }

    @classmethod
    def initial_for(cls, figure: dict) -> dict:
        rows = list(figure.get("rows") or [])
        initial = {
            "measure": figure.get("measure"),
            "bucket": figure.get("bucket"),
            "rows": rows[0] if rows else "",
            "rows2": rows[1] if len(rows) > 1 else "",
            "compare": figure.get("compare") or "",
            "chart": figure.get("chart") or ChartKind.BAR,
            "start": figure.get("start") or "",
            "end": figure.get("end") or "",
        }
        for key, value in (figure.get("filters") or {}).items():
            initial[key] = str(value)
        return initial
