from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "feltbok.oversight"
    verbose_name = _("Emergency access and access review")
