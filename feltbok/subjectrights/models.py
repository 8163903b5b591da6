"""Rectification with history: each corrected value of a person, with who, when and why.

Only the earlier value is kept here (the current one is on the person). An identifying value
(name, birth date, national id) is kept encrypted with the key ring, bound to its row, as on
the person; the others are kept as they were shown.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feltbok.core.crypto import key_ring
from feltbok.core.models import ServiceOwnedModel

# The free-text reason must say something (after trimming).
REASON_MIN_LENGTH = 10


class CorrectedField(models.TextChoices):
    NICKNAME = "nickname", _("Nickname")
    DESCRIPTION = "description", _("Description")
    GENDER = "gender", _("Gender")
    BIRTH_YEAR = "birth_year", _("Birth year")
    FULL_NAME = "full_name", _("Full name")
    BIRTH_DATE = "birth_date", _("Birth date")
    NATIONAL_ID = "national_id", _("National identity number")


IDENTIFYING_FIELDS = {
    CorrectedField.FULL_NAME,
    CorrectedField.BIRTH_DATE,
    CorrectedField.NATIONAL_ID,
}


class PersonCorrection(ServiceOwnedModel):
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("person"),
    )
    field = models.CharField(_("field"), max_length=12, choices=CorrectedField.choices)
    # Exactly one of these holds the earlier value: identifying values only encrypted.
    old_value = models.CharField(_("earlier value"), max_length=200, blank=True)
    old_value_enc = models.TextField(blank=True, editable=False)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("corrected by"),
    )
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["-created_at", "field"]
        constraints = [
            models.CheckConstraint(
                condition=Q(field__in=CorrectedField.values), name="personcorrection_known_field"
            ),
            # An identifying earlier value is never stored in the clear.
            models.CheckConstraint(
                condition=~Q(field__in=sorted(f.value for f in IDENTIFYING_FIELDS))
                | Q(old_value=""),
                name="personcorrection_identity_encrypted",
            ),
        ]
        indexes = [
            # The person page: a person's corrections, newest first.
            models.Index(fields=["person", "-created_at"], name="correction_person_idx"),
        ]

    def __str__(self):
        return f"{self.person_id} {self.field} ({self.created_at:%Y-%m-%d})"

    @property
    def is_identifying(self):
        return self.field in IDENTIFYING_FIELDS

    def _aad(self):
        return f"personcorrection.old_value:{self.code}"

    def set_old_value(self, value: str):
        if self.is_identifying:
            self.old_value = ""
            self.old_value_enc = key_ring().encrypt(value, self._aad()) if value else ""
        else:
            self.old_value = value[:200]

    def read_old_value(self) -> str:
        if self.is_identifying:
            return key_ring().decrypt(self.old_value_enc, self._aad()) if self.old_value_enc else ""
        return self.old_value
