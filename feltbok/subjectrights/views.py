"""Data-subject requests for one person: the access export and rectification."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from feltbok.core.access import Perm, acting
from feltbok.exports.views import no_store, render_created
from feltbok.people.selectors import open_person
from feltbok.subjectrights import forms, services


@require_http_methods(["GET", "POST"])
@acting(Perm.VIEW_PERSON, Perm.SUBJECT_ACCESS)
def access_export(request, actor, code):
    person = open_person(actor, code)
    form = forms.AccessExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.make_access_export(actor, person, form.cleaned_data["reason"])
        except services.SubjectRightsError as error:
            form.add_error(None, str(error))
        else:
            return render_created(
                request, created, back_url=reverse("people:detail", args=[person.code])
            )
    status = 400 if form.errors else 200
    return no_store(
        render(
            request,
            "subjectrights/access_export.html",
            {"person": person, "form": form},
            status=status,
        )
    )


@require_http_methods(["GET", "POST"])
@acting(Perm.VIEW_PERSON, Perm.RECTIFY_PERSON)
def correct(request, actor, code):
    from feltbok.oversight.selectors import needs_emergency_access  # break the glass

    if needs_emergency_access(actor, code):
        return redirect("oversight:emergency", code=code)
    person = open_person(actor, code)
    current = services.current_values(actor, person)
    with_identity = "full_name" in current
    form = forms.CorrectionForm(request.POST or None, initial=current, with_identity=with_identity)
    if request.method == "POST" and form.is_valid():
        try:
            services.rectify_person(actor, person, form.changes(), form.cleaned_data["reason"])
        except services.SubjectRightsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The details are corrected; the earlier values are kept."))
            return redirect("people:detail", code=person.code)
    status = 400 if form.errors else 200
    return no_store(
        render(
            request, "subjectrights/correct.html", {"person": person, "form": form}, status=status
        )
    )
