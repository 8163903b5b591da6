"""Field areas, places, environments and the map. Thin views over selectors and services."""

from csp.decorators import csp_update
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feltbok.core.access import Perm, acting, scoped
from feltbok.organisation import selectors, services
from feltbok.organisation.forms import (
    AreaForm,
    EndAreaForm,
    EnvironmentForm,
    PlaceForm,
    ServiceSettingsForm,
)
from feltbok.organisation.models import FieldArea


def _status(*forms):
    return 400 if any(form.errors for form in forms) else 200


@require_GET
@acting(Perm.VIEW_MAP)
def index(request, actor):
    """Field areas in force, coming and ended (with their validity periods)."""
    context = {"overview": selectors.area_overview(actor), "today": timezone.localdate()}
    return render(request, "organisation/index.html", context)


@require_GET
@acting(Perm.VIEW_MAP)
def area_map(request, actor):
    """Areas in force and their places on a map, with the same listed below it.

    Tiles come from the service's tile source when one is set (its origin is added to the
    page's img-src); with none, the polygons are drawn on a plain background.
    """
    result = selectors.map_data(actor)
    context = {"map_data": result["data"], "areas": result["areas"]}
    respond = render
    if result["tile_origin"]:
        respond = csp_update({"img-src": [result["tile_origin"]]})(render)
    return respond(request, "organisation/map.html", context)


@require_GET
@acting(Perm.VIEW_MAP)
def area_detail(request, actor, code):
    return _area_page(request, actor, selectors.area_for(actor, code))


