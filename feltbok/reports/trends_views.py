"""The trend report per field area. Figures come suppressed from statistics.run (via trends)."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from feltbok.core.access import Perm, acting
from feltbok.reports import statistics, trends
from feltbok.reports.trends_forms import TrendForm


@require_GET
@acting(Perm.VIEW_STATISTICS)
def trend_report(request, actor):
    start, end = trends.default_period(timezone.localdate())
    initial = {"start": start, "end": end, "bucket": "month"}
    report = None
    if "area" in request.GET:
        form = TrendForm(request.GET, actor=actor)
        if form.is_valid():
            try:
                report = trends.report(actor, form.query())
            except trends.TrendError as error:
                form.add_error(None, str(error))
    else:
        form = TrendForm(initial=initial, actor=actor)
    context = {"form": form, "report": report, "hidden_mark": statistics.HIDDEN}
    return render(
        request, "reports/trends/report.html", context, status=400 if form.errors else 200
    )
