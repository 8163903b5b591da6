"""Follow-up pages: thin views over followup.services and followup.selectors."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feltbok.core.access import Perm, acting, get_scoped_or_404, scoped
from feltbok.followup import forms, selectors, services
from feltbok.followup.models import (
    Commission,
    ContactAssignment,
    Goal,
    Need,
    Participation,
    Programme,
    Task,
    TaskKind,
)
from feltbok.organisation.models import Place
from feltbok.people.models import Person


def _today():
    return timezone.localdate()


# --- My follow-ups, inactive list, settings -------------------------------------------------


@require_GET
@acting(Perm.VIEW_FOLLOWUP)
def mine(request, actor):
    return render(request, "followup/mine.html", {"mine": selectors.my_followups(actor)})


@require_GET
@acting(Perm.VIEW_FOLLOWUP, Perm.MANAGE_FOLLOWUP)
def inactive(request, actor):
    episodes, settings = selectors.inactive_episodes(actor)
    return render(request, "followup/inactive.html", {"episodes": episodes, "settings": settings})


@require_http_methods(["GET", "POST"])
@acting(Perm.CONFIGURE_FOLLOWUP)
def settings_view(request, actor):
    current = selectors.settings_for(actor.service_id)
    form = forms.SettingsForm(
        request.POST or None,
        initial={
            "inactive_after_days": current.inactive_after_days,
            "share_details_with_workers": current.share_details_with_workers,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_settings(actor, **form.cleaned_data)
        except services.FollowUpError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The follow-up settings have been saved."))
            return redirect("followup:settings")
    status = 400 if form.errors else 200
    return render(request, "followup/settings.html", {"form": form}, status=status)


# --- Starting, declining, ending ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_FOLLOWUP, Perm.VIEW_PERSON)
def start(request, actor, code):
    person = get_scoped_or_404(actor, Person, code=code)
    form = forms.StartEpisodeForm(
        request.POST or None,
        staff=selectors.contact_person_choices(actor),
        initial={"started_on": _today(), "contact_persons": [actor.user.code]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            episode = services.start_episode(
                actor,
                person,
                contact_persons=list(form.cleaned_data["contact_persons"]),
                started_on=form.cleaned_data["started_on"],
            )
        except services.FollowUpError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The follow-up has started."))
            return redirect("followup:episode", code=episode.code)
    status = 400 if form.errors else 200
    return render(request, "followup/start.html", {"person": person, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_FOLLOWUP, Perm.VIEW_PERSON)
def declined(request, actor, code):
    person = get_scoped_or_404(actor, Person, code=code)
    form = forms.DeclinedForm(request.POST or None, initial={"declined_on": _today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_declined(
                actor,
                person,
                declined_on=form.cleaned_data["declined_on"],
                note=form.cleaned_data["note"],
            )
        except services.FollowUpError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _(
                    "Declined contact recorded. The door stays ajar: the person can be "
                    "approached again."
                ),
            )
            return redirect("people:detail", code=person.code)
    status = 400 if form.errors else 200
    return render(
        request, "followup/declined.html", {"person": person, "form": form}, status=status
    )


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_FOLLOWUP)
def end(request, actor, code):
    episode = selectors.episode_for(actor, code)
    if selectors.access_to(actor, episode) != selectors.Access.DETAILS:
        raise PermissionDenied
    form = forms.EndEpisodeForm(request.POST or None, initial={"ended_on": _today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_episode(
                actor,
                episode,
                reason=form.cleaned_data["reason"],
                ended_on=form.cleaned_data["ended_on"],
                note=form.cleaned_data["note"],
            )
        except services.FollowUpError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The follow-up has ended."))
            return redirect("followup:episode", code=episode.code)
    status = 400 if form.errors else 200
    return render(request, "followup/end.html", {"episode": episode, "form": form}, status=status)


# --- The episode page and its inline forms --------------------------------------------------


def _episode_forms(actor, page, bound=None):
    """The forms on the episode page; `bound` replaces one of them after a refused post."""
    today = _today()
    episode = page.episode
    result = {
        "note_form": forms.NoteForm(initial={"written_on": today, "was_contact": True}),
    }
    if page.details and episode.is_open:
        result.update(
            need_form=forms.NeedForm(),
            goal_form=forms.GoalForm(),
            contact_form=forms.ContactPersonForm(staff=selectors.contact_person_choices(actor)),
            enrol_form=forms.EnrolForm(
                programmes=scoped(actor, Programme).filter(is_active=True),
                initial={"started_on": today},
            ),
        )
    result.update(bound or {})
    return result


def _render_episode(request, actor, code, *, status=200, bound=None, error=None):
    page = selectors.open_episode(actor, code)
    context = {
        "page": page,
        "episode": page.episode,
        "today": _today(),
        "need_statuses": forms.NeedStatus.choices,
        "goal_statuses": forms.GoalStatus.choices,
        "commission_statuses": forms.CommissionStatus.choices,
        "error": error,
        **_episode_forms(actor, page, bound),
    }
    return render(request, "followup/episode.html", context, status=status)


@require_GET
@acting(Perm.VIEW_FOLLOWUP)
def episode(request, actor, code):
    return _render_episode(request, actor, code)


def _done(request, message, episode):
    messages.success(request, message)
    return redirect("followup:episode", code=episode.code)


@require_POST
@acting(Perm.MANAGE_FOLLOWUP)
def contact_add(request, actor, code):
    episode = selectors.episode_for(actor, code)
    form = forms.ContactPersonForm(request.POST, staff=selectors.contact_person_choices(actor))
    if form.is_valid():
        try:
            services.add_contact_person(actor, episode, form.cleaned_data["user"])
        except services.FollowUpError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, _("The contact person has been added."), episode)
    return _render_episode(request, actor, code, status=400, bound={"contact_form": form})


@require_POST
@acting(Perm.MANAGE_FOLLOWUP)
def contact_end(request, actor, code):
    assignment = get_scoped_or_404(
        actor, ContactAssignment.objects.select_related("episode"), code=code
    )
    try:
        services.end_contact_person(actor, assignment)
    except services.FollowUpError as error:
        return _render_episode(request, actor, assignment.episode.code, status=400, error=error)
    return _done(request, _("The assignment has ended."), assignment.episode)


@require_POST
@acting(Perm.MANAGE_FOLLOWUP)
def need_add(request, actor, code):
    episode = selectors.episode_for(actor, code)
    form = forms.NeedForm(request.POST)
    if form.is_valid():
        try:
            services.add_need(actor, episode, **form.cleaned_data)
        except services.FollowUpError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, _("The need has been added."), episode)
    return _render_episode(request, actor, code, status=400, bound={"need_form": form})


@require_POST
@acting(Perm.MANAGE_FOLLOWUP)
def need_status(request, actor, code):
    need = get_scoped_or_404(actor, Need.objects.select_related("episode"), code=code)
    form = forms.NeedStatusForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.change_need_status(
                actor,
                need,
                status=form.cleaned_data["status"],
                on=form.cleaned_data["changed_on"],
                note=form.cleaned_data["note"],
            )
        except services.FollowUpError as exc:
            error = str(exc)
        else:
            return _done(request, _("The need's status has been changed."), need.episode)
    else:
        error = next(iter(form.errors.values()))[0]
    return _render_episode(request, actor, need.episode.code, status=400, error=error)


@require_POST
@acting(Perm.MANAGE_FOLLOWUP)
def goal_add(request, actor, code):
    episode = selectors.episode_for(actor, code)
    form = forms.GoalForm(request.POST)
    if form.is_valid():
        try:
            services.add_goal(actor, episode, own_words=form.cleaned_data["own_words"])
        except services.FollowUpError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, _("The goal has been added."), episode)
    return _render_episode(request, actor, code, status=400, bound={"goal_form": form})


@require_POST
@acting(Perm.MANAGE_FOLLOWUP)
def goal_status(request, actor, code):
    goal = get_scoped_or_404(actor, Goal.objects.select_related("episode"), code=code)
    form = forms.GoalStatusForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.change_goal_status(actor, goal, status=form.cleaned_data["status"])
        except services.FollowUpError as exc:
            error = str(exc)
        else:
            return _done(request, _("The goal's status has been changed."), goal.episode)
    else:
        error = next(iter(form.errors.values()))[0]
    return _render_episode(request, actor, goal.episode.code, status=400, error=error)


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_FOLLOWUP)
def plan(request, actor, code):
    episode = selectors.episode_for(actor, code)
    if selectors.access_to(actor, episode) != selectors.Access.DETAILS:
        raise PermissionDenied
    form = forms.PlanForm(
        request.POST or None, initial={"text": episode.plan, "version": episode.plan_version}
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_plan(
                actor, episode, text=form.cleaned_data["text"], version=form.cleaned_data["version"]
            )
        except services.PlanConflict as error:
            form.add_error(None, str(error))
            episode.refresh_from_db()
            conflict = episode
        except services.FollowUpError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, _("The plan has been saved."), episode)
    status = 409 if conflict else 400 if form.errors else 200
    context = {"episode": episode, "form": form, "conflict": conflict}
    return render(request, "followup/plan.html", context, status=status)


@require_POST
@acting(Perm.VIEW_FOLLOWUP)
def note_add(request, actor, code):
    episode = selectors.episode_for(actor, code)
    form = forms.NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(actor, episode, **form.cleaned_data)
        except services.FollowUpError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, _("The note has been saved."), episode)
    return _render_episode(request, actor, code, status=400, bound={"note_form": form})


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_FOLLOWUP)
def task_add(request, actor, code):
    episode = selectors.episode_for(actor, code)
    if selectors.access_to(actor, episode) != selectors.Access.DETAILS:
        raise PermissionDenied
    kind = request.GET.get("kind")
    form = forms.TaskForm(
        request.POST or None,
        staff=selectors.staff_choices(actor),
        places=scoped(actor, Place).filter(is_active=True).select_related("area"),
        initial={
            "kind": kind if kind in TaskKind.values else TaskKind.FOLLOW_UP,
            "owner": actor.user.code,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = services.TaskData(
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            due_on=form.cleaned_data["due_on"],
            owner=form.cleaned_data["owner"],
            places=tuple(form.cleaned_data["places"]),
            usual_times=form.cleaned_data["usual_times"],
        )
        try:
            services.create_task(actor, episode, data)
        except services.FollowUpError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, _("The task has been added."), episode)
    status = 400 if form.errors else 200
    return render(
        request, "followup/task_form.html", {"episode": episode, "form": form}, status=status
    )


@require_POST
@acting(Perm.VIEW_FOLLOWUP)
def task_done(request, actor, code):
    task = get_scoped_or_404(actor, Task.objects.select_related("episode"), code=code)
    try:
        services.complete_task(actor, task)
    except services.FollowUpError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The task is done."))
    if request.POST.get("next") == "mine":
        return redirect("followup:mine")
    return redirect("followup:episode", code=task.episode.code)


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_FOLLOWUP)
def commission_add(request, actor, code):
    episode = selectors.episode_for(actor, code)
    if selectors.access_to(actor, episode) != selectors.Access.DETAILS:
        raise PermissionDenied
    form = forms.CommissionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_commission(actor, episode, **form.cleaned_data)
        except services.FollowUpError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, _("The commission has been recorded."), episode)
    status = 400 if form.errors else 200
    return render(
        request, "followup/commission_form.html", {"episode": episode, "form": form}, status=status
    )


@require_POST
@acting(Perm.MANAGE_FOLLOWUP)
def commission_update(request, actor, code):
    commission = get_scoped_or_404(actor, Commission.objects.select_related("episode"), code=code)
    form = forms.CommissionStatusForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.update_commission(actor, commission, **form.cleaned_data)
        except services.FollowUpError as exc:
            error = str(exc)
        else:
            return _done(request, _("The commission has been updated."), commission.episode)
    else:
        error = next(iter(form.errors.values()))[0]
    return _render_episode(request, actor, commission.episode.code, status=400, error=error)


# --- Programmes -----------------------------------------------------------------------------


@require_POST
@acting(Perm.MANAGE_FOLLOWUP)
def enrol(request, actor, code):
    episode = selectors.episode_for(actor, code)
    if selectors.access_to(actor, episode) != selectors.Access.DETAILS:
        raise PermissionDenied
    form = forms.EnrolForm(request.POST, programmes=scoped(actor, Programme).filter(is_active=True))
    if form.is_valid():
        try:
            services.enrol(
                actor,
                form.cleaned_data["programme"],
                episode.person,
                started_on=form.cleaned_data["started_on"],
            )
        except services.FollowUpError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, _("The person takes part in the programme."), episode)
    return _render_episode(request, actor, code, status=400, bound={"enrol_form": form})


@require_POST
@acting(Perm.MANAGE_FOLLOWUP)
def participation_end(request, actor, code):
    participation = get_scoped_or_404(
        actor, Participation.objects.select_related("programme"), code=code
    )
    try:
        services.end_participation(actor, participation)
    except services.FollowUpError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The participation has ended."))
    return redirect("followup:programme", code=participation.programme.code)


@require_http_methods(["GET", "POST"])
@acting(Perm.VIEW_FOLLOWUP)
def programmes(request, actor):
    form = forms.ProgrammeForm(request.POST or None)
    if request.method == "POST":
        actor.require(Perm.CONFIGURE_FOLLOWUP)
        if form.is_valid():
            try:
                programme = services.create_programme(actor, **form.cleaned_data)
            except services.FollowUpError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The programme has been created."))
                return redirect("followup:programme", code=programme.code)
    context = {"programmes": selectors.programmes(actor), "form": form}
    status = 400 if form.errors else 200
    return render(request, "followup/programmes.html", context, status=status)


@require_http_methods(["GET", "POST"])
@acting(Perm.VIEW_FOLLOWUP)
def programme(request, actor, code):
    page = selectors.open_programme(actor, code)
    form = forms.SessionForm(
        request.POST or None, participations=page.participations, initial={"date": _today()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_session(
                actor,
                page.programme,
                date=form.cleaned_data["date"],
                attended_ids=form.attended_ids(),
            )
        except services.FollowUpError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Attendance has been recorded."))
            return redirect("followup:programme", code=page.programme.code)
    status = 400 if form.errors else 200
    return render(request, "followup/programme.html", {"page": page, "form": form}, status=status)
