"""Time the offline sync of 1,000 queued entries in one batch. Not a test.

    .venv/bin/python bench/sync_bench.py [--scale N] [--var-dir DIR] [--entries 1000] [--runs 3]

Seeds a database with `manage.py seed_demo --scale N` (default 10,000 encounters) into a
temporary SQLite file, logs the demo worker in with the Django test client, fetches the
offline look-up list as the phone does, and POSTs a realistic outbox to /api/sync: area
visits, environment observations, anonymous tallies, contacts with known persons (from the
look-up list) and new persons. Each run uses a new patrol and new entries; the median of the
runs is reported, with the time per entry.

--var-dir keeps the seeded SQLite file in DIR and reuses it on the next run (seeding 1M
encounters takes about three minutes): the database is seeded only if the demo service is
not there yet. With DATABASE_URL set, PostgreSQL is used instead (seeded the same way).

The requests run with DEBUG off, as in production (Django does not record every query then);
the development keys are used, as in bench/seed_and_stats.py.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKER = "arbeider@uteseksjonen.demo"
COLLEAGUE = "kollega@uteseksjonen.demo"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10_000, help="encounters to seed")
    parser.add_argument("--var-dir", help="keep (and reuse) the SQLite file in this directory")
    parser.add_argument("--entries", type=int, default=1000, help="entries per batch")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (the median is shown)")
    parser.add_argument("--profile", help="after the runs, profile one batch into this file")
    options = parser.parse_args()

    if options.var_dir:
        Path(options.var_dir).mkdir(parents=True, exist_ok=True)
        bench(options, Path(options.var_dir))
    else:
        with tempfile.TemporaryDirectory(prefix="feltbok-sync-bench-") as var_dir:
            bench(options, Path(var_dir))


def bench(options, var_dir):
    # Before django.setup(): the settings read these once.
    os.environ["FELTBOK_VAR_DIR"] = str(var_dir)
    os.environ["FELTBOK_DEBUG"] = "1"
    os.environ["FELTBOK_DEMO"] = "1"  # the seeded demo accounts may skip MFA enrolment
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feltbok.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    run(options, var_dir)


def run(options, var_dir):
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings

    from feltbok.core import demo
    from feltbok.fieldwork.models import Encounter
    from feltbok.organisation.models import Service
    from feltbok.people.models import Person

    database = connection.vendor
    if database == "sqlite":
        database += f" ({connection.settings_dict['NAME']})"
    print(f"Database: {database}")
    call_command("migrate", verbosity=0)
    if Service.objects.filter(name=demo.DEMO_SERVICE).exists():
        print("Reusing the seeded database.")
    else:
        started = time.perf_counter()
        call_command("seed_demo", scale=options.scale)
        print(f"Seeded in {time.perf_counter() - started:,.1f} s.")

    encounters_before = Encounter.objects.count()
    persons_before = Person.objects.count()
    client = Client(SERVER_NAME="localhost")
    client.force_login(_user(WORKER))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    timings, cpu_timings, lookup_timings = [], [], []
    calibration = _calibrate()
    with override_settings(DEBUG=False):
        for number in range(options.runs + 1):  # the first run warms caches and is not counted
            patrol, areas = _start_patrol()
            began = time.perf_counter()
            lookup = client.get("/api/lookup")
            lookup_seconds = time.perf_counter() - began
            assert lookup.status_code == 200, lookup.content
            known = [person["id"] for person in lookup.json()["persons"]]
            assert known, "No persons met in the last 90 days: seed a larger database."
            entries = outbox(patrol, areas, known, options.entries)
            began, began_cpu = time.perf_counter(), time.process_time()
            results = _sync(client, entries)
            seconds = time.perf_counter() - began
            cpu_seconds = time.process_time() - began_cpu
            _check(results)
            _end_patrol(patrol)
            label = "warm-up" if number == 0 else f"run {number}"
            print(
                f"  {label}: {seconds * 1000:,.0f} ms for {len(entries)} entries "
                f"({cpu_seconds * 1000:,.0f} ms CPU)"
            )
            if number:
                timings.append(seconds)
                cpu_timings.append(cpu_seconds)
                lookup_timings.append(lookup_seconds)

        # After the timed runs: a replay of a whole batch, and the queries of one batch.
        patrol, areas = _start_patrol()
        entries = outbox(patrol, areas, known, options.entries)
        _check(_sync(client, entries))
        began = time.perf_counter()
        replayed = _sync(client, entries)
        replay_seconds = time.perf_counter() - began
        _check(replayed)
        _end_patrol(patrol)
        patrol, areas = _start_patrol()
        entries = outbox(patrol, areas, known, options.entries)
        queries = []
        with connection.execute_wrapper(
            lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
        ):
            _check(_sync(client, entries))
        _end_patrol(patrol)
        if options.profile:
            _profile(client, known, options)

    median = statistics.median(timings)
    kinds = {}
    for entry in entries:
        name = entry["type"] + (" (new person)" if "new_person" in entry["data"] else "")
        kinds[name] = kinds.get(name, 0) + 1
    size = "-"
    if connection.vendor == "sqlite":
        files = list(var_dir.glob("feltbok.sqlite3*"))
        size = f"{sum(f.stat().st_size for f in files) / 2**20:,.0f} MiB"
    table = [
        ("encounters in the database", f"{encounters_before:,}"),
        ("persons in the database", f"{persons_before:,}"),
        ("database size", size),
        ("entries per batch", f"{len(entries):,}"),
        ("mix", ", ".join(f"{n} {name}" for name, n in sorted(kinds.items()))),
        (f"sync: median of {len(timings)}", f"{median * 1000:,.0f} ms"),
        ("sync: min / max", f"{min(timings) * 1000:,.0f} / {max(timings) * 1000:,.0f} ms"),
        ("sync: per entry (median)", f"{median * 1000 / len(entries):.2f} ms"),
        ("sync: CPU time (median)", f"{statistics.median(cpu_timings) * 1000:,.0f} ms"),
        ("CPU check: 3M-step Python loop", f"{calibration * 1000:,.0f} ms"),
        ("replay of a whole batch", f"{replay_seconds * 1000:,.0f} ms"),
        ("queries per entry", f"{len(queries) / len(entries):.1f}"),
        ("look-up list (median)", f"{statistics.median(lookup_timings) * 1000:,.0f} ms"),
        ("look-up list: persons", f"{len(known):,}"),
    ]
    width = max(len(name) for name, _value in table)
    print()
    for name, value in table:
        print(f"  {name:<{width}}  {value}")


def _profile(client, known, options):
    """One more batch under cProfile (`python -m pstats FILE` reads it)."""
    import cProfile

    patrol, areas = _start_patrol()
    entries = outbox(patrol, areas, known, options.entries)
    profiler = cProfile.Profile()
    profiler.enable()
    _check(_sync(client, entries))
    profiler.disable()
    profiler.dump_stats(options.profile)
    _end_patrol(patrol)
    print(f"  profile of one batch written to {options.profile}")


def _calibrate():
    """How fast this machine runs plain Python just now (it may be shared with other work)."""
    began = time.perf_counter()
    total = 0
    for step in range(3_000_000):
        total += step
    return time.perf_counter() - began


def _user(email):
    from feltbok.accounts.models import User

    return User.objects.get(email=email)


def _start_patrol():
    """A new patrol of the demo worker (ending one an interrupted run left under way)."""
    from django.utils import timezone

    from feltbok.core.access import actor_for_user
    from feltbok.fieldwork.selectors import areas_in_use
    from feltbok.fieldwork.services import active_patrol_of, shift_for, start_patrol

    actor = actor_for_user(_user(WORKER))
    leftover = active_patrol_of(actor)
    if leftover is not None:
        _end_patrol(leftover)
    areas = list(areas_in_use(actor))
    patrol = start_patrol(
        actor, colleague=_user(COLLEAGUE), shift=shift_for(timezone.now()), areas=areas
    )
    return patrol, areas


def _end_patrol(patrol):
    from feltbok.core.access import actor_for_user
    from feltbok.fieldwork.services import end_patrol

    end_patrol(actor_for_user(_user(WORKER)), patrol)


def outbox(patrol, areas, known, size):
    """A phone's outbox after a busy shift, in the order it was queued.

    Per eight entries: arriving in an area, an observation of it, two anonymous tallies,
    three contacts with persons from the look-up list and one new person.
    """
    from django.utils import timezone

    def new_id():
        return str(uuid.uuid4())

    def entry(entry_type, **data):
        return {"key": uuid.uuid4().hex, "type": entry_type, "data": data}

    entries, visit = [], None
    for i in range(size):
        area = str(areas[(i // 8) % len(areas)].code)
        now = timezone.now().isoformat()
        where = {"patrol": str(patrol.code), "area": area, "occurred_at": now}
        if visit is not None:
            where["visit"] = visit
        step = i % 8
        if step == 0:
            visit = new_id()
            entries.append(
                entry("visit.start", id=visit, patrol=str(patrol.code), area=area, arrived_at=now)
            )
        elif step == 1:
            entries.append(
                entry(
                    "observation",
                    id=new_id(),
                    visit=visit,
                    observed_at=now,
                    people_present=5 + i % 20,
                    age_mix=["18-22", "23-25"],
                    mood="calm",
                    substances=["alcohol"],
                    note="Rolig.",
                )
            )
        elif step in (2, 5):
            counts = [{"age_band": "18-22", "gender": "male", "count": 1 + i % 3}]
            if step == 5:
                counts.append({"age_band": "13-17", "gender": "female", "count": 1})
            entries.append(entry("tally", **where, counts=counts))
        elif step == 7:
            entries.append(
                entry(
                    "encounter",
                    id=new_id(),
                    **where,
                    kind="individual",
                    new_person={
                        "id": new_id(),
                        "anonymity_level": "nickname",
                        "nickname": f"Ny {i}",
                        "gender": "unknown",
                        "age_band": "unknown",
                    },
                    topics=["conversation"],
                )
            )
        else:
            entries.append(
                entry(
                    "encounter",
                    id=new_id(),
                    **where,
                    kind="individual",
                    persons=[known[i % len(known)]],
                    topics=["conversation", "food"],
                    note="Delte ut mat.",
                )
            )
    return entries


def _sync(client, entries):
    import json

    response = client.post(
        "/api/sync", json.dumps({"entries": entries}), content_type="application/json"
    )
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


def _check(results):
    refused = [result for result in results if result["status"] not in (200, 201)]
    assert not refused, refused[:3]


if __name__ == "__main__":
    main()
