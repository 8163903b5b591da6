"""`manage.py processing_record [--service NAME] [--output PATH] [--language en]`.

Writes the service's record of processing activities (GDPR Article 30(1)) as Markdown, from
its configuration and data: hand it to the data protection officer, regenerate it when the
configuration changes. docs/record-of-processing.md is an example for the demo service.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from feltbok.core.processing_record import render_record
from feltbok.organisation.models import Service


class Command(BaseCommand):
    help = "Write a service's record of processing activities (GDPR Art. 30) as Markdown."

    def add_arguments(self, parser):
        parser.add_argument(
            "--service", help="The service's name (needed when there is more than one)."
        )
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the record (default: the service's language).",
        )

    def handle(self, *args, service=None, output=None, language=None, **options):
        services = Service.objects.order_by("name")
        if service:
            found = services.filter(name__iexact=service.strip()).first()
            if found is None:
                names = ", ".join(services.values_list("name", flat=True)) or "none"
                raise CommandError(f"No service named {service!r} (services: {names}).")
        else:
            found = services.first()
            if found is None:
                raise CommandError("There is no service yet: create one with create_service.")
            if services.count() > 1:
                names = ", ".join(services.values_list("name", flat=True))
                raise CommandError(f"Name the service with --service (services: {names}).")
        text = render_record(found, language or found.language)
        if not output:
            self.stdout.write(text, ending="")
            return
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"Directory {path.parent} does not exist; nothing was written.")
        path.write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Record of processing activities written to {path}."))
