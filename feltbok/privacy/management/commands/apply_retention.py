"""`manage.py apply_retention [--service X] [--dry-run] [--enqueue]`.

Runs the retention rules of every service (or one) now, or with `--enqueue` hands the run to
the task queue (`manage.py db_worker` picks it up). `--dry-run` counts what would go, per rule,
and changes nothing. Run daily from cron or a systemd timer (docs/operations.md).
"""

from django.core.management.base import BaseCommand, CommandError

from feltbok.organisation.models import Service
from feltbok.privacy import services
from feltbok.privacy.models import Rule
from feltbok.privacy.tasks import apply_retention_task


class Command(BaseCommand):
    help = "Apply the retention rules: remove or anonymise what is past its retention period."

    def add_arguments(self, parser):
        parser.add_argument("--service", help="Only this service (its id or code).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would go; change nothing."
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue the run for the task worker."
        )

    def handle(self, *args, service=None, dry_run=False, enqueue=False, **options):
        queryset = Service.objects.order_by("pk")
        if service:
            field = "pk" if service.isdigit() else "code"
            try:
                queryset = queryset.filter(**{field: service})
                if not queryset.exists():
                    raise CommandError(f"No service {service!r}.")
            except Exception as exc:  # a malformed code
                if isinstance(exc, CommandError):
                    raise
                raise CommandError(f"No service {service!r}.") from exc
        if enqueue:
            if dry_run:
                raise CommandError("--dry-run runs here; it cannot be queued.")
            for row in queryset:
                apply_retention_task.enqueue(service_id=row.pk)
                self.stdout.write(f"Queued the retention run of {row.name}.")
            return
        labels = dict(Rule.choices)
        for row in queryset:
            result = services.apply_retention(row, dry_run=dry_run)
            verb = "would remove" if dry_run else "removed"
            self.stdout.write(f"{row.name} ({row.pk}): {result.total} {verb}")
            for rule, what, count in result.counts:
                self.stdout.write(f"  {labels[rule]} · {what}: {count}")
