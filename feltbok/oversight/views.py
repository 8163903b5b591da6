"""Emergency access and access-log review: thin views over oversight.selectors/services."""

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from feltbok.core.access import Perm, acting
from feltbok.oversight import forms, selectors, services


@require_http_methods(["GET", "POST"])
@acting(Perm.VIEW_PERSON)
def emergency(request, actor, code):
    """The reason page shown instead of a person outside the normal scope.

    404 for another service's person; a person in scope (always, for a team lead) goes
    straight to the person page; a role that may not break the glass gets 403.
    """
    person = selectors.person_for_emergency(actor, code)
    if not selectors.needs_emergency_access(actor, code):
        if actor.can(Perm.BREAK_GLASS) or selectors.in_normal_scope(actor, person):
            return redirect("people:detail", code=code)
        raise PermissionDenied
    form = forms.EmergencyAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.grant_emergency_access(actor, person, **form.cleaned_data)
        except services.EmergencyAccessError as error:
            form.add_error(None, str(error))
        else:
            messages.warning(
                request,
                _("Emergency access until %(time)s. Your team lead sees it, with your reason.")
                % {"time": timezone.localtime(grant.expires_at).strftime("%d.%m. %H:%M")},
            )
            return redirect("people:detail", code=person.code)
    status = 400 if form.errors else 200
    return render(
        request,
        "oversight/emergency.html",
        {"person": person, "form": form, "hours": selectors.grant_hours()},
        status=status,
    )


@require_GET
@acting()
def mine(request, actor):
    if not (actor.can(Perm.BREAK_GLASS) or actor.can(Perm.REVIEW_ACCESS)):
        raise PermissionDenied
    grants = selectors.my_grants(actor)
    services.log_review(actor, "emergency_access", {"list": "mine", "rows": len(grants)})
    return render(request, "oversight/mine.html", {"grants": grants, "now": timezone.now()})


def _filter_form(request, actor):
    form = forms.ReviewFilterForm(request.GET, staff=selectors.staff_choices(actor))
    if form.is_bound and not form.is_valid():
        return form, None
    return form, form.values()


def _filters_detail(values):
    since, until, user, kind = values
    return {
        "since": since.date().isoformat(),
        "until": until.date().isoformat(),
        "user": str(user.code) if user else "",
        "kind": kind or "",
    }


@require_GET
@acting(Perm.REVIEW_ACCESS)
def emergency_list(request, actor):
    form, values = _filter_form(request, actor)
    grants = []
    if values:
        since, until, user, _kind = values
        grants = selectors.service_grants(actor, since=since, until=until, user=user)
        services.log_review(
            actor, "emergency_access", {**_filters_detail(values), "rows": len(grants)}
        )
    return render(
        request,
        "oversight/emergency_list.html",
        {"form": form, "grants": grants, "now": timezone.now()},
        status=200 if values else 400,
    )


@require_GET
@acting(Perm.REVIEW_ACCESS)
def review(request, actor):
    form, values = _filter_form(request, actor)
    result = None
    if values:
        since, until, user, kind = values
        result = selectors.review_findings(actor, since=since, until=until, user=user, kind=kind)
        services.log_review(
            actor, "access_review", {**_filters_detail(values), "rows": len(result.findings)}
        )
    return render(
        request,
        "oversight/review.html",
        {
            "form": form,
            "review": result,
            "threshold": selectors.burst_threshold(),
            "query": request.GET.urlencode(),
        },
        status=200 if values else 400,
    )


def _cell(value):
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_http_methods(["GET", "POST"])
@acting(Perm.REVIEW_ACCESS)
def review_export(request, actor):
    """The findings name persons: they leave only as a protected export (GET asks first)."""
    from feltbok.exports.selectors import person_ids_for_codes
    from feltbok.exports.services import create_protected_export
    from feltbok.exports.views import render_created

    form, values = _filter_form(request, actor)
    if not values:
        return render(
            request,
            "oversight/review.html",
            {"form": form, "review": None, "threshold": selectors.burst_threshold()},
            status=400,
        )
    back_url = f"{reverse('oversight:review')}?{request.GET.urlencode()}"
    if request.method == "GET":
        return render(
            request,
            "exports/confirm.html",
            {"title": _("Export the access review"), "back_url": back_url},
        )
    since, until, user, kind = values
    result = selectors.review_findings(actor, since=since, until=until, user=user, kind=kind)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Time"),
            _("Kind"),
            _("Staff member"),
            _("Person"),
            _("Person code"),
            pgettext("how many", "Count"),
            _("Detail"),
        ]
    )
    for finding in result.findings:
        writer.writerow(
            [
                _cell(timezone.localtime(finding.at).isoformat(timespec="seconds")),
                finding.kind,
                _cell(finding.user_label),
                _cell(finding.person_label),
                finding.person_code,
                finding.count,
                _cell(finding.detail),
            ]
        )
    name = f"access-review-{since.date():%Y%m%d}-{until.date():%Y%m%d}"
    codes = {str(f.person_code) for f in result.findings if f.person_code}
    created = create_protected_export(
        actor,
        kind="access_review",
        title=f"{_('Access review')} {since.date():%d.%m.%Y}–{until.date():%d.%m.%Y}",
        files={f"{name}.csv": buffer.getvalue().encode("utf-8")},
        person_ids=person_ids_for_codes(actor, codes),
        detail={**_filters_detail(values), "rows": len(result.findings)},
    )
    return render_created(request, created, back_url=back_url)


@require_GET
@acting(Perm.REVIEW_ACCESS)
def monthly(request, actor):
    today = timezone.localdate()
    form = forms.MonthForm(request.GET if "month" in request.GET else {"month": f"{today:%Y-%m}"})
    if not form.is_valid():
        return render(request, "oversight/monthly.html", {"form": form}, status=400)
    year, month = form.year_month()
    result, rows = selectors.monthly_report(actor, year=year, month=month)
    services.log_review(actor, "access_report", {"month": f"{year:04d}-{month:02d}"})
    previous = f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"
    following = f"{year + (month == 12):04d}-{month % 12 + 1:02d}"
    return render(
        request,
        "oversight/monthly.html",
        {
            "form": form,
            "review": result,
            "rows": rows,
            "month_start": selectors.month_bounds(year, month)[0],
            "previous": previous,
            "following": following,
        },
    )
