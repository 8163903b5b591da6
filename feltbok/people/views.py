"""Person pages: search, the person and their timeline, who opened the record."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from feltbok.audit.selectors import access_log_for
from feltbok.core.access import Perm, acting
from feltbok.followup import selectors as followup_selectors
from feltbok.notifications import selectors as notification_selectors
from feltbok.people import selectors, services
from feltbok.people.forms import PersonForm, SearchForm
from feltbok.people.timeline import person_timeline
from feltbok.referrals import selectors as referral_selectors


@require_GET
@acting(Perm.SEARCH_PERSON)
def search(request, actor):
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = selectors.search_persons(actor, query) if query else None
    context = {"form": form, "query": query, "results": results}
    template = "people/_results.html" if request.htmx else "people/search.html"
    return render(
        request, template, context, status=200 if form.is_valid() or not form.data else 400
    )


@require_GET
@acting(Perm.VIEW_PERSON)
def detail(request, actor, code):
    from feltbok.oversight.selectors import needs_emergency_access  # break the glass (issue 7)

    if needs_emergency_access(actor, code):
        return redirect("oversight:emergency", code=code)
    person = selectors.open_person(actor, code)
    context = {
        "person": person,
        "identity": selectors.read_identity(actor, person),
        "timeline": person_timeline(actor, person),
        "referrals": referral_selectors.person_panel(actor, person),
        "notifications": notification_selectors.person_panel(actor, person),
        "followup": followup_selectors.person_panel(actor, person),
    }
    return render(request, "people/detail.html", context)


@require_GET
@acting(Perm.VIEW_PERSON, Perm.VIEW_ACCESS_LOG)
def access_log(request, actor, code):
    person = selectors.open_person(actor, code)
    events = access_log_for(actor, person)
    return render(request, "people/access_log.html", {"person": person, "events": events})


@require_http_methods(["GET", "POST"])
@acting(Perm.CREATE_PERSON, Perm.VIEW_PERSON)
def create(request, actor):
    """Register a person outside a patrol (e.g. after a walk-in); matches are shown first."""
    form = PersonForm(request.POST or None)
    matches = []
    if request.method == "POST" and form.is_valid():
        data = form.person_data()
        if request.POST.get("confirmed") != "1":
            matches = selectors.find_likely_matches(
                actor, nickname=data.nickname, age_band=data.age_band, gender=data.gender
            )
        if not matches:
            try:
                person = services.create_person(actor, data)
            except services.PersonError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The person has been registered."))
                return redirect("people:detail", code=person.code)
    status = 400 if form.errors else 200
    return render(
        request, "people/create.html", {"person_form": form, "matches": matches}, status=status
    )
