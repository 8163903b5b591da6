"""On-call pages: the dispatch board, logging a call, an inquiry and its steps, walk-ins,
opening hours. Thin views over services and selectors."""

import datetime
import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feltbok.accounts.models import User
from feltbok.core.access import Perm, acting, get_scoped_or_404, scoped
from feltbok.fieldwork.models import Patrol
from feltbok.oncall import selectors, services
from feltbok.oncall.forms import (
    CloseForm,
    DispatchForm,
    ExceptionForm,
    FeedbackForm,
    HoursForm,
    InquiryForm,
    NoteForm,
    PersonSearchForm,
    SettingsForm,
    WalkInForm,
)
from feltbok.oncall.models import LineKind, OpeningException, OpeningHours
from feltbok.people.models import Person

# -- The dispatch board --------------------------------------------------------------------


def _board_context(actor):
    service = actor.service
    return {
        "board": selectors.board(actor),
        "on_call_open": selectors.is_open(service, LineKind.ON_CALL),
        "walk_in_open": selectors.is_open(service, LineKind.WALK_IN),
    }


@require_GET
@acting(Perm.TRIAGE_INQUIRIES)
def board(request, actor):
    return render(request, "oncall/board.html", _board_context(actor))


@require_GET
@acting(Perm.TRIAGE_INQUIRIES)
def board_rows(request, actor):
    """The board's list alone: htmx fetches it every 15 seconds."""
    return render(request, "oncall/_board_rows.html", _board_context(actor))


@require_http_methods(["GET", "POST"])
@acting(Perm.TRIAGE_INQUIRIES)
def log_call(request, actor):
    form = InquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = services.InquiryData(
            concern=form.cleaned_data["concern"],
            urgency=form.cleaned_data["urgency"],
            caller_type=form.cleaned_data["caller_type"],
            channel=form.cleaned_data["channel"],
            where=form.cleaned_data["where"],
            when=form.cleaned_data["when"],
            reporter_name=form.cleaned_data["reporter_name"],
            reporter_phone=form.cleaned_data["reporter_phone"],
        )
        try:
            inquiry = services.log_inquiry(actor, data)
        except services.OncallError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The inquiry has been logged. Send it to a patrol."))
            return redirect("oncall:detail", code=inquiry.code)
    status = 400 if form.errors else 200
    return render(request, "oncall/log_call.html", {"form": form}, status=status)


@require_GET
@acting(Perm.HANDLE_INQUIRIES)
def mine(request, actor):
    return render(request, "oncall/mine.html", {"inquiries": selectors.sent_to_me(actor)})


# -- One inquiry ---------------------------------------------------------------------------


def _detail_context(actor, inquiry, **forms):
    triage = actor.can(Perm.TRIAGE_INQUIRIES)
    context = {
        "inquiry": inquiry,
        "triage": triage,
        "can_handle": services.can_handle(actor, inquiry),
        "note_form": NoteForm(),
        "close_form": CloseForm(),
    }
    if triage:
        context["dispatch_form"] = DispatchForm(
            patrols=selectors.patrols_on_duty(actor), staff=selectors.assignable_staff(actor)
        )
        context["feedback_form"] = FeedbackForm(
            initial={"feedback": inquiry.feedback, "reason": inquiry.feedback_reason}
        )
        context["search_form"] = PersonSearchForm() if actor.can(Perm.SEARCH_PERSON) else None
    context.update(forms)
    return context


@require_GET
@acting(Perm.HANDLE_INQUIRIES)
def detail(request, actor, code):
    inquiry = selectors.open_inquiry(actor, code)
    return render(request, "oncall/detail.html", _detail_context(actor, inquiry))


def _refused(request, actor, code, form_name, form, error):
    """Show the inquiry again with the refusal on the form that was sent; nothing stored."""
    form.add_error(None, str(error))
    inquiry = selectors.open_inquiry(actor, code)
    if form_name == "dispatch_form":
        form.fields["patrol"].widget.choices = (
            DispatchForm(patrols=selectors.patrols_on_duty(actor)).fields["patrol"].widget.choices
        )
        form.fields["assignee"].widget = (
            DispatchForm(staff=selectors.assignable_staff(actor)).fields["assignee"].widget
        )
    context = _detail_context(actor, inquiry, **{form_name: form})
    return render(request, "oncall/detail.html", context, status=400)


