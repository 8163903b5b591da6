"""`manage.py demo_logins`: where the demo runs and how to log in to it (used by `make demo`)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from feltbok.core import demo


class Command(BaseCommand):
    help = "Print the demo URL and the demo log-ins."

    def handle(self, *args, **options):
        service_of = {account.email: account.service for account in demo.DEMO_ACCOUNTS}
        header = ("E-mail", "Role", "Service", "Password")
        rows = [
            (email, str(role), service_of.get(email, ""), demo.DEMO_PASSWORD)
            for email, role in demo.DEMO_LOGINS
        ]
        widths = [max(len(row[n]) for row in [header, *rows]) for n in range(len(header))]
        out = self.stdout
        out.write("")
        out.write(f"Feltbok demo: {demo.DEMO_URL}")
        out.write("")
        for row in [header, tuple("-" * width for width in widths), *rows]:
            out.write(
                "  "
                + "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
        out.write("")
        out.write(
            "Multi-factor enrolment is skipped for these seeded accounts only because "
            "FELTBOK_DEMO=1"
            + (" (it is set)." if settings.DEMO else " (it is NOT set now: they must enrol).")
        )
        out.write("Every name and person in the demo is invented.")
        out.write("")
