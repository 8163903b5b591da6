"""`manage.py backup [--output DIR]`: the database and the app's files in one archive."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from feltbok.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup or pg_dump) and the files under MEDIA_ROOT "
        "into one tar archive, with a row count and checksum of every table."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(Path(settings.VAR_DIR) / "backups"),
            help="Directory for the archive (default: VAR_DIR/backups).",
        )

    def handle(self, *args, **options):
        try:
            result = backup(Path(options["output"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {result.path}: {result.tables} tables, "
                f"{result.rows:,} rows, {result.files} files."
            )
        )
