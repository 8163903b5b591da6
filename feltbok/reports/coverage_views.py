"""The team lead's coverage of the week: areas × shifts, and patrols against the plan."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from feltbok.core.access import Perm, acting
from feltbok.reports.coverage import IsoWeek, WeekError, week_coverage


@require_GET
@acting(Perm.VIEW_COVERAGE)
def coverage(request, actor, year=None, week=None):
    """The week `year`/`week` (ISO), or the current week."""
    if year is None or week is None:
        iso_week = IsoWeek.of(timezone.localdate())
    else:
        try:
            iso_week = IsoWeek.parse(year, week)
        except WeekError as error:
            context = {"error": str(error), "current": IsoWeek.of(timezone.localdate())}
            return render(request, "reports/coverage.html", context, status=400)
    context = {
        "coverage": week_coverage(actor, iso_week),
        "current": IsoWeek.of(timezone.localdate()),
    }
    return render(request, "reports/coverage.html", context)
