"""Notification pages: the open list, raising a concern, one notification and its steps.

There is no delete view: a notification is only ever corrected, with history.
"""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feltbok.core.access import Perm, acting, get_scoped_or_404
from feltbok.notifications import selectors, services
from feltbok.notifications.forms import (
    ApproveForm,
    AssessForm,
    ConcernForm,
    CorrectionForm,
    DecideForm,
    FollowUpForm,
    SentForm,
)
from feltbok.notifications.models import NotificationStatus
from feltbok.people.models import Person


@require_GET
@acting(Perm.RAISE_CONCERN)
def open_list(request, actor):
    rows, waiting = selectors.open_list(actor)
    return render(request, "notifications/list.html", {"rows": rows, "waiting": waiting})


@require_http_methods(["GET", "POST"])
@acting(Perm.RAISE_CONCERN)
def create(request, actor):
    person_code = request.POST.get("person") or request.GET.get("person")
    person = None
    if person_code:
        try:
            person_code = uuid.UUID(person_code)
        except ValueError as exc:  # a malformed code is as unknown as a foreign one
            raise Http404 from exc
        person = get_scoped_or_404(actor, Person, code=person_code)
    types = selectors.types_for(actor)
    form = ConcernForm(request.POST or None, types=types)
    if request.method == "POST" and form.is_valid():
        try:
            notification = services.record_concern(
                actor,
                notification_type=form.cleaned_data["notification_type"],
                concern=form.cleaned_data["concern"],
                person=person,
                subject=form.cleaned_data["subject"],
                concern_at=form.cleaned_data["concern_at"],
            )
        except services.NotificationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The concern has been recorded. The deadline is running."))
            return redirect("notifications:detail", code=notification.code)
    status = 400 if form.errors else 200
    context = {"form": form, "person": person, "types": types}
    return render(request, "notifications/create.html", context, status=status)


def _context(actor, notification, **forms):
    context = {
        "notification": notification,
        "may_handle": actor.can(Perm.HANDLE_NOTIFICATIONS),
        "may_decide": services.may_decide(actor, notification.notification_type),
        "may_approve": actor.can(Perm.APPROVE_NOTIFICATIONS)
        and notification.decided_by_id != actor.user.pk,
        "awaiting_approval": notification.status == NotificationStatus.DECIDED
        and notification.notification_type.requires_approval,
        "ready_to_send": notification.decision == "send"
        and notification.status
        == (
            NotificationStatus.APPROVED
            if notification.notification_type.requires_approval
            else NotificationStatus.DECIDED
        ),
        "assess_form": AssessForm(),
        "decide_form": DecideForm(),
        "approve_form": ApproveForm(),
        "sent_form": SentForm(initial={"channel": "secure_message"}),
        "follow_up_form": FollowUpForm(),
    }
    context.update(forms)
    return context


@require_GET
@acting(Perm.RAISE_CONCERN)
def detail(request, actor, code):
    notification = selectors.open_notification(actor, code)
    return render(request, "notifications/detail.html", _context(actor, notification))


def _step_view(form_class, form_name, perm, run, success):
    """A POST that takes one step; a refusal shows the page again with the message."""

    @require_POST
    @acting(Perm.RAISE_CONCERN, perm)
    def view(request, actor, code):
        notification = selectors.notification_for_update(actor, code)
        form = form_class(request.POST)
        if form.is_valid():
            try:
                run(actor, notification, form.cleaned_data)
            except services.NotificationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, success())
                return redirect("notifications:detail", code=notification.code)
        notification = selectors.open_notification(actor, code)
        context = _context(actor, notification, **{form_name: form})
        return render(request, "notifications/detail.html", context, status=400)

    return view


assess = _step_view(
    AssessForm,
    "assess_form",
    Perm.HANDLE_NOTIFICATIONS,
    lambda actor, n, data: services.assess(actor, n, data["assessment"]),
    lambda: _("The assessment has been recorded."),
)
decide = _step_view(
    DecideForm,
    "decide_form",
    Perm.HANDLE_NOTIFICATIONS,
    lambda actor, n, data: services.decide(actor, n, data["decision"], data["reasons"]),
    lambda: _("The decision has been recorded."),
)
approve = _step_view(
    ApproveForm,
    "approve_form",
    Perm.APPROVE_NOTIFICATIONS,
    lambda actor, n, data: services.approve(actor, n, data["note"]),
    lambda: _("The decision has been approved."),
)
mark_sent = _step_view(
    SentForm,
    "sent_form",
    Perm.HANDLE_NOTIFICATIONS,
    lambda actor, n, data: services.mark_sent(
        actor, n, recipient=data["recipient"], channel=data["channel"], sent_at=data["sent_at"]
    ),
    lambda: _("The notification is marked as sent."),
)
follow_up = _step_view(
    FollowUpForm,
    "follow_up_form",
    Perm.HANDLE_NOTIFICATIONS,
    lambda actor, n, data: services.record_follow_up(actor, n, data["text"]),
    lambda: _("The follow-up has been recorded."),
)


@require_http_methods(["GET", "POST"])
@acting(Perm.RAISE_CONCERN, Perm.HANDLE_NOTIFICATIONS)
def correct(request, actor, code):
    notification = selectors.notification_for_update(actor, code)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.correct(
                actor,
                notification,
                field=form.cleaned_data["field"],
                value=form.cleaned_data["value"],
                reason=form.cleaned_data["reason"],
            )
        except services.NotificationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The correction has been saved; the old text is kept."))
            return redirect("notifications:detail", code=notification.code)
    status = 400 if form.errors else 200
    context = {"form": form, "notification": notification}
    return render(request, "notifications/correct.html", context, status=status)
