import time

from django.core.management.base import BaseCommand, CommandError

from feltbok.organisation.models import Service
from feltbok.reports import rollups


class Command(BaseCommand):
    help = (
        "Recompute the statistics roll-ups from the encounters (after migrating a large "
        "database; otherwise the triggers keep them fresh)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--service", type=int, help="Only this service (id).")

    def handle(self, *args, **options):
        services = Service.objects.order_by("pk")
        if options["service"] is not None:
            services = services.filter(pk=options["service"])
            if not services.exists():
                raise CommandError("No service with that id.")
        for service in services:
            started = time.perf_counter()

            def progress(day, done, total, name=service.name, started=started):
                if options["verbosity"] > 1:
                    elapsed = time.perf_counter() - started
                    self.stdout.write(f"  {name}: {done}/{total} days (to {day}), {elapsed:.0f} s")

            days = rollups.rebuild(service.pk, progress=progress)
            elapsed = time.perf_counter() - started
            self.stdout.write(f"{service.name}: {days} day(s) recomputed in {elapsed:.1f} s.")
