from django import forms
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin
from feltbok.organisation import services
from feltbok.organisation.models import EnvironmentKind, PlaceKind

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AreaChoiceField(forms.ModelChoiceField):
    """Areas are chosen by their public code, never by a database id."""

    def __init__(self, **kwargs):
        super().__init__(queryset=None, to_field_name="code", **kwargs)


class AreaForm(DesignSystemMixin, forms.Form):
    """A new field area, or a new version of one: a name, a pasted polygon, a start date."""

    name = forms.CharField(label=_("Name"), max_length=120)
    boundary = forms.CharField(
        label=_("Boundary (GeoJSON)"),
        max_length=services.MAX_GEOJSON_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 20, "spellcheck": "false"}),
        help_text=_(
            "Paste a GeoJSON Polygon in longitude/latitude (WGS 84), for example drawn "
            "and exported with a map tool. A Feature holding one polygon works too."
        ),
    )
    valid_from = forms.DateField(label=_("Applies from"), widget=DATE_WIDGET)

    def clean_boundary(self):
        try:
            return services.parse_polygon(self.cleaned_data["boundary"])
        except services.PlacesError as error:
            raise forms.ValidationError(str(error)) from error

    def area_data(self):
        return services.AreaData(
            name=self.cleaned_data["name"],
            boundary=self.cleaned_data["boundary"],
            valid_from=self.cleaned_data["valid_from"],
        )


class EndAreaForm(DesignSystemMixin, forms.Form):
    valid_to = forms.DateField(
        label=_("Last day"),
        widget=DATE_WIDGET,
        help_text=_("The area stays in the history and in statistics up to this day."),
    )


class PlaceForm(DesignSystemMixin, forms.Form):
    """A known place; its position is optional and given as longitude and latitude."""

    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind of place"), choices=PlaceKind.choices)
    area = AreaChoiceField(label=_("Field area"), empty_label=None)
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("For example 59.9127. Leave both empty to keep the place off the map."),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("For example 10.7461."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 20}),
        help_text=_("The place, not the people there: no names or identifying details."),
    )
    safety_note = forms.CharField(
        label=_("Staff safety"),
        max_length=200,
        required=False,
        help_text=_(
            "Shown wherever the place appears, patrol mode first. For example: never go in "
            "alone. Leave empty when there is nothing to warn about."
        ),
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas

    @classmethod
    def initial_for(cls, place):
        lon, lat = place.point["coordinates"] if place.point else (None, None)
        return {
            "name": place.name,
            "kind": place.kind,
            "area": place.area.code,
            "latitude": lat,
            "longitude": lon,
            "description": place.description,
            "safety_note": place.safety_note,
        }

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        missing = [
            name
            for name, value in (("latitude", latitude), ("longitude", longitude))
            if value is None and name not in self.errors
        ]
        if len(missing) == 1:
            self.add_error(missing[0], _("Give both latitude and longitude, or neither."))
        elif not missing and not self.errors.keys() & {"latitude", "longitude"}:
            try:
                cleaned["point"] = services.make_point(longitude, latitude)
            except services.PlacesError as error:
                self.add_error("latitude", str(error))
        return cleaned

    def place_data(self):
        return services.PlaceData(
            area=self.cleaned_data["area"],
            name=self.cleaned_data["name"],
            kind=self.cleaned_data["kind"],
            point=self.cleaned_data.get("point"),
            description=self.cleaned_data["description"],
            safety_note=self.cleaned_data["safety_note"],
        )


class PlaceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.area.name})"


class EnvironmentForm(DesignSystemMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind of environment"), choices=EnvironmentKind.choices)
    area = AreaChoiceField(label=_("Field area"), empty_label=None)
    places = PlaceChoiceField(
        label=_("Places where it is found"),
        queryset=None,
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 20}),
        help_text=_("Soberly: who gathers, when, what changes. No names."),
    )

    def __init__(self, *args, areas, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["places"].queryset = places

    @classmethod
    def initial_for(cls, environment):
        return {
            "name": environment.name,
            "kind": environment.kind,
            "area": environment.area.code,
            "places": [place.code for place in environment.places.all()],
            "description": environment.description,
        }

    def environment_data(self):
        return services.EnvironmentData(
            area=self.cleaned_data["area"],
            name=self.cleaned_data["name"],
            kind=self.cleaned_data["kind"],
            places=list(self.cleaned_data["places"]),
            description=self.cleaned_data["description"],
        )


class ServiceSettingsForm(DesignSystemMixin, forms.Form):
    map_tile_url = forms.CharField(
        label=_("Map tiles"),
        required=False,
        max_length=300,
        help_text=_(
            "A tile address such as https://tiles.example/{z}/{x}/{y}.png; empty shows the "
            "areas on a plain background."
        ),
    )
    exact_location_enabled = forms.BooleanField(
        label=_("Store the phone's exact position with each contact"),
        required=False,
        help_text=_(
            "Off by default: contacts are kept at area and place level, so that maps cannot "
            "be used against the people the service meets. Turn it on only with a data "
            "protection assessment that says why."
        ),
    )
