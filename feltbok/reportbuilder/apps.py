from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportBuilderConfig(AppConfig):
    name = "feltbok.reportbuilder"
    label = "reportbuilder"
    verbose_name = _("Reports")
