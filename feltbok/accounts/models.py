import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from feltbok.core.models import TimestampedModel


class FeltbokUserManager(UserManager):
    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("username", email.lower())
        return super().create_user(email=email.lower(), password=password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("username", email.lower())
        return super().create_superuser(email=email.lower(), password=password, **extra_fields)


class User(AbstractUser):
    """A staff member. Logs in by e-mail; the username mirrors it for Django's admin."""

    code = models.UUIDField(_("code"), default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail address"), unique=True)
    is_demo = models.BooleanField(
        _("demo user"),
        default=False,
        help_text=_("Seeded demo account; may skip multi-factor enrolment only in the demo."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    objects = FeltbokUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.email


class Role(models.TextChoices):
    WORKER = "worker", _("Outreach worker")
    PEER_WORKER = "peer_worker", _("Peer worker")
    COORDINATOR = "coordinator", _("Coordinator")
    TEAM_LEAD = "team_lead", _("Team lead")
    ANALYST = "analyst", _("Analyst")
    ADMIN = "admin", _("Administrator")


class Membership(TimestampedModel):
    """A user's role in a service (and optionally a team). One role per user and service."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    service = models.ForeignKey(
        "organisation.Service",
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("service"),
    )
    team = models.ForeignKey(
        "organisation.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("team"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "service"], name="membership_one_role_per_service"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_known_role"
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.service} ({self.get_role_display()})"
