"""Lectures: the list for a period and the form. Business rules in services and selectors."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from feltbok.core.access import Perm, acting
from feltbok.lectures import selectors, services
from feltbok.lectures.forms import LectureForm, PeriodForm


@require_GET
@acting(Perm.RECORD_LECTURES)
def lecture_list(request, actor):
    form = PeriodForm(request.GET or PeriodForm.default())
    lectures = []
    if form.is_valid():
        lectures = selectors.lectures_between(
            actor, form.cleaned_data["start"], form.cleaned_data["end"]
        )
    context = {"form": form, "lectures": lectures, "summary": selectors.summary(lectures)}
    return render(request, "lectures/list.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@acting(Perm.RECORD_LECTURES)
def lecture_new(request, actor):
    form = LectureForm(
        request.POST or None, staff=selectors.staff_choices(actor), actor_user=actor.user
    )
    if request.method == "POST" and form.is_valid():
        data = services.LectureData(
            date=form.cleaned_data["date"],
            audience=form.cleaned_data["audience"],
            topic=form.cleaned_data["topic"],
            attending=form.cleaned_data["attending"],
            given_by=form.given_by_users(),
            notes=form.cleaned_data["notes"],
        )
        try:
            services.record_lecture(actor, data)
        except services.LectureError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The lecture has been recorded."))
            return redirect("lectures:list")
    status = 400 if form.errors else 200
    return render(request, "lectures/form.html", {"form": form}, status=status)