def _back(request, inquiry):
    """Back to where the form was sent from (patrol mode), or to the inquiry."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("oncall:detail", code=inquiry.code)


@require_POST
@acting(Perm.TRIAGE_INQUIRIES)
def dispatch(request, actor, code):
    inquiry = selectors.inquiry_for_update(actor, code)
    form = DispatchForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, actor, code, "dispatch_form", form, _("Choose a patrol or a staff member.")
        )
    patrol = assignee = None
    if form.cleaned_data["patrol"]:
        # Any patrol is looked up, so one of another service or not on duty gets a clear refusal.
        patrol = Patrol.objects.filter(code=form.cleaned_data["patrol"]).first()
        if patrol is None:
            error = _("That patrol is not on duty now. Choose a patrol under way.")
            return _refused(request, actor, code, "dispatch_form", form, error)
    if form.cleaned_data["assignee"]:
        assignee = User.objects.filter(code=form.cleaned_data["assignee"]).first()
        if assignee is None:
            error = _("Choose a staff member of this service.")
            return _refused(request, actor, code, "dispatch_form", form, error)
    try:
        services.dispatch(
            actor, inquiry, patrol=patrol, assignee=assignee, note=form.cleaned_data["note"]
        )
    except services.OncallError as error:
        return _refused(request, actor, code, "dispatch_form", form, error)
    messages.success(request, _("The inquiry has been sent."))
    return redirect("oncall:detail", code=inquiry.code)


@require_POST
@acting(Perm.HANDLE_INQUIRIES)
def follow_up(request, actor, code):
    inquiry = selectors.inquiry_for_update(actor, code)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, actor, code, "note_form", form, _("Check the field."))
    try:
        services.start_follow_up(actor, inquiry, form.cleaned_data["note"])
    except services.OncallError as error:
        return _refused(request, actor, code, "note_form", form, error)
    messages.success(request, _("Marked as being followed up."))
    return _back(request, inquiry)


@require_POST
@acting(Perm.HANDLE_INQUIRIES)
def note(request, actor, code):
    inquiry = selectors.inquiry_for_update(actor, code)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, actor, code, "note_form", form, _("Check the field."))
    try:
        services.add_note(actor, inquiry, form.cleaned_data["note"])
    except services.OncallError as error:
        return _refused(request, actor, code, "note_form", form, error)
    messages.success(request, _("What was done has been recorded."))
    return _back(request, inquiry)


@require_POST
@acting(Perm.HANDLE_INQUIRIES)
def close(request, actor, code):
    inquiry = selectors.inquiry_for_update(actor, code)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _refused(request, actor, code, "close_form", form, _("Choose the outcome."))
    try:
        services.close(actor, inquiry, form.cleaned_data["outcome"], form.cleaned_data["note"])
    except services.OncallError as error:
        return _refused(request, actor, code, "close_form", form, error)
    messages.success(request, _("The inquiry has been closed."))
    return _back(request, inquiry)


@require_POST
@acting(Perm.TRIAGE_INQUIRIES)
def feedback(request, actor, code):
    inquiry = selectors.inquiry_for_update(actor, code)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        error = _("Choose what the caller may be told, and say why.")
        return _refused(request, actor, code, "feedback_form", form, error)
    try:
        services.decide_feedback(
            actor, inquiry, form.cleaned_data["feedback"], form.cleaned_data["reason"]
        )
    except services.OncallError as error:
        return _refused(request, actor, code, "feedback_form", form, error)
    messages.success(request, _("The decision on feedback has been recorded."))
    return redirect("oncall:detail", code=inquiry.code)


@require_http_methods(["GET", "POST"])
@acting(Perm.TRIAGE_INQUIRIES, Perm.SEARCH_PERSON, Perm.VIEW_PERSON)
def link_person(request, actor, code):
    """Find a known person by nickname and link them to the inquiry."""
    from feltbok.people import selectors as people_selectors

    inquiry = selectors.inquiry_for_update(actor, code)
    if request.method == "POST":
        try:
            code = uuid.UUID(request.POST.get("person", ""))
        except ValueError as exc:
            raise Http404 from exc
        person = get_scoped_or_404(actor, Person, code=code)
        try:
            services.link_person(actor, inquiry, person)
        except services.OncallError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The person has been linked."))
        return redirect("oncall:detail", code=inquiry.code)
    form = PersonSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = people_selectors.search_persons(actor, query) if query else None
    context = {"inquiry": inquiry, "form": form, "query": query, "results": results}
    return render(request, "oncall/link_person.html", context)


# -- Walk-in visits ------------------------------------------------------------------------


@require_GET
@acting(Perm.RECORD_WALKINS)
def walk_ins(request, actor):
    today = timezone.localdate()
    day = today
    raw = request.GET.get("date", "")
    if raw:
        try:
            day = datetime.date.fromisoformat(raw)
        except ValueError:
            day = today
    context = {
        "day": day,
        "today": today,
        "visits": selectors.walk_ins_on(actor, day),
        "walk_in_open": selectors.is_open(actor.service, LineKind.WALK_IN),
    }
    return render(request, "oncall/walk_ins.html", context)


@require_http_methods(["GET", "POST"])
@acting(Perm.RECORD_WALKINS)
def walk_in_new(request, actor):
    form = WalkInForm(request.POST or None)
    person = None
    if request.method == "POST" and form.is_valid() and form.cleaned_data["known_person"]:
        if not actor.can(Perm.SEARCH_PERSON):
            form.add_error("known_person", _("Your role cannot look up persons."))
        else:
            person, why = selectors.known_person_by_nickname(
                actor, form.cleaned_data["known_person"]
            )
            if why == "none":
                form.add_error(
                    "known_person",
                    _("No known person has that nickname. Leave it empty and write who above."),
                )
            elif why == "several":
                form.add_error(
                    "known_person",
                    _("Several persons have that nickname. Leave it empty and write who above."),
                )
    if request.method == "POST" and form.is_valid():
        data = services.WalkInData(
            person=person,
            topic=form.cleaned_data["topic"],
            occurred_at=form.cleaned_data["occurred_at"],
            who=form.cleaned_data["who"],
            outcome=form.cleaned_data["outcome"],
            follow_up_needed=form.cleaned_data["follow_up_needed"],
            follow_up=form.cleaned_data["follow_up"],
        )
        try:
            services.record_walk_in(actor, data)
        except services.OncallError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The walk-in visit has been recorded."))
            return redirect("oncall:walk_ins")
    status = 400 if form.errors else 200
    return render(request, "oncall/walk_in_form.html", {"form": form}, status=status)


# -- Opening hours and settings ------------------------------------------------------------


def _settings_context(actor, **forms):
    page = selectors.settings_page(actor)
    row = page["settings"]
    context = {
        **page,
        "settings_form": SettingsForm(
            initial={
                "public_slug": row.public_slug,
                "public_form_enabled": row.public_form_enabled,
                "phone": row.phone,
                "walk_in_address": row.walk_in_address,
                "reporter_retention_days": row.reporter_retention_days,
            }
        ),
        "hours_form": HoursForm(),
        "exception_form": ExceptionForm(initial={"closed": True}),
    }
    context.update(forms)
    return context


def _settings_refused(request, actor, form_name, form, error=None):
    if error:
        form.add_error(None, str(error))
    context = _settings_context(actor, **{form_name: form})
    return render(request, "oncall/settings.html", context, status=400)


@require_http_methods(["GET", "POST"])
@acting(Perm.CONFIGURE_ONCALL)
def settings_view(request, actor):
    if request.method == "GET":
        return render(request, "oncall/settings.html", _settings_context(actor))
    form = SettingsForm(request.POST)
    if not form.is_valid():
        return _settings_refused(request, actor, "settings_form", form)
    try:
        services.save_settings(actor, services.SettingsData(**form.cleaned_data))
    except services.OncallError as error:
        return _settings_refused(request, actor, "settings_form", form, error)
    messages.success(request, _("The on-call settings have been saved."))
    return redirect("oncall:settings")


@require_POST
@acting(Perm.CONFIGURE_ONCALL)
def hours_add(request, actor):
    form = HoursForm(request.POST)
    if not form.is_valid():
        return _settings_refused(request, actor, "hours_form", form)
    try:
        services.add_opening_hours(actor, **form.cleaned_data)
    except services.OncallError as error:
        return _settings_refused(request, actor, "hours_form", form, error)
    messages.success(request, _("The opening hours have been saved."))
    return redirect("oncall:settings")


@require_POST
@acting(Perm.CONFIGURE_ONCALL)
def hours_remove(request, actor, code):
    row = get_scoped_or_404(actor, OpeningHours, code=code)
    services.remove_opening_hours(actor, row)
    messages.success(request, _("The opening hours have been removed."))
    return redirect("oncall:settings")


@require_POST
@acting(Perm.CONFIGURE_ONCALL)
def exception_add(request, actor):
    form = ExceptionForm(request.POST)
    if not form.is_valid():
        return _settings_refused(request, actor, "exception_form", form)
    try:
        services.add_exception(actor, **form.cleaned_data)
    except services.OncallError as error:
        return _settings_refused(request, actor, "exception_form", form, error)
    messages.success(request, _("The exception has been saved."))
    return redirect("oncall:settings")


@require_POST
@acting(Perm.CONFIGURE_ONCALL)
def exception_remove(request, actor, code):
    row = get_scoped_or_404(actor, scoped(actor, OpeningException), code=code)
    services.remove_exception(actor, row)
    messages.success(request, _("The exception has been removed."))
    return redirect("oncall:settings")
