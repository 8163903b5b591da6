"""Seed N encounters into a fresh database and time the statistics page's queries. Not a test.

    .venv/bin/python bench/statistics_bench.py [N]        (default N = 1000000)

The pattern of bench/seed_and_stats.py: SQLite in a temporary directory by default, PostgreSQL
when DATABASE_URL is set (that database must not hold the demo services yet). Times, as the demo
analyst sees them, `reports.statistics.run` — the aggregate queries plus disclosure control —
for the last 52 weeks (widened to whole weeks) × field areas, and a few other shapes of the
statistics page; the median of five runs each, and the time spent in suppression alone.
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
    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory(prefix="feltbok-bench-") as var_dir:
        os.environ["FELTBOK_VAR_DIR"] = var_dir
        os.environ["FELTBOK_DEBUG"] = "1"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feltbok.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        run(scale)


def timed(function):
    timings = []
    result = None
    for _ in range(RUNS):
        began = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - began)
    return result, timings


def run(scale):
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from feltbok.accounts.models import User
    from feltbok.core.access import actor_for_user
    from feltbok.fieldwork.models import Encounter, EncounterPerson
    from feltbok.reports import disclosure
    from feltbok.reports.statistics import Query
    from feltbok.reports.statistics import run as statistics_run

    print(f"Database: {connection.vendor}")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", scale=scale)
    seed_seconds = time.perf_counter() - started

    actor = actor_for_user(User.objects.get(email=ANALYST))
    end = timezone.localdate()
    start = end - datetime.timedelta(weeks=52) + datetime.timedelta(days=1)
    shapes = {
        "contacts, area × week (the default page)": Query(
            start, end, "contacts", "week", ("area",)
        ),
        "contacts, area × week, vs the period before": Query(
            start, end, "contacts", "week", ("area",), compare="previous"
        ),
        "distinct persons, area × week": Query(start, end, "persons", "week", ("area",)),
        "new persons, gender × month": Query(start, end, "new_persons", "month", ("gender",)),
        "contacts, topic × month": Query(start, end, "contacts", "month", ("topic",)),
        "contacts, area × shift × quarter": Query(
            start, end, "contacts", "quarter", ("area", "shift")
        ),
    }
    lines = [
        ("--scale", f"{scale:,}"),
        ("encounters", f"{Encounter.objects.count():,}"),
        ("persons in encounters", f"{EncounterPerson.objects.count():,}"),
        ("seed time", f"{seed_seconds:,.1f} s"),
        ("period", f"{start} .. {end}"),
    ]
    original_protect = disclosure.protect_table
    for name, query in shapes.items():
        spent = []

        def protect_timed(*args, spent=spent, **kwargs):
            began = time.perf_counter()
            out = original_protect(*args, **kwargs)
            spent.append(time.perf_counter() - began)
            return out

        disclosure.protect_table = protect_timed
        import feltbok.reports.statistics as engine

        engine.protect_table = protect_timed
        with CaptureQueriesContext(connection) as queries:
            result, timings = timed(lambda query=query: statistics_run(actor, query))
        engine.protect_table = original_protect
        disclosure.protect_table = original_protect
        table = result.table
        hidden = sum(cell is None for row in table.rows for cell in row.cells)
        cells = sum(len(row.cells) for row in table.rows)
        lines += [
            (name, ""),
            (
                "  table",
                f"{len(table.rows)} rows × {len(table.columns)} columns, {hidden}/{cells} hidden",
            ),
            ("  queries per run", f"{len(queries) // RUNS}"),
            (f"  median of {RUNS}", f"{statistics.median(timings) * 1000:,.0f} ms"),
            ("  min / max", f"{min(timings) * 1000:,.0f} / {max(timings) * 1000:,.0f} ms"),
            ("  of which suppression", f"{sum(spent) / RUNS * 1000:,.0f} ms per run"),
        ]
    width = max(len(name) for name, _value in lines)
    print()
    for name, value in lines:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
