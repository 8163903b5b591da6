"""Key rotation in the background: batches, recorded progress, resumable, refusals."""

import io

import pytest
from django.core.management import call_command

from feltbok.exports.models import KeyRotationRun, RotationStatus
from feltbok.people.management.commands.rotate_keys import Command
from feltbok.people.models import Person
from feltbok.people.tests.test_rotation import (
    identified,
    identities,
    new_key,
    raw_persons,
    ring,
)
from feltbok.subjectrights.models import PersonCorrection
from feltbok.subjectrights.services import rectify_person


def rotate(*args):
    out = io.StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


def on_key(key_id):
    values = [v for row in raw_persons() for v in row[:3] if v]
    values += list(
        PersonCorrection.objects.exclude(old_value_enc="").values_list("old_value_enc", flat=True)
    )
    return values and all(v.startswith(f"{key_id}:") for v in values)


@pytest.fixture
def keys():
    return {key_id: new_key() for key_id in ("k1", "k2", "k3")}


@pytest.fixture
def people(worker, keys):
    """Three identified persons, one with a corrected name, all encrypted with k1."""
    with ring(keys, "k1", active="k1"):
        made = [identified(worker, f"Person {n} Nordmann", f"0101900000{n}") for n in range(3)]
        rectify_person(worker, made[0], {"full_name": "Person 0 Hansen"}, "Showed ID today")
    return made


def test_background_rotation_in_batches_readable_throughout(worker, keys, people, monkeypatch):
    with ring(keys, "k1", active="k1"):
        plain = identities(worker)
    seen_during = []

    def read_meanwhile(self):
        # Between batches some values are on k1 and some on k2: all still read.
        seen_during.append(identities(worker) == plain)

    monkeypatch.setattr(Command, "_after_batch", read_meanwhile)
    with ring(keys, "k1", "k2", active="k2"):
        out = rotate("--background", "--batch-size", "1")
        assert identities(worker) == plain

    run = KeyRotationRun.objects.get()
    assert f"Key rotation run {run.code}: Done." in out
    assert run.status == RotationStatus.DONE
    assert run.active_key == "k2"
    assert run.progress["Persons"]["rows"] == 3
    assert run.progress["Persons"]["values"] == 9
    assert run.progress["Corrections"]["values"] == 1
    assert len(seen_during) >= 4
    assert all(seen_during)
    assert on_key("k2")
    correction = PersonCorrection.objects.get()
    with ring(keys, "k2", active="k2"):
        assert correction.read_old_value() == "Person 0 Nordmann"
        assert identities(worker) == plain
    status = rotate("--status")
    assert f"{run.code} done (active key k2): Persons: 3 rows, 9 values" in status


def test_a_stopped_run_continues_from_its_last_batch(worker, keys, people, monkeypatch):
    batches = []

    def stop_after_two(self):
        batches.append(1)
        if len(batches) == 2:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(Command, "_after_batch", stop_after_two)
    with ring(keys, "k1", "k2", active="k2"):
        # The task backend records the crash; the command reports the stopped run.
        out = rotate("--background", "--batch-size", "1")
    assert "Stopped (run again to continue)" in out
    run = KeyRotationRun.objects.get()
    assert run.status == RotationStatus.FAILED
    assert run.progress["Persons"]["rows"] == 2
    first_two = [p.pk for p in people[:2]]
    assert all(
        v.startswith("k2:")
        for v in Person.objects.filter(pk__in=first_two).values_list("full_name_enc", flat=True)
    )
    assert Person.objects.get(pk=people[2].pk).full_name_enc.startswith("k1:")

    monkeypatch.setattr(Command, "_after_batch", lambda self: batches.append(1))
    batches.clear()
    with ring(keys, "k1", "k2", active="k2"):
        rotate("--resume", str(run.code))

    run.refresh_from_db()
    assert run.status == RotationStatus.DONE
    assert run.progress["Persons"]["rows"] == 3  # continued, not counted twice
    assert run.progress["Persons"]["values"] == 9
    assert on_key("k2")


def test_a_missing_key_is_refused_and_nothing_changes(worker, keys, people):
    before = raw_persons()
    corrections = list(PersonCorrection.objects.values_list("old_value_enc", flat=True))

    with ring(keys, "k2", "k3", active="k3"):
        out = rotate("--background")

    run = KeyRotationRun.objects.get()
    assert run.status == RotationStatus.REFUSED
    assert "key 'k1' is not in FELTBOK_KEYS: add it back before rotating" in run.message
    assert "Nothing was changed." in run.message
    assert "Refused" in out
    assert raw_persons() == before
    assert list(PersonCorrection.objects.values_list("old_value_enc", flat=True)) == corrections


def test_resume_of_an_unknown_run_is_refused(keys):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No key rotation run 'nope'"):
        rotate("--resume", "nope")
