from django import forms
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin
from feltbok.fieldwork.models import Shift, Topic
from feltbok.fieldwork.services import MAX_HEAD_COUNT


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class StartPatrolForm(DesignSystemMixin, forms.Form):
    colleague = UserChoiceField(
        label=_("Colleague"),
        queryset=None,
        empty_label=_("Choose a colleague"),
        error_messages={"required": _("A patrol needs at least two staff: choose a colleague.")},
    )
    other_members = UserMultipleChoiceField(  # a third worker or a peer worker
        label=_("Also on the patrol"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    shift = forms.ChoiceField(label=_("Shift"), choices=Shift.choices, widget=forms.RadioSelect)
    areas = forms.ModelMultipleChoiceField(
        label=_("Field areas"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one field area.")},
    )

    def __init__(self, *args, colleagues, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["colleague"].queryset = colleagues
        self.fields["other_members"].queryset = colleagues
        self.fields["areas"].queryset = areas

    def clean(self):
        cleaned = super().clean()
        colleague = cleaned.get("colleague")
        others = cleaned.get("other_members") or []
        if colleague is not None and colleague in others:
            cleaned["other_members"] = [user for user in others if user != colleague]
        return cleaned


class ContactForm(DesignSystemMixin, forms.Form):
    """The details of a contact; everything but the area is optional, so it is quick."""

    area = forms.ModelChoiceField(label=_("Field area"), queryset=None, empty_label=None)
    topics = forms.MultipleChoiceField(
        label=_("What happened"),
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Short note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("No names or identifying details."),
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas


class AnonymousCountForm(ContactForm):
    head_count = forms.IntegerField(
        label=_("How many people"),
        min_value=1,
        max_value=MAX_HEAD_COUNT,
        initial=1,
        error_messages={
            "min_value": _("The head count must be between 1 and 200."),
            "max_value": _("The head count must be between 1 and 200."),
        },
    )

    field_order = ["head_count", "area", "topics", "note"]
