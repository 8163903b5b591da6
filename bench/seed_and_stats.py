"""Seed N encounters into a fresh database and time the weekly statistic. Not a test.

    .venv/bin/python bench/seed_and_stats.py [N]        (default N = 100000)

SQLite in a temporary directory by default, so nothing under var/ is touched; PostgreSQL when
DATABASE_URL is set (that database must not hold the demo services yet). Reports how long the
seed took and the median of five runs of reports.selectors.weekly_contacts_by_area over the
last 52 weeks, as the demo analyst sees it.
"""

import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
ANALYST = "analytiker@uteseksjonen.demo"


def main():
    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory(prefix="feltbok-bench-") as var_dir:
        # Before django.setup(): the settings read these once.
        os.environ["FELTBOK_VAR_DIR"] = var_dir
        os.environ["FELTBOK_DEBUG"] = "1"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feltbok.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        run(scale, Path(var_dir))


def run(scale, var_dir):
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from feltbok.accounts.models import User
    from feltbok.core.access import actor_for_user
    from feltbok.fieldwork.models import Encounter, EncounterPerson, Patrol
    from feltbok.people.models import Person
    from feltbok.reports.selectors import weekly_contacts_by_area

    database = connection.vendor
    if database == "sqlite":
        database += f" ({connection.settings_dict['NAME']})"
    print(f"Database: {database}")
    call_command("migrate", verbosity=0)

    started = time.perf_counter()
    call_command("seed_demo", scale=scale)
    seed_seconds = time.perf_counter() - started

    counts = {
        "encounters": Encounter.objects.count(),
        "persons in encounters": EncounterPerson.objects.count(),
        "persons": Person.objects.count(),
        "patrols": Patrol.objects.count(),
        "patrol areas": Patrol.areas.through.objects.count(),
        "patrol other members": Patrol.other_members.through.objects.count(),
    }
    rows = sum(counts.values())

    actor = actor_for_user(User.objects.get(email=ANALYST))
    end = timezone.localdate()
    start = end - datetime.timedelta(weeks=52) + datetime.timedelta(days=1)
    timings = []
    for _ in range(RUNS):
        began = time.perf_counter()
        weeks, area_rows = weekly_contacts_by_area(actor, start, end)
        timings.append(time.perf_counter() - began)
    contacts = sum(cell.value for row in area_rows for cell in row.cells)

    size = ""
    if connection.vendor == "sqlite":
        files = list(var_dir.glob("feltbok.sqlite3*"))
        size = f"{sum(f.stat().st_size for f in files) / 2**20:,.0f} MiB"

    table = [
        ("--scale", f"{scale:,}"),
        *((name, f"{count:,}") for name, count in counts.items()),
        ("rows written (these tables)", f"{rows:,}"),
        ("seed time", f"{seed_seconds:,.1f} s"),
        ("encounters/s", f"{counts['encounters'] / seed_seconds:,.0f}"),
        ("rows/s", f"{rows / seed_seconds:,.0f}"),
        ("database size", size or "-"),
        ("statistic: period", f"{start} .. {end} ({len(weeks)} weeks, {len(area_rows)} areas)"),
        ("statistic: contacts counted", f"{contacts:,}"),
        (f"statistic: median of {RUNS}", f"{statistics.median(timings) * 1000:,.0f} ms"),
        ("statistic: min / max", f"{min(timings) * 1000:,.0f} / {max(timings) * 1000:,.0f} ms"),
    ]
    width = max(len(name) for name, _value in table)
    print()
    for name, value in table:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
