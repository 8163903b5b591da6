"""Time use: register follow-up time, and field against follow-up hours per worker and team."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from feltbok.core.access import Perm, acting
from feltbok.core.forms import DesignSystemMixin
from feltbok.fieldwork import timeuse
from feltbok.reports.forms import PeriodForm


class FollowUpTimeForm(DesignSystemMixin, forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    minutes = forms.IntegerField(
        label=gettext_lazy("Minutes"),
        min_value=timeuse.MIN_MINUTES,
        max_value=timeuse.MAX_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=gettext_lazy("Whole minutes, for example 90 for an hour and a half."),
        error_messages={
            "min_value": gettext_lazy("Enter between 1 and 960 minutes (16 hours)."),
            "max_value": gettext_lazy("Enter between 1 and 960 minutes (16 hours)."),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("What"),
        max_length=timeuse.MAX_NOTE,
        required=False,
        help_text=gettext_lazy('A few words, such as "escort to the housing office". No names.'),
    )


@require_http_methods(["GET", "POST"])
@acting(Perm.RECORD_TIME)
def register(request, actor):
    form = FollowUpTimeForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            entry = timeuse.register_follow_up_time(
                actor,
                date=form.cleaned_data["date"],
                minutes=form.cleaned_data["minutes"],
                note=form.cleaned_data["note"],
            )
        except timeuse.TimeUseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(time)s of follow-up registered.")
                % {"time": timeuse.format_minutes(entry.minutes)},
            )
            return redirect("reports:time_register")
    context = {"form": form, "entries": timeuse.recent_entries(actor)}
    status = 400 if form.errors else 200
    return render(request, "reports/timeuse_register.html", context, status=status)


@require_GET
@acting(Perm.VIEW_TIME_USE)
def time_use(request, actor):
    form = PeriodForm(request.GET or PeriodForm.default_period())
    report = None
    if form.is_valid():
        report = timeuse.time_use(actor, form.cleaned_data["start"], form.cleaned_data["end"])
    status = 200 if form.is_valid() else 400
    return render(request, "reports/timeuse.html", {"form": form, "report": report}, status=status)
