"""Patrol mode on the phone: start → record contacts → end. Thin views over services."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from feltbok.core.access import Perm, acting, get_scoped_or_404
from feltbok.fieldwork import selectors, services
from feltbok.fieldwork.forms import AnonymousCountForm, ContactForm, StartPatrolForm
from feltbok.fieldwork.models import EncounterKind
from feltbok.people import selectors as people_selectors
from feltbok.people.forms import PersonForm, SearchForm
from feltbok.people.models import Person


@acting(Perm.VIEW_PATROLS)
def patrols(request, actor):
    context = {
        "active": services.active_patrol_of(actor) if actor.can(Perm.RECORD_FIELDWORK) else None,
        "patrols": selectors.todays_patrols(actor),
    }
    return render(request, "fieldwork/patrols.html", context)


@require_http_methods(["GET", "POST"])
@acting(Perm.RECORD_FIELDWORK)
def start_patrol(request, actor):
    form = StartPatrolForm(
        request.POST or None,
        colleagues=selectors.colleagues_of(actor),
        areas=selectors.areas_in_use(actor),
        initial={
            "shift": services.shift_for(timezone.now()),
            "areas": selectors.areas_in_use(actor),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            patrol = services.start_patrol(
                actor,
                colleague=form.cleaned_data["colleague"],
                other_members=form.cleaned_data["other_members"],
                shift=form.cleaned_data["shift"],
                areas=form.cleaned_data["areas"],
            )
        except services.FieldworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The patrol has started."))
            return redirect("fieldwork:patrol", code=patrol.code)
    status = 400 if form.errors else 200
    return render(request, "fieldwork/start.html", {"form": form}, status=status)


@acting(Perm.VIEW_PATROLS)
def patrol(request, actor, code):
    patrol = selectors.patrol_for(actor, code)
    encounters = selectors.patrol_encounters(actor, patrol)
    context = {
        "patrol": patrol,
        "encounters": encounters,
        "is_member": actor.user.pk in patrol.member_ids(),
    }
    return render(request, "fieldwork/patrol.html", context)


def _member_patrol(actor, code):
    """The patrol, if the actor may record in it; 404 for a foreign one."""
    patrol = selectors.patrol_for(actor, code)
    if actor.user.pk not in patrol.member_ids() or not patrol.is_active:
        raise Http404
    return patrol


@require_http_methods(["GET"])
@acting(Perm.RECORD_FIELDWORK, Perm.SEARCH_PERSON)
def known_person(request, actor, code):
    """Step 1 of a routine contact: pick the person (recently met, or search by nickname)."""
    patrol = _member_patrol(actor, code)
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = people_selectors.search_persons(actor, query) if query else None
    context = {
        "patrol": patrol,
        "form": form,
        "query": query,
        "results": results,
        "recent": people_selectors.recently_met(actor) if not query else [],
    }
    template = "fieldwork/_person_results.html" if request.htmx else "fieldwork/known.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@acting(Perm.RECORD_FIELDWORK, Perm.SEARCH_PERSON)
def contact(request, actor, code, person_code):
    """Step 2: confirm the contact with a known person; everything is prefilled."""
    patrol = _member_patrol(actor, code)
    person = get_scoped_or_404(actor, Person, code=person_code)
    encounters = selectors.patrol_encounters(actor, patrol)
    form = ContactForm(
        request.POST or None,
        areas=patrol.areas.all(),
        initial={"area": selectors.default_area(patrol, encounters)},
    )
    if request.method == "POST" and form.is_valid():
        data = services.EncounterData(
            kind=EncounterKind.INDIVIDUAL,
            area=form.cleaned_data["area"],
            persons=[person],
            topics=form.cleaned_data["topics"],
            note=form.cleaned_data["note"],
        )
        try:
            services.record_encounter(actor, patrol, data)
        except services.FieldworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Contact with %(name)s recorded.") % {"name": person})
            return redirect("fieldwork:patrol", code=patrol.code)
    status = 400 if form.errors else 200
    context = {"patrol": patrol, "person": person, "form": form}
    return render(request, "fieldwork/contact.html", context, status=status)


@require_http_methods(["GET", "POST"])
@acting(Perm.RECORD_FIELDWORK, Perm.CREATE_PERSON)
def new_person(request, actor, code):
    """A contact with someone new: likely matches are shown before a person is created."""
    patrol = _member_patrol(actor, code)
    encounters = selectors.patrol_encounters(actor, patrol)
    person_form = PersonForm(request.POST or None, prefix="person")
    contact_form = ContactForm(
        request.POST or None,
        areas=patrol.areas.all(),
        initial={"area": selectors.default_area(patrol, encounters)},
    )
    matches = []
    if request.method == "POST" and person_form.is_valid() and contact_form.is_valid():
        data = person_form.person_data()
        if request.POST.get("confirmed") != "1":
            matches = people_selectors.find_likely_matches(
                actor, nickname=data.nickname, age_band=data.age_band, gender=data.gender
            )
        if not matches:
            encounter_data = services.EncounterData(
                kind=EncounterKind.INDIVIDUAL,
                area=contact_form.cleaned_data["area"],
                topics=contact_form.cleaned_data["topics"],
                note=contact_form.cleaned_data["note"],
            )
            try:
                services.record_encounter(actor, patrol, encounter_data, new_person=data)
            except services.FieldworkError as error:
                contact_form.add_error(None, str(error))
            else:
                messages.success(request, _("New person and first contact recorded."))
                return redirect("fieldwork:patrol", code=patrol.code)
    status = 400 if (person_form.errors or contact_form.errors) else 200
    context = {
        "patrol": patrol,
        "person_form": person_form,
        "form": contact_form,
        "matches": matches,
    }
    return render(request, "fieldwork/new_person.html", context, status=status)


@require_http_methods(["GET", "POST"])
@acting(Perm.RECORD_FIELDWORK)
def anonymous_count(request, actor, code):
    patrol = _member_patrol(actor, code)
    encounters = selectors.patrol_encounters(actor, patrol)
    form = AnonymousCountForm(
        request.POST or None,
        areas=patrol.areas.all(),
        initial={"area": selectors.default_area(patrol, encounters)},
    )
    if request.method == "POST" and form.is_valid():
        data = services.EncounterData(
            kind=EncounterKind.ANONYMOUS,
            area=form.cleaned_data["area"],
            head_count=form.cleaned_data["head_count"],
            topics=form.cleaned_data["topics"],
            note=form.cleaned_data["note"],
        )
        try:
            services.record_encounter(actor, patrol, data)
        except services.FieldworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Anonymous head count recorded."))
            return redirect("fieldwork:patrol", code=patrol.code)
    status = 400 if form.errors else 200
    return render(
        request, "fieldwork/anonymous.html", {"patrol": patrol, "form": form}, status=status
    )


@require_POST
@acting(Perm.RECORD_FIELDWORK)
def end_patrol(request, actor, code):
    patrol = _member_patrol(actor, code)
    services.end_patrol(actor, patrol)
    messages.success(request, _("The patrol has ended."))
    return redirect("fieldwork:patrols")
