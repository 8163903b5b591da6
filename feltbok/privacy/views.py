"""Retention settings, legal holds and erasure: thin views over privacy.selectors/services."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feltbok.core.access import Perm, acting
from feltbok.oncall.services import settings_for as oncall_settings_for
from feltbok.privacy import forms, selectors, services
from feltbok.privacy.models import LIMITS, Rule


def _settings_page(request, actor, form, status=200):
    row = services.settings_for(actor.service)
    preview = services.apply_retention(actor.service, dry_run=True)
    labels = dict(Rule.choices)
    return render(
        request,
        "privacy/settings.html",
        {
            "form": form,
            "settings": row,
            "reporter_days": oncall_settings_for(actor.service).reporter_retention_days,
            "due": [(labels[rule], what, count) for rule, what, count in preview.counts],
            "due_total": preview.total,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@acting(Perm.CONFIGURE_RETENTION)
def settings_view(request, actor):
    if request.method == "GET":
        row = services.settings_for(actor.service)
        initial = {name: getattr(row, name) for name in LIMITS}
        return _settings_page(request, actor, forms.SettingsForm(initial=initial))
    form = forms.SettingsForm(request.POST)
    if form.is_valid():
        try:
            services.save_settings(actor, services.SettingsData(**form.cleaned_data))
        except services.PrivacyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Retention periods saved."))
            return redirect("privacy:settings")
    return _settings_page(request, actor, form, status=400)


@require_GET
@acting(Perm.VIEW_SHREDDING)
def log_view(request, actor):
    return render(
        request,
        "privacy/log.html",
        {
            "records": selectors.shredding_log(actor),
            "holds": selectors.active_holds(actor),
            "limit": selectors.LOG_LIMIT,
            "show_settings": actor.can(Perm.CONFIGURE_RETENTION),
        },
    )


def _person_page(request, actor, person, *, hold_form=None, erase_form=None, status=200):
    holds = selectors.holds_of(person)
    return render(
        request,
        "privacy/person.html",
        {
            "person": person,
            "show_name": actor.can(Perm.VIEW_PERSON),
            "holds": holds,
            "active_hold": next((hold for hold in holds if hold.active), None),
            "erasure": selectors.erasure_of(person),
            "hold_form": hold_form or forms.ReasonForm(prefix="hold"),
            "lift_form": forms.ReasonForm(prefix="lift"),
            "erase_form": erase_form or forms.EraseForm(prefix="erase"),
            "can_hold": actor.can(Perm.LEGAL_HOLD),
            "can_erase": actor.can(Perm.ERASE_PERSON),
        },
        status=status,
    )


@require_GET
@acting()
def person_view(request, actor, code):
    person = selectors.person_for_privacy(actor, code)
    return _person_page(request, actor, person)


@require_POST
@acting(Perm.LEGAL_HOLD)
def hold_view(request, actor, code):
    person = selectors.person_for_privacy(actor, code)
    form = forms.ReasonForm(request.POST, prefix="hold")
    if form.is_valid():
        try:
            services.place_hold(actor, person, form.cleaned_data["reason"])
        except services.PrivacyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Legal hold placed: retention and erasure are stopped."))
            return redirect("privacy:person", code=person.code)
    return _person_page(request, actor, person, hold_form=form, status=400)


@require_POST
@acting(Perm.LEGAL_HOLD)
def lift_view(request, actor, code):
    hold = selectors.hold_for_lift(actor, code)
    form = forms.ReasonForm(request.POST, prefix="lift")
    error = None
    if form.is_valid():
        try:
            services.lift_hold(actor, hold, form.cleaned_data["reason"])
        except services.PrivacyError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Legal hold lifted."))
            return redirect("privacy:person", code=hold.person.code)
    else:
        error = form.errors.get("reason", [_("Give a reason.")])[0]
    messages.error(request, error)
    return redirect("privacy:person", code=hold.person.code)


@require_POST
@acting(Perm.ERASE_PERSON)
def erase_view(request, actor, code):
    person = selectors.person_for_privacy(actor, code)
    form = forms.EraseForm(request.POST, prefix="erase")
    if form.is_valid():
        try:
            services.erase_person(actor, person, form.cleaned_data["reason"])
        except services.PrivacyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The person has been erased from every copy."))
            return redirect("privacy:person", code=person.code)
    return _person_page(request, actor, person, erase_form=form, status=400)
