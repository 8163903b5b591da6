"""The scheduled retention run (django-tasks; the database backend outside tests)."""

from django_tasks import task

from feltbok.organisation.models import Service
from feltbok.privacy import services


@task()
def apply_retention_task(service_id: int | None = None) -> dict:
    """Apply every retention rule in one service (or all) and return the counts per rule."""
    queryset = Service.objects.order_by("pk")
    if service_id is not None:
        queryset = queryset.filter(pk=service_id)
    totals = {}
    for service in queryset:
        result = services.apply_retention(service)
        totals[str(service.pk)] = {what: count for _rule, what, count in result.counts}
    return totals
