"""Count pages: thin views over counts.services and counts.selectors."""

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feltbok.accounts.models import Role
from feltbok.audit.models import AuditAction
from feltbok.core.access import Perm, acting, get_scoped_or_404
from feltbok.counts import forms, selectors, services
from feltbok.counts.models import CampaignStatus, Comorbidity, CountAgeBand, Duration
from feltbok.people.models import Person
from feltbok.reports.disclosure import threshold

BULK_ROWS = 10
PAPER_ROWS = 10  # persons per A4 page
MAX_PAPER_PAGES = 20


def _default_day(campaign):
    today = timezone.localdate()
    return min(max(today, campaign.starts_on), campaign.ends_on)


@require_GET
@acting()
def campaigns(request, actor):
    return render(request, "counts/campaigns.html", {"campaigns": selectors.campaigns_for(actor)})


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_COUNTS)
def create(request, actor):
    form = forms.CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(actor, **form.cleaned_data)
        except services.CountError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The count has been created. Open it when it starts."))
            return redirect("counts:campaign", code=campaign.code)
    status = 400 if form.errors else 200
    return render(request, "counts/campaign_form.html", {"form": form}, status=status)


@require_GET
@acting()
def campaign(request, actor, code):
    campaign = selectors.campaign_for(actor, code)
    if not actor.can(Perm.RECORD_COUNTS):
        # Analysts and administrators see aggregates only: straight to the result.
        if actor.can(Perm.VIEW_COUNT_RESULT) or actor.can(Perm.VIEW_COUNT_AGGREGATES):
            return redirect("counts:result", code=campaign.code)
        raise PermissionDenied
    return render(
        request,
        "counts/campaign.html",
        {
            "campaign": campaign,
            "observations": selectors.observations_for(actor, campaign),
            "own_only": actor.role == Role.PEER_WORKER,
        },
    )


@require_POST
@acting(Perm.MANAGE_COUNTS)
def status(request, actor, code):
    campaign = selectors.campaign_for(actor, code)
    action = request.POST.get("action")
    try:
        if action == "open":
            services.open_campaign(actor, campaign)
            messages.success(request, _("The count is open: observations can be recorded."))
        elif action == "close":
            services.close_campaign(actor, campaign)
            messages.success(request, _("The count is closed. Its result is final."))
        else:
            raise services.CountError(_("Choose to open or to close the count."))
    except services.CountError as error:
        messages.error(request, str(error))
    return redirect("counts:campaign", code=campaign.code)


def _observation_data(cleaned, person):
    return services.ObservationData(
        observed_on=cleaned["observed_on"],
        source=cleaned.get("source") or "patrol",
        source_name=cleaned.get("source_name") or "",
        category=cleaned["category"],
        gender=cleaned["gender"],
        age_band=cleaned.get("age_band") or CountAgeBand.UNKNOWN,
        comorbidity=cleaned.get("comorbidity") or Comorbidity.UNKNOWN,
        duration=cleaned.get("duration") or Duration.UNKNOWN,
        children=cleaned.get("children") or 0,
        person=person,
        initials=cleaned.get("initials") or "",
        birth_year=cleaned.get("birth_year"),
        area=cleaned.get("area"),
        place=cleaned.get("place"),
    )


