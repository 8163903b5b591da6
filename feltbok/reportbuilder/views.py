"""Report builder pages: thin views over reportbuilder.selectors/services/rendering."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feltbok.core.access import Perm, acting
from feltbok.reportbuilder import forms, rendering, selectors, services
from feltbok.reportbuilder.models import SectionKind, checksum
from feltbok.reports import statistics

PDF_TYPE = "application/pdf"


@require_GET
@acting(Perm.BUILD_REPORTS, Perm.VIEW_STATISTICS)
def report_list(request, actor):
    return render(request, "reportbuilder/list.html", {"reports": selectors.reports_for(actor)})


def _report_data(form):
    return {key: form.cleaned_data[key] for key in form.fields}


@require_http_methods(["GET", "POST"])
@acting(Perm.BUILD_REPORTS, Perm.VIEW_STATISTICS)
def create(request, actor):
    period = forms.StatisticsForm.initial_data()
    initial = {
        "language": actor.service.language,
        "period_start": period["start"],
        "period_end": period["end"],
    }
    form = forms.ReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.create_report(actor, **_report_data(form))
        except services.ReportError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The report has been created. Add its sections."))
            return redirect("reportbuilder:detail", code=report.code)
    status = 400 if form.errors else 200
    return render(
        request, "reportbuilder/report_form.html", {"form": form, "report": None}, status=status
    )


@require_GET
@acting(Perm.BUILD_REPORTS, Perm.VIEW_STATISTICS)
def detail(request, actor, code):
    report = selectors.report_for(actor, code)
    sections = selectors.sections_of(report)
    versions = selectors.versions_of(report)
    for section in sections:
        if section.kind == SectionKind.FIGURE:
            section.summary = _figure_summary(actor, section.figure)
    return render(
        request,
        "reportbuilder/detail.html",
        {
            "report": report,
            "sections": sections,
            "versions": versions,
            "draft": selectors.is_draft(report, versions),
        },
    )


def _figure_summary(actor, figure):
    measure = statistics.MEASURES.get(figure.get("measure"))
    parts = [str(measure.label) if measure else "?"]
    rows = [str(statistics.DIMENSIONS[key].label) for key in figure.get("rows") or []]
    if rows:
        parts.append(_("by %(rows)s") % {"rows": ", ".join(rows)})
    filters = rendering.describe_filters(actor, figure.get("filters") or {})
    if filters:
        parts.append(filters)
    return " · ".join(parts)


@require_http_methods(["GET", "POST"])
@acting(Perm.BUILD_REPORTS, Perm.VIEW_STATISTICS)
def edit(request, actor, code):
    report = selectors.report_for(actor, code)
    initial = {
        "title": report.title,
        "audience": report.audience,
        "language": report.language,
        "period_start": report.period_start,
        "period_end": report.period_end,
    }
    form = forms.ReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_report(actor, report, **_report_data(form))
        except services.ReportError as error:
            form.add_error(None, str(error))
        else:
            return redirect("reportbuilder:detail", code=report.code)
    status = 400 if form.errors else 200
    return render(
        request, "reportbuilder/report_form.html", {"form": form, "report": report}, status=status
    )


def _section_page(request, actor, report, section, kind):
    """Add (section None) or change a section of the given kind."""
    posted = request.POST if request.method == "POST" else None
    if kind == SectionKind.TEXT:
        initial = {"heading": section.heading, "body": section.body} if section else {}
        form = forms.TextSectionForm(posted, initial=initial)
    else:
        initial = {"bucket": "month", "rows": "area"}
        if section:
            initial = {
                "heading": section.heading,
                **forms.FigureSectionForm.initial_for(section.figure),
            }
        form = forms.FigureSectionForm(posted, initial=initial, actor=actor)
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if kind == SectionKind.TEXT and section is None:
                services.add_text_section(actor, report, heading=data["heading"], body=data["body"])
            elif kind == SectionKind.TEXT:
                services.update_section(actor, section, heading=data["heading"], body=data["body"])
            elif section is None:
                services.add_figure_section(
                    actor, report, heading=data["heading"], figure=form.figure()
                )
            else:
                services.update_section(
                    actor, section, heading=data["heading"], figure=form.figure()
                )
        except services.ReportError as error:
            form.add_error(None, str(error))
        else:
            return redirect("reportbuilder:detail", code=report.code)
    status = 400 if form.errors else 200
    template = (
        "reportbuilder/text_form.html"
        if kind == SectionKind.TEXT
        else "reportbuilder/figure_form.html"
    )
    return render(
        request, template, {"form": form, "report": report, "section": section}, status=status
    )


@require_http_methods(["GET", "POST"])
@acting(Perm.BUILD_REPORTS, Perm.VIEW_STATISTICS)
def add_text(request, actor, code):
    report = selectors.report_for(actor, code)
    return _section_page(request, actor, report, None, SectionKind.TEXT)


@require_http_methods(["GET", "POST"])
@acting(Perm.BUILD_REPORTS, Perm.VIEW_STATISTICS)
def add_figure(request, actor, code):
    report = selectors.report_for(actor, code)
    return _section_page(request, actor, report, None, SectionKind.FIGURE)


@require_http_methods(["GET", "POST"])
@acting(Perm.BUILD_REPORTS, Perm.VIEW_STATISTICS)
def edit_section(request, actor, code, section):
    report = selectors.report_for(actor, code)
    section = selectors.section_for(actor, report, section)
    return _section_page(request, actor, report, section, section.kind)


@require_POST
@acting(Perm.BUILD_REPORTS, Perm.VIEW_STATISTICS)
def move_section(request, actor, code, section):
    report = selectors.report_for(actor, code)
    section = selectors.section_for(actor, report, section)
    try:
        services.move_section(actor, section, request.POST.get("direction", ""))
    except services.ReportError as error:
        messages.error(request, str(error))
    return redirect("reportbuilder:detail", code=report.code)


@require_POST
@acting(Perm.BUILD_REPORTS, Perm.VIEW_STATISTICS)
def remove_section(request, actor, code, section):
    report = selectors.report_for(actor, code)
    section = selectors.section_for(actor, report, section)
    services.remove_section(actor, section)
    messages.success(request, _("The section has been removed."))
    return redirect("reportbuilder:detail", code=report.code)


@require_POST
@acting(Perm.BUILD_REPORTS, Perm.VIEW_STATISTICS)
def publish(request, actor, code):
    report = selectors.report_for(actor, code)
    try:
        version = services.publish_version(actor, report)
    except services.ReportError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Version %(n)s has been published. It stays as it is; changes make a new draft.")
            % {"n": version.number},
        )
    return redirect("reportbuilder:detail", code=report.code)


def _file(data, content_type, filename):
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Figures for the administration: never kept in a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response


def _filename(title, suffix, extension):
    return f"{slugify(title)[:60] or 'report'}-{suffix}.{extension}"


@require_GET
@acting(Perm.BUILD_REPORTS, Perm.VIEW_STATISTICS)
def draft_download(request, actor, code, extension):
    """The draft rendered now (not saved): to read it through before publishing."""
    report = selectors.report_for(actor, code)
    document = rendering.build(actor, report)
    if extension == "pdf":
        data, content_type = rendering.pdf_bytes(document), PDF_TYPE
    else:
        data, content_type = rendering.xlsx_bytes(document), rendering.XLSX_TYPE
    services.log_download(actor, report, fmt=extension, sha256=checksum(data))
    return _file(data, content_type, _filename(report.title, _("draft"), extension))


@require_GET
@acting(Perm.BUILD_REPORTS, Perm.VIEW_STATISTICS)
def version_download(request, actor, version, extension):
    version = selectors.version_for(actor, version)
    if extension == "pdf":
        data, digest, content_type = bytes(version.pdf), version.pdf_sha256, PDF_TYPE
    else:
        data, digest, content_type = bytes(version.xlsx), version.xlsx_sha256, rendering.XLSX_TYPE
    if checksum(data) != digest:
        # The stored file no longer matches what was published: refuse rather than send it.
        return render(
            request,
            "reportbuilder/damaged.html",
            {"report": version.report, "version": version},
            status=409,
        )
    services.log_download(actor, version.report, fmt=extension, version=version, sha256=digest)
    return _file(data, content_type, _filename(version.title, f"v{version.number}", extension))
