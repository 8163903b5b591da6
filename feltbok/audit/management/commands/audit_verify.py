from django.core.management.base import BaseCommand, CommandError

from feltbok.audit.services import verify_chain
from feltbok.organisation.models import Service


class Command(BaseCommand):
    help = "Check the hash chain of the audit log of every service (or one)."

    def add_arguments(self, parser):
        parser.add_argument("--service", help="Name of one service to check.")

    def handle(self, *args, **options):
        services = Service.objects.order_by("pk")
        if options["service"]:
            services = services.filter(name=options["service"])
            if not services.exists():
                raise CommandError(f"No service named {options['service']!r}.")
        problems = []
        for service in services:
            found = verify_chain(service.pk)
            for problem in found:
                self.stderr.write(f"{service.name}: row {problem.seq}: {problem.problem}")
            if not found:
                self.stdout.write(f"{service.name}: audit chain intact.")
            problems.extend(found)
        if problems:
            raise CommandError(f"Audit chain broken: {len(problems)} problem(s).")
