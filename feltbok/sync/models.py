from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SyncReceipt(models.Model):
    """The stored result of one synced entry: a replay of the same key returns it unchanged.

    Written in the same transaction as the entry it applied, so an entry is stored exactly
    once however often a phone sends it.
    """

    service = models.ForeignKey("organisation.Service", on_delete=models.PROTECT)
    key = models.CharField(_("idempotency key"), max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    payload_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sync receipt")
        verbose_name_plural = _("sync receipts")
        constraints = [
            models.UniqueConstraint(fields=["service", "key"], name="syncreceipt_key_once")
        ]

    def __str__(self):
        return self.key
