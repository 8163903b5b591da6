"""Time a retention run over a seeded database. Not a test.

    .venv/bin/python bench/retention_bench.py [--scale N] [--years-ahead 5]

Seeds `manage.py seed_demo --scale N` (default 100,000 encounters) into a temporary SQLite
file (or PostgreSQL with DATABASE_URL), then runs the retention rules of the demo service as if
it were `--years-ahead` years later, so that everything is due: first a dry run, then the real
run, then a second run (nothing left). Prints the counts per rule, the times and whether the
audit chain still verifies.
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100_000, help="encounters to seed")
    parser.add_argument("--years-ahead", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="feltbok-retention-bench-") as var_dir:
        os.environ["FELTBOK_VAR_DIR"] = var_dir
        os.environ["FELTBOK_DEBUG"] = "1"
        os.environ["FELTBOK_DEMO"] = "1"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feltbok.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        run(options)


def run(options):
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import override_settings
    from django.utils import timezone

    from feltbok.audit.services import verify_chain
    from feltbok.core import demo
    from feltbok.fieldwork.models import Encounter
    from feltbok.organisation.models import Service
    from feltbok.people.models import Person
    from feltbok.privacy.services import apply_retention

    print(f"Database: {connection.vendor}")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", scale=options.scale)
    print(f"Seeded in {time.perf_counter() - started:,.1f} s.")
    service = Service.objects.get(name=demo.DEMO_SERVICE)
    print(f"{Person.objects.count():,} persons, {Encounter.objects.count():,} encounters")
    now = timezone.now() + datetime.timedelta(days=365 * options.years_ahead)
    with override_settings(DEBUG=False):
        for label, dry in [("dry run", True), ("real run", False), ("second run", False)]:
            reset_queries()
            began = time.perf_counter()
            result = apply_retention(service, now=now, dry_run=dry)
            seconds = time.perf_counter() - began
            counts = ", ".join(f"{what} {count:,}" for _r, what, count in result.counts)
            print(f"  {label}: {seconds:,.2f} s — {counts}")
    began = time.perf_counter()
    problems = verify_chain(service.pk)
    print(f"verify_chain: {len(problems)} problems ({time.perf_counter() - began:,.1f} s)")


if __name__ == "__main__":
    main()
