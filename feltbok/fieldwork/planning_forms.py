"""Forms of patrol planning: they check input only; the rules live in `planning`."""

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin
from feltbok.fieldwork.forms import UserChoiceField
from feltbok.fieldwork.models import Shift
from feltbok.fieldwork.planning import (
    EFFORT_MAX_LENGTH,
    MAX_PATROLS_PER_TEMPLATE,
    TEMPLATE_NAME_MAX_LENGTH,
    ExtraPatrolData,
    TemplateData,
)

TIME_WIDGET = forms.TimeInput(format="%H:%M", attrs={"type": "time"})


class StaffForm(forms.Form):
    """A staff member to add to or take off a planned patrol (the choices are the allowed)."""

    user = UserChoiceField(
        label=_("Staff"),
        queryset=None,
        error_messages={
            "required": _("Choose a staff member."),
            "invalid_choice": _("Choose one of the staff members in the list."),
        },
    )

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users


class PartnerForm(forms.Form):
    service = forms.ModelChoiceField(
        label=_("Joint with"),
        queryset=None,
        error_messages={
            "required": _("Choose a service."),
            "invalid_choice": _("Choose one of the services in the list."),
        },
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services


class VestsForm(forms.Form):
    high_visibility = forms.TypedChoiceField(
        label=_("High visibility (vests)"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda value: value == "1",
        error_messages={"invalid_choice": _("Choose yes or no.")},
    )


class EffortForm(DesignSystemMixin, forms.Form):
    effort = forms.CharField(
        label=_("Extra effort"),
        max_length=EFFORT_MAX_LENGTH,
        required=False,
        help_text=_("A period or project of extra field work, e.g. “Summer in the parks”."),
    )


class AreaForm(forms.Form):
    area = forms.ModelChoiceField(
        label=_("Field area"),
        queryset=None,
        error_messages={
            "required": _("Choose a field area."),
            "invalid_choice": _("Choose one of the field areas in the list."),
        },
    )
    action = forms.ChoiceField(
        choices=[("add", _("Add")), ("remove", _("Remove"))],
        error_messages={"invalid_choice": _("Choose to add or remove the area.")},
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas


class ExtraPatrolForm(DesignSystemMixin, forms.Form):
    """An extra patrol outside the templates: a period, a project, a joint effort."""

    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    start_time = forms.TimeField(label=_("Starts"), widget=TIME_WIDGET)
    end_time = forms.TimeField(
        label=_("Ends"),
        widget=TIME_WIDGET,
        help_text=_("An end before the start means the next day (a night patrol)."),
    )
    shift = forms.ChoiceField(label=_("Shift"), choices=Shift.choices, widget=forms.RadioSelect)
    areas = forms.ModelMultipleChoiceField(
        label=_("Field areas"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    effort = forms.CharField(
        label=_("Extra effort"),
        max_length=EFFORT_MAX_LENGTH,
        required=False,
        help_text=_("A period or project of extra field work, e.g. “Summer in the parks”."),
    )
    high_visibility = forms.BooleanField(label=_("High visibility (vests)"), required=False)

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = areas

    def data_for_service(self) -> ExtraPatrolData:
        cleaned = self.cleaned_data
        return ExtraPatrolData(
            date=cleaned["date"],
            start_time=cleaned["start_time"],
            end_time=cleaned["end_time"],
            shift=cleaned["shift"],
            areas=list(cleaned["areas"]),
            effort=cleaned["effort"],
            high_visibility=cleaned["high_visibility"],
        )


class ShiftTemplateForm(DesignSystemMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=TEMPLATE_NAME_MAX_LENGTH)
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=list(WEEKDAYS.items()), coerce=int)
    shift = forms.ChoiceField(label=_("Shift"), choices=Shift.choices, widget=forms.RadioSelect)
    start_time = forms.TimeField(label=_("Starts"), widget=TIME_WIDGET)
    end_time = forms.TimeField(
        label=_("Ends"),
        widget=TIME_WIDGET,
        help_text=_("An end before the start means the next day (a night patrol)."),
    )
    patrol_count = forms.IntegerField(
        label=_("Patrols"),
        min_value=1,
        max_value=MAX_PATROLS_PER_TEMPLATE,
        initial=1,
        error_messages={
            "min_value": _("A template plans between 1 and 12 patrols."),
            "max_value": _("A template plans between 1 and 12 patrols."),
        },
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=None, required=False, empty_label=_("No particular team")
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Field areas"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, teams, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["areas"].queryset = areas

    @staticmethod
    def initial_for(template):
        return {
            "name": template.name,
            "weekday": template.weekday,
            "shift": template.shift,
            "start_time": template.start_time,
            "end_time": template.end_time,
            "patrol_count": template.patrol_count,
            "team": template.team_id,
            "areas": [area.pk for area in template.areas.all()],
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start is not None and start == end:
            self.add_error("end_time", _("A patrol cannot start and end at the same time."))
        return cleaned

    def data_for_service(self) -> TemplateData:
        cleaned = self.cleaned_data
        return TemplateData(
            name=cleaned["name"],
            shift=cleaned["shift"],
            weekday=cleaned["weekday"],
            start_time=cleaned["start_time"],
            end_time=cleaned["end_time"],
            patrol_count=cleaned["patrol_count"],
            team=cleaned["team"],
            areas=list(cleaned["areas"]),
        )
