from django.core.management.base import BaseCommand

from feltbok.exports.services import expire_exports


class Command(BaseCommand):
    help = "Delete the files of protected exports whose expiry has passed (run e.g. hourly)."

    def handle(self, *args, **options):
        count = expire_exports()
        self.stdout.write(f"{count} expired export file(s) deleted.")
