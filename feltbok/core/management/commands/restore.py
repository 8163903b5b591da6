"""`manage.py restore ARCHIVE`: into an empty database, checked table by table."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from feltbok.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured, empty database and "
        "MEDIA_ROOT, then compare every table's row count and checksum with the backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar archive written by `manage.py backup`.")

    def handle(self, *args, **options):
        try:
            result = restore(Path(options["archive"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored and checked {result.tables} tables ({result.rows:,} rows) "
                f"and {result.files} files."
            )
        )
