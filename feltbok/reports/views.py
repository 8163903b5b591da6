from django.shortcuts import render
from django.views.decorators.http import require_GET

from feltbok.core.access import Perm, acting
from feltbok.reports import selectors
from feltbok.reports.disclosure import threshold
from feltbok.reports.forms import PeriodForm


@require_GET
@acting(Perm.VIEW_STATISTICS)
def weekly(request, actor):
    form = PeriodForm(request.GET or PeriodForm.default_period())
    weeks, rows = [], []
    if form.is_valid():
        weeks, rows = selectors.weekly_contacts_by_area(
            actor, form.cleaned_data["start"], form.cleaned_data["end"]
        )
    context = {"form": form, "weeks": weeks, "rows": rows, "threshold": threshold()}
    return render(request, "reports/weekly.html", context, status=200 if form.is_valid() else 400)
