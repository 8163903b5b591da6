"""Re-encrypt identifying fields and MFA secrets with the active key of the key ring.

Rotation, step by step:

1. Add the new key to FELTBOK_KEYS and make it FELTBOK_ACTIVE_KEY; keep the old keys in the
   ring. New values are encrypted with the new key from then on; old ones still decrypt.
2. Run `manage.py rotate_keys` (first with `--dry-run` to see the counts). Every value whose
   key id is not the active one is decrypted and encrypted again with the active key:
   the identifying fields of persons (full name, birth date, national id) and the TOTP
   secrets and recovery-code seeds of allauth's MFA authenticators.
3. When a run reports 0 values, the old keys may be removed from FELTBOK_KEYS.

Before anything is written, every value to re-encrypt is checked: its key id must be in the
ring and it must decrypt. If one does not, the command refuses and changes nothing. Rows are
then re-encrypted in batches of primary-key ranges, each batch in its own transaction with
its rows locked (`select_for_update`), so a concurrent edit is neither lost nor overwritten.

In the background (no downtime): `rotate_keys --background` queues the same work as a
django-tasks task (run by `manage.py db_worker`). Each batch is a short transaction; the
run's progress (rows and values per pass, the last row done) is stored in a KeyRotationRun
after each batch, so `rotate_keys --status` (and the administrators' key page) shows it, and a
run that stopped continues from its last batch when started again (`--resume <run>`). Values
stay readable throughout: each one decrypts with whichever key of the ring made it.

The earlier identifying values kept by rectification (subjectrights.PersonCorrection) are
rotated as well.

Blind indexes (`*_bidx`) do not change: they are HMACs keyed by FELTBOK_BLIND_INDEX_KEY,
which is separate from the key ring, so search keeps working during and after rotation.
"""

from collections import Counter
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from feltbok.accounts.adapters import MFAAdapter
from feltbok.core.crypto import DecryptionError, key_ring
from feltbok.exports.models import KeyRotationRun, RotationStatus
from feltbok.people.models import Person
from feltbok.subjectrights.models import PersonCorrection

PERSON_FIELDS = ("full_name", "birth_date", "national_id")
PERSON_COLUMNS = [f"{name}_enc" for name in PERSON_FIELDS]
MFA_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES)


@dataclass
class Tally:
    """What one pass saw: rows scanned and values to re-encrypt, per old key id."""

    label: str
    rows: int = 0
    by_key: Counter = field(default_factory=Counter)

    def line(self, verb):
        total = sum(self.by_key.values())
        per_key = ", ".join(f"{key_id}: {n}" for key_id, n in sorted(self.by_key.items()))
        return (
            f"{self.label}: {self.rows} rows scanned, {total} values {verb}"
            + (f" ({per_key})" if per_key else "")
            + "."
        )


@dataclass
class Problems:
    """Values that cannot be rotated. Never holds a plaintext or a ciphertext."""

    missing_keys: Counter = field(default_factory=Counter)
    not_ciphertext: list = field(default_factory=list)
    undecryptable: Counter = field(default_factory=Counter)
    first_undecryptable: dict = field(default_factory=dict)

    def __bool__(self):
        return bool(self.missing_keys or self.not_ciphertext or self.undecryptable)

    def message(self):
        lines = []
        for key_id, count in sorted(self.missing_keys.items()):
            lines.append(
                f"key {key_id!r} is not in FELTBOK_KEYS: add it back before rotating "
                f"({count} value(s) are encrypted with it)."
            )
        for key_id, count in sorted(self.undecryptable.items()):
            lines.append(
                f"{count} value(s) encrypted with key {key_id!r} do not decrypt (first: "
                f"{self.first_undecryptable[key_id]}): FELTBOK_KEYS holds another key under "
                f"that id, or the data was changed."
            )
        if self.not_ciphertext:
            shown = ", ".join(self.not_ciphertext[:5])
            lines.append(
                f"{len(self.not_ciphertext)} value(s) are not key-ring ciphertexts "
                f"(first: {shown})."
            )
        lines.append("Nothing was changed.")
        return "\n".join(lines)


def _mfa_secrets(authenticator):
    """(key, index) of each encrypted value in an authenticator's data; index for lists."""
    data = authenticator.data or {}
    if authenticator.type == Authenticator.Type.TOTP:
        return [("secret", None)] if data.get("secret") else []
    places = [("seed", None)] if data.get("seed") else []
    places += [("migrated_codes", i) for i in range(len(data.get("migrated_codes") or []))]
    return places


def _get(data, place):
    key, index = place
    return data[key] if index is None else data[key][index]


def _set(data, place, value):
    key, index = place
    if index is None:
        data[key] = value
    else:
        data[key][index] = value


