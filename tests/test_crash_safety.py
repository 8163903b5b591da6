"""Crash safety: kill the server with SIGKILL in the middle of a burst of writes.

A real server process (manage.py runserver, no reloader) on a real database file (or a fresh
PostgreSQL database when DATABASE_URL is set) takes a burst of offline-sync batches. It is
killed mid-burst, started again, and every batch is sent once more as a phone would. Then:
every entry the server acknowledged before the kill is stored, and no entry is stored twice.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BATCH = 10  # entries per request: a phone's outbox after a stretch with no signal
BURST_SECONDS = 1.5

SETUP = """
import json
from django.test import Client
from feltbok.accounts.models import User
from feltbok.core.access import actor_for_user
from feltbok.fieldwork.selectors import areas_in_use
from feltbok.fieldwork.services import start_patrol
worker = User.objects.get(email="arbeider@uteseksjonen.demo")
colleague = User.objects.get(email="kollega@uteseksjonen.demo")
actor = actor_for_user(worker)
area = areas_in_use(actor).first()
patrol = start_patrol(actor, colleague=colleague, shift="evening", areas=[area])
client = Client()
client.force_login(worker)
print(json.dumps({"patrol": str(patrol.code), "area": str(area.code),
                  "session": client.cookies["sessionid"].value}))
"""

COUNT = """
import json
from feltbok.fieldwork.models import Encounter
from feltbok.people.models import Person
from feltbok.sync.models import SyncReceipt
print(json.dumps({
    "receipts": list(SyncReceipt.objects.values_list("key", flat=True)),
    "tallies": list(Encounter.objects.filter(patrol__code="PATROL", kind="anonymous")
                    .values_list("head_count", flat=True)),
    "encounters": list(Encounter.objects.filter(patrol__code="PATROL", kind="individual")
                       .values_list("code", flat=True)),
    "persons": list(Person.objects.filter(nickname__startswith="Krasj")
                    .values_list("code", flat=True)),
}, default=str))
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def environment(tmp_path):
    """Settings for the server processes: a new database of their own."""
    env = {
        **os.environ,
        "FELTBOK_DEBUG": "1",
        "FELTBOK_DEMO": "1",
        "FELTBOK_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "feltbok.settings",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("FELTBOK_TESTING", None)
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        env.pop("DATABASE_URL", None)
        yield env
        return
    import psycopg

    name = f"feltbok_crash_{uuid.uuid4().hex[:12]}"
    base = database_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"{base}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env, *args, code=None):
    command = [sys.executable, "manage.py", *args]
    if code is not None:
        command = [sys.executable, "manage.py", "shell", "-c", code]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def start_server(env, port):
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    server.kill()
    pytest.fail("the server did not start")


def batch(patrol, area, number):
    """One outbox: anonymous tallies and contacts with new persons, each with its own key."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    entries = []
    for index in range(BATCH):
        key = f"crash-{number}-{index}"
        if index % 2:
            data = {
                "patrol": patrol,
                "area": area,
                "occurred_at": now,
                "counts": [{"age_band": "18-22", "gender": "male", "count": 1}],
            }
            entries.append({"key": key, "type": "tally", "data": data})
        else:
            data = {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
                "patrol": patrol,
                "area": area,
                "occurred_at": now,
                "kind": "individual",
                "new_person": {
                    "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, key)),
                    "anonymity_level": "nickname",
                    "nickname": f"Krasj {number}-{index}",
                    "gender": "female",
                    "age_band": "18-22",
                },
            }
            entries.append({"key": key, "type": "encounter", "data": data})
    return entries


def send(port, session, entries, timeout=10):
    token = secrets.token_hex(16)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/sync",
        data=json.dumps({"entries": entries}).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Cookie": f"sessionid={session}; csrftoken={token}",
            "X-CSRFToken": token,
            "Referer": f"http://127.0.0.1:{port}/",
        },
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.load(response)["results"]


def test_every_acknowledged_write_survives_a_kill_and_none_is_stored_twice(environment):
    manage(environment, "migrate", "--verbosity", "0")
    manage(environment, "seed_demo", "--weeks", "1")
    setup = json.loads(manage(environment, code=SETUP).strip().splitlines()[-1])
    patrol, area, session = setup["patrol"], setup["area"], setup["session"]
    port = free_port()
    server = start_server(environment, port)

    acknowledged, sent, stop = [], [], threading.Event()

    def burst():
        number = 0
        while not stop.is_set():
            entries = batch(patrol, area, number)
            sent.append(entries)
            number += 1
            try:
                results = send(port, session, entries)
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                return  # the server is gone: these entries stay in the outbox
            acknowledged.extend(r["key"] for r in results if r["status"] in (200, 201))

    sender = threading.Thread(target=burst)
    sender.start()
    time.sleep(BURST_SECONDS)
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    stop.set()
    sender.join(timeout=30)
    assert acknowledged, "no batch was acknowledged before the kill"
    # The batch in flight (or the next one) was cut off: the phone keeps it and sends again.
    assert len(acknowledged) < len(sent) * BATCH

    # Restart; the phone sends its whole outbox again (acknowledged entries included).
    server = start_server(environment, port)
    try:
        for entries in sent:
            results = send(port, session, entries, timeout=30)
            assert all(r["status"] in (200, 201) for r in results), results
    finally:
        server.kill()
        server.wait(timeout=10)

    stored = json.loads(manage(environment, code=COUNT.replace("PATROL", patrol)).splitlines()[-1])
    keys = [entry["key"] for entries in sent for entry in entries]
    receipts = set(stored["receipts"])
    assert set(acknowledged) <= receipts  # nothing acknowledged was lost
    assert receipts >= set(keys)
    # Exactly once: one tally row, one contact and one new person per entry sent.
    tallies = [key for key in keys if int(key.rsplit("-", 1)[1]) % 2]
    assert len(stored["tallies"]) == len(tallies)
    assert len(stored["encounters"]) == len(keys) - len(tallies)
    assert len(set(stored["encounters"])) == len(stored["encounters"])
    assert len(stored["persons"]) == len(set(stored["persons"])) == len(keys) - len(tallies)
