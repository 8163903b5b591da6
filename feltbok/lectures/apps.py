from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LecturesConfig(AppConfig):
    name = "feltbok.lectures"
    verbose_name = _("Lectures and knowledge sharing")
