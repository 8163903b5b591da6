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

Blind indexes (`*_bidx`) do not change: they are HMACs keyed by FELTBOK_BLIND_INDEX_KEY,
which is separate from the key ring, so search keeps working during and after rotation.
"""

from collections import Counter
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from feltbok.accounts.adapters import MFAAdapter
from feltbok.core.crypto import DecryptionError, key_ring
from feltbok.people.models import Person

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

    def handle(self, *args, **options):
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            self.ring = key_ring()
        except ImproperlyConfigured as exc:
            raise CommandError(f"The key ring is not configured correctly: {exc}") from exc
        self.mfa = MFAAdapter()
        self.stdout.write(f"Active key: {self.ring.active_id}.")

        # 1. Check everything before writing anything.
        problems = Problems()
        persons = self._check_persons(problems, batch_size)
        authenticators = self._check_authenticators(problems, batch_size)
        if problems:
            raise CommandError(problems.message())

        if options["dry_run"]:
            self.stdout.write(persons.line("to re-encrypt"))
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
        authenticators = self._rotate(
            Tally("MFA authenticators"),
            Authenticator.objects.filter(type__in=MFA_TYPES).only("pk", "type", "data"),
            self._rotate_authenticator,
            ["data"],
            batch_size,
        )
        self.stdout.write(persons.line("re-encrypted"))
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
        last_pk = None
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

    def _rotate_authenticator(self, authenticator, counts):
        changed = False
        for place in _mfa_secrets(authenticator):
            token = _get(authenticator.data, place)
            if isinstance(token, str) and self.ring.needs_rotation(token):
                counts[self.ring.key_id_of(token)] += 1
                _set(authenticator.data, place, self.mfa.encrypt(self.mfa.decrypt(token)))
                changed = True
        return changed