class Command(BaseCommand):
    help = (
        "Re-encrypt identifying fields of persons and MFA secrets that are not encrypted with "
        "the active key (FELTBOK_ACTIVE_KEY). Blind indexes are not changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Show the counts and write nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Rows per transaction (default 500).",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the rotation as a background task and return at once.",
        )
        parser.add_argument(
            "--status", action="store_true", help="Show the progress of the latest runs."
        )
        parser.add_argument(
            "--resume",
            metavar="RUN",
            help="Run (or continue) the recorded run with this code, from its last batch.",
        )

    def handle(self, *args, **options):
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if options["status"]:
            return self._show_status()
        if options["background"]:
            return self._enqueue(batch_size)
        self.run = None
        if options["resume"]:
            self.run = self._load_run(options["resume"])
            batch_size = self.run.batch_size
        try:
            self._handle(batch_size, options)
        except CommandError as exc:
            self._finish(RotationStatus.REFUSED if self._refused else RotationStatus.FAILED, exc)
            raise
        except Exception:
            self._finish(RotationStatus.FAILED, "Stopped by an error; run again to continue.")
            raise
        else:
            self._finish(RotationStatus.DONE, "")

    def _handle(self, batch_size, options):
        self._refused = False
        try:
            self.ring = key_ring()
        except ImproperlyConfigured as exc:
            raise CommandError(f"The key ring is not configured correctly: {exc}") from exc
        self.mfa = MFAAdapter()
        self.stdout.write(f"Active key: {self.ring.active_id}.")

        # 1. Check everything before writing anything.
        problems = Problems()
        persons = self._check_persons(problems, batch_size)
        corrections = self._check_corrections(problems, batch_size)
        authenticators = self._check_authenticators(problems, batch_size)
        if problems:
            self._refused = True
            raise CommandError(problems.message())
        self._start()

        if options["dry_run"]:
            self.stdout.write(persons.line("to re-encrypt"))
            self.stdout.write(corrections.line("to re-encrypt"))
            self.stdout.write(authenticators.line("to re-encrypt"))
            self.stdout.write("Dry run: nothing was written.")
            return

        # 2. Re-encrypt, batch by batch.
        persons = self._rotate(
            Tally("Persons"),
            Person.objects.only("pk", "code", *PERSON_COLUMNS),
            self._rotate_person,
            PERSON_COLUMNS,
            batch_size,
        )
        corrections = self._rotate(
            Tally("Corrections"),
            PersonCorrection.objects.only("pk", "code", "field", "old_value_enc"),
            self._rotate_correction,
            ["old_value_enc"],
            batch_size,
        )
        authenticators = self._rotate(
            Tally("MFA authenticators"),
            Authenticator.objects.filter(type__in=MFA_TYPES).only("pk", "type", "data"),
            self._rotate_authenticator,
            ["data"],
            batch_size,
        )
        self.stdout.write(persons.line("re-encrypted"))
        self.stdout.write(corrections.line("re-encrypted"))
        self.stdout.write(authenticators.line("re-encrypted"))
        self.stdout.write(
            "Blind indexes are unchanged: they use FELTBOK_BLIND_INDEX_KEY, not the key ring."
        )

    # Checking -------------------------------------------------------------------------------

    def _check_token(self, tally, problems, token, where, decrypt):
        """Count a value that needs rotation and note why it could not be rotated, if so."""
        if not self.ring.needs_rotation(token):
            return
        key_id, sep, _rest = token.partition(":")
        if not sep or not key_id.isalnum() or len(key_id) > 32:
            # Not made by the key ring; never echo it, it may be a plaintext.
            problems.not_ciphertext.append(where)
            return
        tally.by_key[key_id] += 1
        if key_id not in self.ring.keys:
            problems.missing_keys[key_id] += 1
            return
        try:
            decrypt()
        except DecryptionError:
            problems.undecryptable[key_id] += 1
            problems.first_undecryptable.setdefault(key_id, where)

    def _check_persons(self, problems, batch_size):
        tally = Tally("Persons")
        rows = Person.objects.only("pk", "code", *PERSON_COLUMNS).order_by("pk")
        for person in rows.iterator(chunk_size=batch_size):
            tally.rows += 1
            for name in PERSON_FIELDS:
                self._check_token(
                    tally,
                    problems,
                    getattr(person, f"{name}_enc"),
                    f"person {person.code} {name}",
                    lambda person=person, name=name: person.decrypt_field(name),
                )
        return tally

    def _check_corrections(self, problems, batch_size):
        tally = Tally("Corrections")
        rows = PersonCorrection.objects.exclude(old_value_enc="").only(
            "pk", "code", "field", "old_value_enc"
        )
        for correction in rows.order_by("pk").iterator(chunk_size=batch_size):
            tally.rows += 1
            self._check_token(
                tally,
                problems,
                correction.old_value_enc,
                f"correction {correction.code}",
                correction.read_old_value,
            )
        return tally

    def _check_authenticators(self, problems, batch_size):
        tally = Tally("MFA authenticators")
        rows = Authenticator.objects.filter(type__in=MFA_TYPES).only("pk", "type", "data")
        for authenticator in rows.order_by("pk").iterator(chunk_size=batch_size):
            tally.rows += 1
            for place in _mfa_secrets(authenticator):
                token = _get(authenticator.data, place)
                self._check_token(
                    tally,
                    problems,
                    token if isinstance(token, str) else "",
                    f"authenticator {authenticator.pk} {place[0]}",
                    lambda token=token: self.mfa.decrypt(token),
                )
        return tally

    # Rotating -------------------------------------------------------------------------------

    def _rotate(self, tally, queryset, rotate_row, fields, batch_size):
        """Re-encrypt in primary-key ranges; each batch locked and in its own transaction."""
        model = queryset.model
        done = self._progress(tally.label)
        last_pk = done.get("last_pk")
        tally.rows, tally.by_key = done.get("rows", 0), Counter(done.get("by_key", {}))
        while True:
            counts = Counter()
            with transaction.atomic():
                batch = queryset.select_for_update().order_by("pk")
                if last_pk is not None:
                    batch = batch.filter(pk__gt=last_pk)
                batch = list(batch[:batch_size])
                if not batch:
                    break
                try:
                    changed = [row for row in batch if rotate_row(row, counts)]
                except DecryptionError:
                    # The error text may quote the value: it is not shown.
                    raise CommandError(
                        f"A {model._meta.verbose_name} value changed during rotation and no "
                        f"longer decrypts. This batch was rolled back; the batches before it "
                        f"are rotated. Run the command again to check and continue."
                    ) from None
                if changed:
                    model._default_manager.bulk_update(changed, fields=fields)
                tally.rows += len(batch)
                tally.by_key.update(counts)
                last_pk = batch[-1].pk
                # In the batch's transaction: the recorded progress is what was committed.
                self._record(tally, last_pk)
            self._after_batch()
        return tally

    def _rotate_person(self, person, counts):
        changed = False
        for name in PERSON_FIELDS:
            token = getattr(person, f"{name}_enc")
            if self.ring.needs_rotation(token):
                counts[self.ring.key_id_of(token)] += 1
                person.encrypt_field(name, person.decrypt_field(name))
                changed = True
        return changed

    def _rotate_correction(self, correction, counts):
        token = correction.old_value_enc
        if not self.ring.needs_rotation(token):
            return False
        counts[self.ring.key_id_of(token)] += 1
        value = correction.read_old_value()
        correction.old_value_enc = self.ring.encrypt(value, correction._aad())
        return True

    def _rotate_authenticator(self, authenticator, counts):
        changed = False
        for place in _mfa_secrets(authenticator):
            token = _get(authenticator.data, place)
            if isinstance(token, str) and self.ring.needs_rotation(token):
                counts[self.ring.key_id_of(token)] += 1
                _set(authenticator.data, place, self.mfa.encrypt(self.mfa.decrypt(token)))
                changed = True
        return changed

    # Background runs and their progress ------------------------------------------------------

    def _after_batch(self):
        """Between batches (no transaction open): a hook for tests that read meanwhile."""

    def _progress(self, label):
        return dict(self.run.progress.get(label, {})) if self.run else {}

    def _record(self, tally, last_pk):
        if self.run is None:
            return
        self.run.progress[tally.label] = {
            "rows": tally.rows,
            "values": sum(tally.by_key.values()),
            "by_key": dict(tally.by_key),
            "last_pk": last_pk,
        }
        self.run.save(update_fields=["progress", "updated_at"])

    def _start(self):
        if self.run is None:
            return
        self.run.status = RotationStatus.RUNNING
        self.run.active_key = self.ring.active_id
        self.run.started_at = self.run.started_at or timezone.now()
        self.run.save(update_fields=["status", "active_key", "started_at", "updated_at"])

    def _finish(self, status, message):
        if self.run is None:
            return
        self.run.status = status
        self.run.message = str(message)
        self.run.finished_at = timezone.now()
        self.run.save(update_fields=["status", "message", "finished_at", "updated_at"])

    def _load_run(self, code):
        try:
            return KeyRotationRun.objects.get(code=code)
        except (KeyRotationRun.DoesNotExist, ValueError, ValidationError):
            raise CommandError(f"No key rotation run {code!r}.") from None

    def _enqueue(self, batch_size):
        from feltbok.exports.tasks import rotate_keys_task

        run = KeyRotationRun.objects.create(batch_size=batch_size)
        rotate_keys_task.enqueue(str(run.code))
        run.refresh_from_db()
        self.stdout.write(
            f"Key rotation queued as run {run.code}; see `rotate_keys --status`."
            if run.status == RotationStatus.QUEUED
            else f"Key rotation run {run.code}: {run.get_status_display()}."
        )

    def _show_status(self):
        runs = list(KeyRotationRun.objects.order_by("-created_at")[:5])
        if not runs:
            self.stdout.write("No background key rotation has been run.")
        for run in runs:
            when = timezone.localtime(run.created_at).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(
                f"{when} {run.code} {run.status}"
                + (f" (active key {run.active_key})" if run.active_key else "")
                + (f": {run.summary()}" if run.progress else "")
                + (f"\n  {run.message}" if run.message else "")
            )
