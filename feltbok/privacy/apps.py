from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "feltbok.privacy"
    verbose_name = _("Retention, legal hold and erasure")
