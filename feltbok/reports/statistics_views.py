"""The statistics page and its exports. Every figure is suppressed (statistics.run)."""

import csv
import io

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, acting
from feltbok.reports import statistics
from feltbok.reports.forms import StatisticsForm


def _result(request, actor):
    """(form, result); result None when the input is refused (the form holds the message)."""
    form = StatisticsForm(request.GET or StatisticsForm.initial_data(), actor=actor)
    if not form.is_valid():
        return form, None
    try:
        return form, statistics.run(actor, form.query())
    except statistics.StatisticsError as error:
        form.add_error(None, str(error))
        return form, None


def _chart_data(result):
    table = result.table
    return {
        "labels": table.columns,
        "series": [
            {"label": " · ".join(row.labels), "values": row.cells} for row in table.rows[:12]
        ],
        "title": table.measure_label,
    }


@require_GET
@acting(Perm.VIEW_STATISTICS)
def statistics_page(request, actor):
    form, result = _result(request, actor)
    context = {
        "form": form,
        "result": result,
        "chart": _chart_data(result) if result else None,
        "hidden_mark": statistics.HIDDEN,
        "threshold": statistics.threshold_for(actor),
        "query_string": request.GET.urlencode(),
    }
    return render(request, "reports/statistics.html", context, status=200 if result else 400)


def _filename(result, extension):
    table = result.table
    return f"feltbok-{table.query.measure}-{table.start}-{table.end}.{extension}"


def _note(result):
    return _(
        "Figures from 1 to %(upper)s, and figures from which they could be worked out, are shown "
        'as "%(mark)s".'
    ) % {"upper": result.table.threshold - 1, "mark": statistics.HIDDEN}


@require_GET
@acting(Perm.VIEW_STATISTICS)
def statistics_export(request, actor, extension):
    form, result = _result(request, actor)
    if result is None:
        context = {"form": form, "result": None, "threshold": statistics.threshold_for(actor)}
        return render(request, "reports/statistics.html", context, status=400)
    table = result.table
    title = f"{table.measure_label}, {table.start} – {table.end}"
    rows = statistics.rows_for_export(result)
    if extension == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([title])
        writer.writerows(rows)
        writer.writerow([_note(result)])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Statistics")[:31]
        sheet.append([title])
        sheet["A1"].font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.append([])
        sheet.append([_note(result)])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{_filename(result, extension)}"'
    # Figures leaving the system: which ones, by whom (aggregates only, nothing person-level).
    query = table.query
    with transaction.atomic():
        log_action(
            actor,
            AuditAction.EXPORT,
            object_type="statistics",
            detail={
                "format": extension,
                "measure": query.measure,
                "start": str(table.start),
                "end": str(table.end),
                "bucket": query.bucket,
                "rows": list(query.rows),
                "filters": {key: str(value) for key, value in query.filters.items()},
            },
        )
    return response
