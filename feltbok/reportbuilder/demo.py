"""A demo report for Uteseksjonen: the team's autumn assessment of Vaterland with two figures.

Written through reportbuilder.services, so the audit log is real; left as a draft (publishing
renders the PDF, which the analyst does in the demo). Every sentence is invented. Meant to be
called by `manage.py seed_demo` for Uteseksjonen after the encounters exist.
"""

import datetime

from django.utils import timezone

from feltbok.accounts.models import Membership, Role
from feltbok.core.access import actor_for_user
from feltbok.organisation.models import FieldArea
from feltbok.reportbuilder import services
from feltbok.reportbuilder.models import Report

ASSESSMENT = (
    "Around Vaterland and Grønland the team meets more people late in the evening than in the "
    "summer, most of them known to us. Open drug use near the river has moved east under the "
    "bridges.\n\n"
    "The environment is calmer than last autumn. Fewer incidents were recorded, and more of the "
    "contacts were about housing and health. We describe trends, not individuals; small numbers "
    "are hidden in the figures."
)


def seed_reports(service):
    lead = (
        Membership.objects.filter(service=service, role=Role.ANALYST, is_active=True)
        .select_related("user")
        .first()
    )
    if lead is None or Report.objects.filter(service=service).exists():
        return None
    actor = actor_for_user(lead.user, service.pk)
    end = timezone.localdate()
    start = (end - datetime.timedelta(weeks=8)).replace(day=1)
    report = services.create_report(
        actor,
        title="Vaterland og Grønland denne høsten",
        audience="political",
        period_start=start,
        period_end=end,
    )
    services.add_text_section(actor, report, heading="Hva vi ser", body=ASSESSMENT)
    services.add_figure_section(
        actor,
        report,
        heading="",
        figure={"measure": "contacts", "bucket": "month", "rows": ["area"], "chart": "bar"},
    )
    area = FieldArea.objects.filter(service=service, name__icontains="Vaterland").first()
    if area is not None:
        services.add_figure_section(
            actor,
            report,
            heading="Vaterland",
            figure={
                "measure": "contacts",
                "bucket": "week",
                "filters": {"area": area.pk},
                "compare": "previous",
                "chart": "line",
            },
        )
    return report