@require_http_methods(["GET", "POST"])
@acting(Perm.RECORD_COUNTS)
def observe(request, actor, code):
    campaign = selectors.campaign_for(actor, code)
    person_code = request.POST.get("person") or request.GET.get("person")
    person = None
    if person_code:
        try:
            person = get_scoped_or_404(actor, Person, code=person_code)
        except ValidationError as error:  # a malformed code is a 404 as well
            raise Http404 from error
    query = request.GET.get("q", "").strip()
    found = []
    if query and person is None and actor.can(Perm.SEARCH_PERSON):
        from feltbok.people.selectors import search_persons

        found = search_persons(actor, query, limit=8)
    form = forms.ObservationForm(
        request.POST or None,
        campaign=campaign,
        categories=selectors.categories(campaign),
        actor=actor,
        person=person,
        initial={"observed_on": _default_day(campaign)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            observation = services.record_observation(
                actor, campaign, _observation_data(form.cleaned_data, person)
            )
        except services.CountError as error:
            form.add_error(None, str(error))
        else:
            if observation.merged_into_id:
                messages.success(
                    request,
                    _(
                        "Recorded. This person was already counted: the observations are "
                        "merged and counted once."
                    ),
                )
            else:
                messages.success(request, _("Recorded: one person counted."))
            return redirect("counts:campaign", code=campaign.code)
    status = 400 if form.errors else 200
    return render(
        request,
        "counts/observe.html",
        {"campaign": campaign, "form": form, "person": person, "query": query, "found": found},
        status=status,
    )


def _rebind_rows(rows, categories):
    """A bound formset holding only the given rows (with their errors), then empty lines."""
    data = {"form-TOTAL_FORMS": str(max(len(rows), BULK_ROWS)), "form-INITIAL_FORMS": "0"}
    for index, (old, _message) in enumerate(rows):
        for name in old.fields:
            value = old.data.get(old.add_prefix(name))
            if value is not None:
                data[f"form-{index}-{name}"] = value
    formset = forms.BulkRowFormSet(data, form_kwargs={"categories": categories})
    for form, (_old, message) in zip(formset.forms, rows, strict=False):
        form.is_valid()
        if message:
            form.add_error(None, message)
    return formset


@require_http_methods(["GET", "POST"])
@acting(Perm.RECORD_COUNTS)
def bulk(request, actor, code):
    campaign = selectors.campaign_for(actor, code)
    categories = selectors.categories(campaign)
    source_form = forms.BulkSourceForm(request.POST or None)
    if request.method == "POST":
        formset = forms.BulkRowFormSet(request.POST, form_kwargs={"categories": categories})
        if not formset.management_form.is_valid() or not source_form.is_valid():
            messages.error(request, _("The form was incomplete. Nothing was saved."))
            formset = _rebind_rows([], categories)
            return render(
                request,
                "counts/bulk.html",
                {"campaign": campaign, "formset": formset, "source_form": source_form},
                status=400,
            )
        saved, failed = 0, []
        for form in formset.forms:
            if not form.has_changed():
                continue
            if not form.is_valid():
                failed.append((form, None))
                continue
            cleaned = dict(form.cleaned_data, **source_form.cleaned_data)
            try:
                services.record_observation(actor, campaign, _observation_data(cleaned, None))
            except services.CountError as error:
                failed.append((form, str(error)))
            else:
                saved += 1
        if not failed:
            messages.success(
                request,
                _("%(n)s observations saved.") % {"n": saved}
                if saved
                else _("No lines filled in."),
            )
            if saved:
                return redirect("counts:campaign", code=campaign.code)
            formset = _rebind_rows([], categories)
        else:
            if saved:
                messages.success(request, _("%(n)s observations saved.") % {"n": saved})
            messages.error(
                request,
                _("%(n)s lines were not saved: correct them below and save again.")
                % {"n": len(failed)},
            )
            formset = _rebind_rows(failed, categories)
        return render(
            request,
            "counts/bulk.html",
            {"campaign": campaign, "formset": formset, "source_form": source_form},
            status=400 if failed else 200,
        )
    day = _default_day(campaign).isoformat()
    formset = forms.BulkRowFormSet(
        initial=[{"observed_on": day} for _ in range(BULK_ROWS)],
        form_kwargs={"categories": categories},
    )
    return render(
        request,
        "counts/bulk.html",
        {"campaign": campaign, "formset": formset, "source_form": source_form},
    )


@require_GET
@acting(Perm.RECORD_COUNTS)
def paper(request, actor, code):
    campaign = selectors.campaign_for(actor, code)
    try:
        pages = int(request.GET.get("pages", 1))
    except ValueError:
        pages = 1
    pages = max(1, min(pages, MAX_PAPER_PAGES))
    return render(
        request,
        "counts/paper.html",
        {
            "campaign": campaign,
            "categories": selectors.categories(campaign),
            "pages": range(pages),
            "rows": range(1, PAPER_ROWS + 1),
            "genders": forms.Gender.choices,
            "age_bands": CountAgeBand.choices,
            "comorbidities": Comorbidity.choices,
            "durations": Duration.choices,
        },
    )


def _render_duplicates(request, actor, campaign, form=None, status=200):
    observations = selectors.unmerged_observations(actor, campaign)
    form = form or forms.MergeForm(observations=observations)
    return render(
        request,
        "counts/duplicates.html",
        {"campaign": campaign, "merges": selectors.merges_for(actor, campaign), "form": form},
        status=status,
    )


@require_GET
@acting(Perm.MANAGE_COUNTS)
def duplicates(request, actor, code):
    campaign = selectors.campaign_for(actor, code)
    return _render_duplicates(request, actor, campaign)


@require_POST
@acting(Perm.MANAGE_COUNTS)
def merge(request, actor, code):
    campaign = selectors.campaign_for(actor, code)
    observations = selectors.unmerged_observations(actor, campaign)
    form = forms.MergeForm(request.POST, observations=observations)
    if form.is_valid():
        by_code = {str(o.code): o for o in observations}
        try:
            services.merge_observations(
                actor, by_code[form.cleaned_data["keep"]], by_code[form.cleaned_data["merge"]]
            )
        except services.CountError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Merged: the two observations are counted as one person."))
            return redirect("counts:duplicates", code=campaign.code)
    return _render_duplicates(request, actor, campaign, form=form, status=400)


@require_POST
@acting(Perm.MANAGE_COUNTS)
def unmerge(request, actor, code):
    merge = selectors.merge_for(actor, code)
    try:
        services.unmerge(actor, merge)
    except services.CountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The merge is undone: the observations count separately."))
    return redirect("counts:duplicates", code=merge.campaign.code)


def _result_or_403(actor, code):
    if not (actor.can(Perm.VIEW_COUNT_RESULT) or actor.can(Perm.VIEW_COUNT_AGGREGATES)):
        raise PermissionDenied
    campaign = selectors.campaign_for(actor, code)
    return campaign


@require_GET
@acting()
def result(request, actor, code):
    campaign = _result_or_403(actor, code)
    outcome = selectors.result(actor, campaign)
    return render(
        request,
        "counts/result.html",
        {
            "campaign": campaign,
            "result": outcome,
            "closed": campaign.status == CampaignStatus.CLOSED,
            "threshold": threshold(),
        },
    )


@require_GET
@acting()
def export(request, actor, code):
    campaign = _result_or_403(actor, code)
    outcome = selectors.result(actor, campaign, audit_action=AuditAction.EXPORT)
    rows = selectors.export_rows(outcome)
    name = slugify(campaign.name) or "count"
    if request.GET.get("format") == "xlsx":
        try:
            from openpyxl import Workbook
        except ImportError:  # pragma: no cover - without openpyxl, CSV is the export
            workbook_class = None
        else:
            workbook_class = Workbook
        if workbook_class is not None:
            workbook = workbook_class()
            sheet = workbook.active
            sheet.title = _("Result")[:31]
            for row in rows:
                sheet.append([int(v) if v.isdigit() else v for v in row])
            buffer = io.BytesIO()
            workbook.save(buffer)
            response = HttpResponse(
                buffer.getvalue(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
            return response
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    csv.writer(response).writerows(rows)
    return response
