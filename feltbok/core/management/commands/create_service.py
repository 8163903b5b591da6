"""`manage.py create_service NAME --country NO [--language nb] [--team NAME ...]`.

The first step on a new server: the service that owns all data, and its teams. Field areas,
places and the rest are then set up in the app by the service's administrator.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from feltbok.organisation.models import Country, Service, Team


class Command(BaseCommand):
    help = "Create a service (the owner of its data) and, optionally, its teams."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The service's name, e.g. Uteseksjonen.")
        parser.add_argument("--country", required=True, choices=Country.values)
        parser.add_argument(
            "--language", default="nb", choices=[code for code, _name in settings.LANGUAGES]
        )
        parser.add_argument(
            "--team", action="append", default=[], help="A team to create; may be repeated."
        )

    def handle(self, *args, name, country, language, team, **options):
        name = name.strip()
        if Service.objects.filter(name__iexact=name).exists():
            raise CommandError(f"A service named {name!r} exists already; nothing was created.")
        if len({t.strip().lower() for t in team}) != len(team) or any(not t.strip() for t in team):
            raise CommandError("Team names must be given, and each only once.")
        service = Service(name=name, country=country, language=language)
        try:
            service.full_clean()
        except ValidationError as error:
            raise CommandError(f"Not created: {'; '.join(error.messages)}") from error
        with transaction.atomic():
            service.save()
            for team_name in team:
                Team.objects.create(service=service, name=team_name.strip())
        teams = ", ".join(t.strip() for t in team) or "no teams"
        self.stdout.write(self.style.SUCCESS(f"Created service {service.name} ({teams})."))
