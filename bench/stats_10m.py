"""Time a year's statistics for one service on a seeded PostgreSQL database. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench10m .venv/bin/python bench/stats_10m.py

The database must already hold `seed_demo --scale N` and be migrated; run
`manage.py rebuild_rollups` first. Reports the median of RUNS runs of `statistics.run` for the
analyst's measures (contacts, distinct persons, new persons by month × field area) with and
without roll-ups, the statistics page through the test client, and the same aggregation in
DuckDB over a CSV export (COPY) of the same rows: the yardstick.
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
MEASURES = ("contacts", "persons", "new_persons")


def median_ms(fn):
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), min(times), max(times)


def main():
    os.environ.setdefault("FELTBOK_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feltbok.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.urls import reverse
    from django.utils import timezone

    from feltbok.accounts.models import User
    from feltbok.core.access import actor_for_user
    from feltbok.reports.statistics import Query, run

    user = User.objects.get(email=ANALYST)
    actor = actor_for_user(user)
    end = timezone.localdate()
    start = end - datetime.timedelta(days=364)
    print(f"Service {actor.service_id}, {start} – {end}")
    for measure in MEASURES:
        query = Query(start=start, end=end, measure=measure, bucket="month", rows=("area",))
        for use in (True, False):
            with override_settings(FELTBOK_STATISTICS_ROLLUPS=use):
                med, low, high = median_ms(lambda q=query: run(actor, q))
            path = "roll-ups" if use else "plain"
            print(f"{measure:12} {path:9} median {med:8.0f} ms ({low:.0f}–{high:.0f})")

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(user)
    params = {"start": start, "end": end, "measure": "persons", "bucket": "month", "rows": "area"}
    med, low, high = median_ms(lambda: client.get(reverse("reports:statistics"), params))
    print(f"statistics page (persons)  median {med:8.0f} ms ({low:.0f}–{high:.0f})")

    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "persons.csv"
        sql = (
            "COPY (SELECT e.local_date, e.area_id, ep.person_id, ep.first_contact, "
            "e.contact_count FROM fieldwork_encounterperson ep JOIN fieldwork_encounter e "
            "ON e.id = ep.encounter_id WHERE ep.service_id = %s AND e.local_date "
            "BETWEEN %s AND %s) TO STDOUT WITH CSV HEADER"
        )
        began = time.perf_counter()
        with connection.cursor() as cursor, csv.open("wb") as out:
            copy = cursor.cursor.copy(sql, [actor.service_id, start, end])  # psycopg 3
            with copy:
                for block in copy:
                    out.write(block)
        print(f"export (COPY) {time.perf_counter() - began:.1f} s")
        duck = duckdb.connect()
        duck.execute("CREATE TABLE p AS SELECT * FROM read_csv_auto(?)", [str(csv)])
        aggregate = (
            "SELECT date_trunc('month', local_date) m, area_id, count(DISTINCT person_id) "
            "FROM p GROUP BY ALL"
        )
        med, low, high = median_ms(lambda: duck.execute(aggregate).fetchall())
        print(f"DuckDB distinct persons by month × area median {med:.0f} ms ({low:.0f}–{high:.0f})")


if __name__ == "__main__":
    main()
