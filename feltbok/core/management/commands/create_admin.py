"""`manage.py create_admin EMAIL --service NAME`: a service's first administrator.

The user gets the administrator role in the service and access to Django's admin (`/admin/`),
where further users and their memberships are added. The password is read from standard input
when it is not a terminal (`feltbok-manage create_admin … < file`), otherwise asked for twice.
Like every account, the administrator enrols an authenticator app at the first log-in.
"""

import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from feltbok.accounts.models import Membership, Role, User
from feltbok.organisation.models import Service


class Command(BaseCommand):
    help = "Create a service's administrator (role admin, access to /admin/)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--service", required=True, help="The service's name.")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def _password(self, user):
        if not sys.stdin.isatty():
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if getpass.getpass("Password (again): ") != password:
                raise CommandError("The passwords differ; nothing was created.")
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(f"Password refused: {' '.join(error.messages)}") from error
        return password

    def handle(self, *args, email, service, first_name, last_name, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Not an e-mail address: {email!r}.") from error
        owner = Service.objects.filter(name__iexact=service.strip()).first()
        if owner is None:
            names = ", ".join(Service.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"No service named {service!r} (services: {names}).")
        if User.objects.filter(email=email).exists():
            raise CommandError(f"A user {email} exists already; add the role in /admin/.")
        user = User(email=email, username=email, first_name=first_name, last_name=last_name)
        password = self._password(user)
        with transaction.atomic():
            user = User.objects.create_superuser(
                email=email, password=password, first_name=first_name, last_name=last_name
            )
            Membership.objects.create(user=user, service=owner, role=Role.ADMIN)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created administrator {email} for {owner.name}. "
                "Log in at /accounts/login/ and enrol an authenticator app."
            )
        )
