import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feltbok.core.crypto import key_ring
from feltbok.core.models import ServiceOwnedModel


class AnonymityLevel(models.TextChoices):
    DESCRIPTION = "description", _("Description only")
    NICKNAME = "nickname", _("Nickname")
    IDENTIFIED = "identified", _("Identified")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class AgeBand(models.TextChoices):
    UNDER_13 = "0-12", _("Under 13")
    FROM_13 = "13-17", _("13–17")
    FROM_18 = "18-22", _("18–22")
    FROM_23 = "23-25", _("23–25")
    FROM_26 = "26-35", _("26–35")
    FROM_36 = "36-49", _("36–49")
    FROM_50 = "50-65", _("50–65")
    OVER_65 = "66+", _("66 or older")
    UNKNOWN = "unknown", _("Unknown age")

    @classmethod
    def for_age(cls, age: int) -> "AgeBand":
        for band in cls:
            if band == cls.UNKNOWN:
                continue
            low, _sep, high = band.value.partition("-")
            low = int(low.rstrip("+"))
            if age >= low and (not high or age <= int(high)):
                return band
        return cls.UNDER_13


class PersonFlag(models.TextChoices):
    SAFETY = "safety", _("Staff safety: never approach alone")
    OVERDOSE_RISK = "overdose_risk", _("Overdose risk")
    MINOR = "minor", _("Minor")
    PRIORITY = "priority", _("Priority")


class Person(ServiceOwnedModel):
    """Someone the service is in contact with. Identity is optional and encrypted."""

    anonymity_level = models.CharField(
        _("anonymity"), max_length=12, choices=AnonymityLevel.choices
    )
    nickname = models.CharField(_("nickname"), max_length=60, blank=True)
    # Lower-case, accents folded: what nickname search compares.
    nickname_norm = models.CharField(max_length=60, blank=True, editable=False)
    # A rough phonetic key: finds "Kalle" when "Calle" is typed (search-before-create).
    nickname_key = models.CharField(max_length=60, blank=True, editable=False)
    description = models.CharField(
        _("description"),
        max_length=300,
        blank=True,
        help_text=_("How to recognise the person, without identifying details."),
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    # Identifying fields: AES-GCM ciphertexts (core.crypto) and HMAC blind indexes.
    full_name_enc = models.TextField(blank=True, editable=False)
    birth_date_enc = models.TextField(blank=True, editable=False)
    national_id_enc = models.TextField(blank=True, editable=False)
    full_name_bidx = models.CharField(max_length=64, blank=True, editable=False)
    national_id_bidx = models.CharField(max_length=64, blank=True, editable=False)
    first_contact_at = models.DateTimeField(_("first contact"), null=True, blank=True)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            # A nicknamed person has a nickname; a described one has a description.
            models.CheckConstraint(
                condition=~Q(anonymity_level="nickname") | ~Q(nickname=""),
                name="person_nickname_required",
            ),
            models.CheckConstraint(
                condition=~Q(anonymity_level="description") | ~Q(description=""),
                name="person_description_required",
            ),
            models.CheckConstraint(
                condition=~Q(anonymity_level="identified") | ~Q(full_name_enc=""),
                name="person_identified_has_name",
            ),
            models.CheckConstraint(
                condition=Q(gender__in=Gender.values), name="person_known_gender"
            ),
            models.CheckConstraint(
                condition=Q(age_band__in=AgeBand.values), name="person_known_age_band"
            ),
        ]
        indexes = [
            # Nickname search in the field: prefix match within a service.
            models.Index(fields=["service", "nickname_norm"], name="person_nickname_idx"),
            # Search before create: same key, age band and gender.
            models.Index(
                fields=["service", "nickname_key", "age_band", "gender"], name="person_match_idx"
            ),
            models.Index(fields=["service", "national_id_bidx"], name="person_national_id_idx"),
            models.Index(fields=["service", "full_name_bidx"], name="person_full_name_idx"),
            # "Recently met": persons with the latest contacts first.
            models.Index(fields=["service", "-last_contact_at"], name="person_recent_idx"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.nickname or self.description[:40]

    @property
    def flag_items(self):
        """(code, label) pairs, the staff-safety flag first: it must never be missed."""
        labels = dict(PersonFlag.choices)
        ordered = sorted(self.flags, key=lambda flag: flag != PersonFlag.SAFETY)
        return [(flag, labels[flag]) for flag in ordered if flag in labels]

    @property
    def flag_labels(self):
        return [label for _flag, label in self.flag_items]

    @property
    def has_safety_flag(self):
        return PersonFlag.SAFETY in self.flags

    def current_age_band(self, today: datetime.date) -> str:
        if self.birth_year:
            return AgeBand.for_age(today.year - self.birth_year)
        return self.age_band

    # Encrypted fields: read and written only through people.services, which audits.
    def _aad(self, field):
        return f"person.{field}:{self.code}"

    def encrypt_field(self, field, value):
        setattr(self, f"{field}_enc", key_ring().encrypt(value, self._aad(field)) if value else "")

    def decrypt_field(self, field):
        token = getattr(self, f"{field}_enc")
        return key_ring().decrypt(token, self._aad(field)) if token else ""
