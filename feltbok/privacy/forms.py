from django import forms
from django.utils.translation import gettext_lazy as _

from feltbok.core.forms import DesignSystemMixin
from feltbok.privacy.models import LIMITS, RetentionSettings
from feltbok.privacy.services import REASON_MIN_LENGTH


def _period_field(name):
    low, high = LIMITS[name]
    model_field = RetentionSettings._meta.get_field(name)
    return forms.IntegerField(
        label=model_field.verbose_name,
        help_text=model_field.help_text,
        min_value=low,
        max_value=high,
    )


class SettingsForm(DesignSystemMixin, forms.Form):
    identity_months = _period_field("identity_months")
    note_months = _period_field("note_months")
    closed_inquiry_months = _period_field("closed_inquiry_months")
    audit_years = _period_field("audit_years")


class ReasonForm(DesignSystemMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        min_length=REASON_MIN_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 20}),
        help_text=_("At least %(n)s characters. Do not write the person's name.")
        % {"n": REASON_MIN_LENGTH},
    )


class EraseForm(ReasonForm):
    confirm = forms.BooleanField(
        label=_("I understand that this cannot be undone."),
        error_messages={"required": _("Confirm that the erasure cannot be undone.")},
    )
