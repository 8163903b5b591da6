"""The append-only access and change log.

Rows are never updated or deleted: the ORM refuses it here, the admin is read-only and, on
PostgreSQL, triggers refuse it in the database too. Each row carries a SHA-256 hash over its
content and the previous row's hash of the same service, so `manage.py audit_verify` finds a
changed or removed row.
"""

import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditAction(models.TextChoices):
    READ = "read", pgettext_lazy("audit action", "Read")
    CREATE = "create", pgettext_lazy("audit action", "Create")
    UPDATE = "update", pgettext_lazy("audit action", "Update")
    DELETE = "delete", pgettext_lazy("audit action", "Delete")
    SEARCH = "search", pgettext_lazy("audit action", "Search")
    EXPORT = "export", pgettext_lazy("audit action", "Export")


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit row."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")

    def _raw_delete(self, using):
        raise AppendOnlyError("audit events cannot be deleted")


class AuditEvent(models.Model):
    service = models.ForeignKey(
        "organisation.Service", on_delete=models.PROTECT, verbose_name=_("service")
    )
    seq = models.PositiveBigIntegerField(_("sequence number"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor name"), max_length=254)
    role = models.CharField(_("role"), max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=40)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["service", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["service", "seq"], name="auditevent_chain_position"),
        ]
        indexes = [
            # "Who opened this person?": the access log of one object.
            models.Index(fields=["service", "object_type", "object_id"], name="audit_object_idx"),
            # Review by actor and time (issue: access-log review).
            models.Index(fields=["service", "actor", "created_at"], name="audit_actor_time_idx"),
        ]

    def __str__(self):
        return f"{self.service_id}#{self.seq} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")

    @property
    def role_label(self):
        from feltbok.accounts.models import Role

        return dict(Role.choices).get(self.role, self.role)

    def compute_hash(self) -> str:
        payload = {
            "service": self.service_id,
            "seq": self.seq,
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "role": self.role,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "reason": self.reason,
            "detail": self.detail,
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "prev_hash": self.prev_hash,
        }
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AuditChainHead(models.Model):
    """The last position of each service's chain; locked while a row is appended."""

    service = models.OneToOneField(
        "organisation.Service", on_delete=models.PROTECT, primary_key=True
    )
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self):
        return f"{self.service_id}@{self.seq}"