def _area_page(request, actor, area, error=None):
    context = {
        "area": area,
        "places": selectors.area_places(actor, area),
        "environments": selectors.area_environments(actor, area),
        "versions": selectors.area_versions(actor, area),
        "today": timezone.localdate(),
        "error": error,
    }
    status = 400 if error else 200
    return render(request, "organisation/area_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_PLACES)
def area_create(request, actor):
    form = AreaForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            area = services.create_area(actor, form.area_data())
        except services.PlacesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The field area has been created."))
            return redirect("organisation:area", code=area.code)
    context = {"form": form, "previous": None}
    return render(request, "organisation/area_form.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_PLACES)
def area_version(request, actor, code):
    """A new version of an area from a date: a new polygon, the old one kept as history."""
    previous = selectors.area_for(actor, code)
    form = AreaForm(
        request.POST or None,
        initial={"name": previous.name, "valid_from": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.new_area_version(actor, previous, form.area_data())
        except services.PlacesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The new version of the field area has been saved."))
            if result.places_left:
                messages.warning(
                    request,
                    _(
                        "These places lie outside the new boundary and stay with the old "
                        "version: %(places)s."
                    )
                    % {"places": ", ".join(place.name for place in result.places_left)},
                )
            return redirect("organisation:area", code=result.area.code)
    context = {"form": form, "previous": previous}
    return render(request, "organisation/area_form.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_PLACES)
def area_end(request, actor, code):
    area = selectors.area_for(actor, code)
    form = EndAreaForm(request.POST or None, initial={"valid_to": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_area(actor, area, form.cleaned_data["valid_to"])
        except services.PlacesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The field area has been ended."))
            return redirect("organisation:area", code=area.code)
    context = {"form": form, "area": area}
    return render(request, "organisation/area_end.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_PLACES)
def place_create(request, actor, code):
    area = selectors.area_for(actor, code)
    form = PlaceForm(
        request.POST or None,
        areas=selectors.areas_in_use(actor),
        initial={"area": area.code},
    )
    if request.method == "POST" and form.is_valid():
        try:
            place = services.create_place(actor, form.place_data())
        except services.PlacesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The place %(name)s has been added.") % {"name": place})
            return redirect("organisation:area", code=place.area.code)
    context = {"form": form, "area": area, "place": None}
    return render(request, "organisation/place_form.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_PLACES)
def place_edit(request, actor, code):
    place = selectors.place_for(actor, code)
    # The place's own area stays a choice even when it has ended.
    areas = selectors.areas_in_use(actor) | scoped(actor, FieldArea).filter(pk=place.area_id)
    form = PlaceForm(
        request.POST or None,
        areas=areas.distinct().order_by("name", "-valid_from"),
        initial=PlaceForm.initial_for(place),
    )
    if request.method == "POST" and form.is_valid():
        try:
            place = services.update_place(actor, place, form.place_data())
        except services.PlacesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The place %(name)s has been saved.") % {"name": place})
            return redirect("organisation:area", code=place.area.code)
    context = {"form": form, "area": place.area, "place": place}
    return render(request, "organisation/place_form.html", context, status=_status(form))


@require_POST
@acting(Perm.MANAGE_PLACES)
def place_set_active(request, actor, code, active):
    place = selectors.place_for(actor, code)
    try:
        services.set_place_active(actor, place, active)
    except services.PlacesError as error:
        return _area_page(request, actor, place.area, error=str(error))
    messages.success(
        request,
        (_("%(name)s is in use again.") if active else _("%(name)s is no longer in use."))
        % {"name": place.name},
    )
    return redirect("organisation:area", code=place.area.code)


@require_GET
@acting(Perm.VIEW_MAP)
def environment_list(request, actor):
    return _environments_page(request, actor)


def _environments_page(request, actor, error=None):
    context = {"environments": selectors.environments(actor), "error": error}
    return render(request, "organisation/environments.html", context, status=400 if error else 200)


def _environment_form(request, actor, environment=None):
    areas = selectors.areas_in_use(actor)
    places = selectors.places_for_choice(actor)
    initial = {}
    if environment is not None:
        areas = (areas | scoped(actor, FieldArea).filter(pk=environment.area_id)).distinct()
        places = (places | environment.places.all()).distinct()
        initial = EnvironmentForm.initial_for(environment)
    return EnvironmentForm(
        request.POST or None,
        areas=areas.order_by("name", "-valid_from"),
        places=places.select_related("area").order_by("area__name", "name"),
        initial=initial,
    )


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_PLACES)
def environment_create(request, actor):
    form = _environment_form(request, actor)
    if request.method == "POST" and form.is_valid():
        try:
            environment = services.create_environment(actor, form.environment_data())
        except services.PlacesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The environment %(name)s has been added.") % {"name": environment.name},
            )
            return redirect("organisation:environments")
    context = {"form": form, "environment": None}
    return render(request, "organisation/environment_form.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_PLACES)
def environment_edit(request, actor, code):
    environment = selectors.environment_for(actor, code)
    form = _environment_form(request, actor, environment)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_environment(actor, environment, form.environment_data())
        except services.PlacesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The environment %(name)s has been saved.") % {"name": environment.name},
            )
            return redirect("organisation:environments")
    context = {"form": form, "environment": environment}
    return render(request, "organisation/environment_form.html", context, status=_status(form))


@require_POST
@acting(Perm.MANAGE_PLACES)
def environment_set_active(request, actor, code, active):
    environment = selectors.environment_for(actor, code)
    try:
        services.set_environment_active(actor, environment, active)
    except services.PlacesError as error:
        return _environments_page(request, actor, error=str(error))
    messages.success(
        request,
        (_("%(name)s is followed again.") if active else _("%(name)s is no longer followed."))
        % {"name": environment.name},
    )
    return redirect("organisation:environments")


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_SERVICE)
def service_settings(request, actor):
    service = actor.service
    form = ServiceSettingsForm(
        request.POST or None,
        initial={
            "map_tile_url": service.map_tile_url,
            "exact_location_enabled": service.exact_location_enabled,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_service_settings(actor, **form.cleaned_data)
        except services.PlacesError as error:
            form.add_error("map_tile_url", str(error))
        else:
            messages.success(request, _("The settings have been saved."))
            return redirect("organisation:settings")
    context = {"form": form, "service": service, "section": "settings"}
    return render(request, "organisation/settings.html", context, status=_status(form))
