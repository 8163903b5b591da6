"""`manage.py purge_reporter_details`: remove reporters' contact details past retention.

Run daily (cron or a scheduled task). Each service's retention is its on-call setting
(30 days unless set); the inquiry itself stays.
"""

from django.core.management.base import BaseCommand

from feltbok.oncall.services import purge_expired_reporter_details


class Command(BaseCommand):
    help = "Remove reporters' contact details older than each service's retention period."

    def handle(self, *args, **options):
        count = purge_expired_reporter_details()
        self.stdout.write(f"Removed the reporter's details from {count} inquiries.")
