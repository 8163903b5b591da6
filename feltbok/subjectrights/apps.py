from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubjectRightsConfig(AppConfig):
    name = "feltbok.subjectrights"
    verbose_name = _("Data-subject rights")
