"""The trend report's choices: an area and (optionally) an environment of the own service."""

from django import forms
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin


class TrendForm(DesignSystemMixin, forms.Form):
    area = forms.ChoiceField(
        label=_("Field area"),
        error_messages={
            "required": _("Choose one of the service's field areas."),
            "invalid_choice": _("Choose one of the service's field areas."),
        },
    )
    environment = forms.ChoiceField(
        label=_("Environment (observations)"),
        required=False,
        help_text=_("The figures are for the whole area; this narrows the observations."),
        error_messages={"invalid_choice": _("Choose an environment in the chosen field area.")},
    )
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    bucket = forms.ChoiceField(
        label=_("Per"), choices=[("month", _("Month")), ("quarter", _("Quarter"))]
    )

    def __init__(self, *args, actor, **kwargs):
        from feltbok.core.access import scoped
        from feltbok.organisation.models import Environment, FieldArea

        super().__init__(*args, **kwargs)
        # Areas as they were: old ones too, since encounters keep the area of their time.
        self.areas = {str(a.pk): a for a in scoped(actor, FieldArea).order_by("name", "pk")}
        self.fields["area"].choices = [("", "–")] + [
            (pk, a.name if a.valid_to is None else f"{a.name} (–{a.valid_to})")
            for pk, a in self.areas.items()
        ]
        self.environments = {str(e.code): e for e in scoped(actor, Environment).order_by("name")}
        self.fields["environment"].choices = [("", _("All"))] + [
            (code, f"{e.name} ({self.areas[str(e.area_id)].name})")
            if str(e.area_id) in self.areas
            else (code, e.name)
            for code, e in self.environments.items()
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The end date must be after the start date."))
        return cleaned

    def query(self):
        from feltbok.reports.trends import TrendQuery

        data = self.cleaned_data
        return TrendQuery(
            area=self.areas[data["area"]],
            start=data["start"],
            end=data["end"],
            bucket=data["bucket"],
            environment=self.environments.get(data.get("environment") or ""),
        )
