"""Patrol mode on the phone: start → record contacts → end. Thin views over services."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feltbok.core.access import Perm, acting, get_scoped_or_404
from feltbok.fieldwork import selectors, services
from feltbok.fieldwork.forms import (
    ContactForm,
    DebriefForm,
    GroupContactForm,
    IncidentFilterForm,
    IncidentForm,
    ObservationForm,
    StartPatrolForm,
    TallyForm,
    VisitForm,
)
from feltbok.fieldwork.models import AreaVisit, Debrief, EncounterKind
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
    is_member = actor.user.pk in patrol.member_ids()
    context = {
        "patrol": patrol,
        "encounters": encounters,
        "is_member": is_member,
        # Partner staff on a joint patrol record their own contacts; the rest is the host's.
        "is_host": patrol.service_id == actor.service_id,
        "visit": selectors.current_visit(patrol),
        "visits": selectors.patrol_visits(patrol),
        "incidents": selectors.patrol_incidents(actor, patrol),
        "visit_form": VisitForm(areas=patrol.areas.all(), places=selectors.places_for(patrol)),
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
        "contact_form": ContactForm(
            areas=patrol.areas.all(),
            initial={"area": selectors.default_area(patrol)},
        ),
    }
    template = "fieldwork/_person_results.html" if request.htmx else "fieldwork/known.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@acting(Perm.RECORD_FIELDWORK, Perm.SEARCH_PERSON)
def contact(request, actor, code, person_code):
    """Step 2: confirm the contact with a known person; everything is prefilled."""
    patrol = _member_patrol(actor, code)
    person = get_scoped_or_404(actor, Person, code=person_code)
    form = ContactForm(
        request.POST or None,
        areas=patrol.areas.all(),
        initial={"area": selectors.default_area(patrol)},
    )
    if request.method == "POST" and form.is_valid():
        data = services.EncounterData(
            kind=EncounterKind.INDIVIDUAL,
            area=form.cleaned_data["area"],
            persons=[person],
            topics=form.cleaned_data["topics"],
            note=form.cleaned_data["note"],
            outreach_mode=form.cleaned_data["outreach_mode"],
            visit=selectors.visit_in(patrol, form.cleaned_data["area"]),
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
    person_form = PersonForm(request.POST or None, prefix="person")
    contact_form = ContactForm(
        request.POST or None,
        areas=patrol.areas.all(),
        initial={"area": selectors.default_area(patrol)},
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
                outreach_mode=contact_form.cleaned_data["outreach_mode"],
                visit=selectors.visit_in(patrol, contact_form.cleaned_data["area"]),
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
@acting(Perm.RECORD_FIELDWORK, Perm.SEARCH_PERSON)
def group_contact(request, actor, code):
    """A contact with a group: known persons ticked from the recently met, plus others."""
    patrol = _member_patrol(actor, code)
    form = GroupContactForm(
        request.POST or None,
        areas=patrol.areas.all(),
        persons=people_selectors.recent_candidates(actor),
        initial={"area": selectors.default_area(patrol)},
    )
    if request.method == "POST" and form.is_valid():
        area = form.cleaned_data["area"]
        data = services.EncounterData(
            kind=EncounterKind.GROUP,
            area=area,
            persons=list(form.cleaned_data["persons"]),
            head_count=form.cleaned_data["head_count"] or 0,
            topics=form.cleaned_data["topics"],
            note=form.cleaned_data["note"],
            outreach_mode=form.cleaned_data["outreach_mode"],
            visit=selectors.visit_in(patrol, area),
        )
        try:
            services.record_encounter(actor, patrol, data)
        except services.FieldworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Group contact recorded."))
            return redirect("fieldwork:patrol", code=patrol.code)
    status = 400 if form.errors else 200
    return render(request, "fieldwork/group.html", {"patrol": patrol, "form": form}, status=status)


@require_POST
@acting(Perm.RECORD_FIELDWORK)
def end_patrol(request, actor, code):
    patrol = _member_patrol(actor, code)
    services.end_patrol(actor, patrol)
    messages.success(request, _("The patrol has ended. Write a short debrief."))
    return redirect("fieldwork:debrief", code=patrol.code)


@require_POST
@acting(Perm.RECORD_FIELDWORK)
def arrive(request, actor, code):
    """The patrol arrives in one of its areas (or at a place there)."""
    patrol = _member_patrol(actor, code)
    form = VisitForm(request.POST, areas=patrol.areas.all(), places=selectors.places_for(patrol))
    if form.is_valid():
        try:
            visit = services.start_visit(
                actor, patrol, area=form.cleaned_data["area"], place=form.cleaned_data["place"]
            )
        except services.FieldworkError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Arrived in %(area)s.") % {"area": visit.area.name})
            return redirect("fieldwork:patrol", code=patrol.code)
    else:
        messages.error(request, _("Choose one of this patrol's field areas."))
    return redirect("fieldwork:patrol", code=patrol.code)


@require_POST
@acting(Perm.RECORD_FIELDWORK)
def leave(request, actor, code, visit_code):
    patrol = _member_patrol(actor, code)
    visit = get_scoped_or_404(actor, AreaVisit.objects.filter(patrol=patrol), code=visit_code)
    try:
        services.end_visit(actor, visit)
    except services.FieldworkError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Left %(area)s.") % {"area": visit.area.name})
    return redirect("fieldwork:patrol", code=patrol.code)


@require_http_methods(["GET", "POST"])
@acting(Perm.RECORD_FIELDWORK)
def tally(request, actor, code):
    """Anonymous head counts by age band and gender, counted with +1 buttons."""
    patrol = _member_patrol(actor, code)
    form = TallyForm(
        request.POST or None,
        areas=patrol.areas.all(),
        initial={"area": selectors.default_area(patrol)},
    )
    if request.method == "POST" and form.is_valid():
        area = form.cleaned_data["area"]
        try:
            services.record_tally(
                actor,
                patrol,
                area=area,
                counts=form.counts(),
                visit=selectors.visit_in(patrol, area),
            )
        except services.FieldworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Anonymous head count recorded."))
            return redirect("fieldwork:patrol", code=patrol.code)
    status = 400 if form.errors else 200
    return render(request, "fieldwork/tally.html", {"patrol": patrol, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@acting(Perm.RECORD_FIELDWORK)
def observation(request, actor, code):
    """What the patrol sees of an environment, during the visit under way."""
    patrol = _member_patrol(actor, code)
    visit = selectors.current_visit(patrol)
    form = ObservationForm(request.POST or None, environments=selectors.environments_for(patrol))
    if request.method == "POST" and visit is None:
        form.is_valid()
        form.add_error(None, _("Note where the patrol is first: arrive in an area."))
    elif request.method == "POST" and form.is_valid():
        data = services.ObservationData(**form.cleaned_data)
        try:
            services.record_observation(actor, visit, data)
        except services.FieldworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Observation recorded."))
            return redirect("fieldwork:patrol", code=patrol.code)
    status = 400 if form.errors else 200
    context = {"patrol": patrol, "form": form, "visit": visit}
    return render(request, "fieldwork/observation.html", context, status=status)


@require_http_methods(["GET", "POST"])
@acting(Perm.RECORD_FIELDWORK)
def incident(request, actor, code):
    """What happened, what was done, who was involved: during or right after it."""
    patrol = _member_patrol(actor, code)
    form = IncidentForm(
        request.POST or None,
        areas=patrol.areas.all(),
        places=selectors.places_for(patrol),
        persons=selectors.persons_met(actor, patrol),
        staff=selectors.patrol_members(patrol),
        initial={"area": selectors.default_area(patrol)},
    )
    if request.method == "POST" and form.is_valid():
        area = form.cleaned_data["area"]
        data = services.IncidentData(
            kind=form.cleaned_data["kind"],
            area=area,
            note=form.cleaned_data["note"],
            visit=selectors.visit_in(patrol, area),
            place=form.cleaned_data["place"],
            actions=form.cleaned_data["actions"],
            persons=list(form.cleaned_data["persons"]),
            staff_affected=list(form.cleaned_data["staff_affected"]),
        )
        try:
            services.record_incident(actor, patrol, data)
        except services.FieldworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Incident recorded."))
            return redirect("fieldwork:patrol", code=patrol.code)
    status = 400 if form.errors else 200
    return render(
        request, "fieldwork/incident.html", {"patrol": patrol, "form": form}, status=status
    )


@require_http_methods(["GET", "POST"])
@acting(Perm.RECORD_FIELDWORK)
def debrief(request, actor, code):
    """The pair's debrief, during or after the patrol; an edit made elsewhere is a conflict."""
    patrol = selectors.patrol_for(actor, code)
    if actor.user.pk not in patrol.member_ids():
        raise Http404
    existing = Debrief.objects.filter(patrol=patrol).first()
    initial = (
        {
            "text": existing.text,
            "follow_ups": "\n".join(existing.follow_ups),
            "version": existing.version,
        }
        if existing
        else {"version": 0}
    )
    form = DebriefForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.write_debrief(
                actor,
                patrol,
                text=form.cleaned_data["text"],
                follow_ups=form.follow_up_lines(),
                version=form.cleaned_data["version"],
            )
        except services.FieldworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Debrief saved."))
            return redirect("fieldwork:patrol", code=patrol.code)
    status = 400 if form.errors else 200
    return render(
        request, "fieldwork/debrief.html", {"patrol": patrol, "form": form}, status=status
    )


@require_GET
@acting(Perm.VIEW_INCIDENTS)
def incidents(request, actor):
    """The service's incidents: what happened, what was done, by kind and period."""
    form = IncidentFilterForm(request.GET or None)
    found = []
    if form.is_valid() or not form.is_bound:
        filters = form.cleaned_data if form.is_bound else {}
        found = selectors.incidents(
            actor,
            kind=filters.get("kind", ""),
            start=filters.get("start"),
            end=filters.get("end"),
        )
    context = {"form": form, "incidents": found, "limit": selectors.INCIDENT_LIST_LIMIT}
    return render(request, "fieldwork/incidents.html", context, status=400 if form.errors else 200)


@require_GET
@acting(Perm.VIEW_INCIDENTS)
def incident_detail(request, actor, code):
    incident = selectors.incident_for(actor, code)
    return render(request, "fieldwork/incident_detail.html", {"incident": incident})
