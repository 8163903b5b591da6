"""`manage.py rotate_keys`: re-encryption with the active key, checked before writing."""

import base64
import datetime
import io
import os
from dataclasses import astuple

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from conftest import enrol_totp
from feltbok.accounts.adapters import MFAAdapter
from feltbok.core.crypto import key_ring
from feltbok.people.models import AgeBand, AnonymityLevel, Gender, Person
from feltbok.people.selectors import read_identity, search_persons
from feltbok.people.services import PersonData, create_person

pytestmark = pytest.mark.django_db

ENC = ("full_name_enc", "birth_date_enc", "national_id_enc")
RAW = (*ENC, "full_name_bidx", "national_id_bidx", "updated_at")


def new_key():
    return base64.b64encode(os.urandom(32)).decode("ascii")


@pytest.fixture
def keys():
    return {key_id: new_key() for key_id in ("k1", "k2", "k3")}


def ring(keys, *key_ids, active, **replace):
    """override_settings for a ring of the given key ids (`replace` swaps a key's bytes)."""
    spec = ",".join(f"{key_id}:{replace.get(key_id, keys[key_id])}" for key_id in key_ids)
    return override_settings(FELTBOK_KEYS=spec, FELTBOK_ACTIVE_KEY=active)


def rotate(*args):
    out = io.StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


def raw_persons():
    return list(Person.objects.order_by("pk").values_list(*RAW))


def raw_authenticators():
    return list(Authenticator.objects.order_by("pk").values_list("type", "data"))


def identified(actor, full_name, national_id):
    return create_person(
        actor,
        PersonData(
            anonymity_level=AnonymityLevel.IDENTIFIED,
            gender=Gender.FEMALE,
            age_band=AgeBand.FROM_26,
            full_name=full_name,
            birth_date=datetime.date(1990, 1, 1),
            national_id=national_id,
        ),
    )


PLAIN = {
    "Kari Nordmann": ("Kari Nordmann", "1990-01-01", "01019012345"),
    "Åse Ødegård": ("Åse Ødegård", "1990-01-01", "02029054321"),
}


@pytest.fixture
def persons(worker, keys):
    """Two identified persons and one by nickname, all made while k1 was the only key."""
    with ring(keys, "k1", active="k1"):
        made = [
            identified(worker, "Kari Nordmann", "010190 12345"),
            identified(worker, "Åse Ødegård", "020290-54321"),
            create_person(
                worker,
                PersonData(
                    anonymity_level=AnonymityLevel.NICKNAME,
                    gender=Gender.MALE,
                    age_band=AgeBand.FROM_18,
                    nickname="Kalle",
                ),
            ),
        ]
    return made


def identities(worker):
    return {
        person.pk: read_identity(worker, person)
        for person in Person.objects.filter(anonymity_level=AnonymityLevel.IDENTIFIED)
    }


class TestRotation:
    def test_re_encrypts_with_the_active_key(self, worker, keys, persons):
        before = raw_persons()
        with ring(keys, "k1", active="k1"):
            plain_before = identities(worker)
        assert all(value.startswith("k1:") for row in before for value in row[:3] if value)

        with ring(keys, "k1", "k2", active="k2"):
            out = rotate()
            after = raw_persons()
            assert identities(worker) == plain_before
            assert search_persons(worker, "010190 12345") == [persons[0]]
            assert search_persons(worker, "åse  ødegård") == [persons[1]]

        assert "Persons: 3 rows scanned, 6 values re-encrypted (k1: 6)." in out
        assert "Blind indexes are unchanged" in out
        for old, new in zip(before, after, strict=True):
            for column, old_value, new_value in zip(ENC, old[:3], new[:3], strict=True):
                if old_value:
                    assert new_value.startswith("k2:"), column
                    assert new_value != old_value
                else:
                    assert new_value == ""
            # Blind indexes and the modification time do not change.
            assert new[3:] == old[3:]
        assert {astuple(identity) for identity in plain_before.values()} == set(PLAIN.values())

    def test_old_key_can_be_removed_after_rotation(self, worker, keys, persons):
        with ring(keys, "k1", "k2", active="k2"):
            plain = identities(worker)
            rotate()
        with ring(keys, "k2", active="k2"):
            assert identities(worker) == plain
            assert "0 values to re-encrypt" in rotate("--dry-run")

    def test_a_second_run_re_encrypts_nothing(self, keys, persons):
        with ring(keys, "k1", "k2", active="k2"):
            rotate()
            rotated = raw_persons()
            out = rotate()
        assert "Persons: 3 rows scanned, 0 values re-encrypted." in out
        assert raw_persons() == rotated

    def test_small_batches(self, worker, keys, persons):
        with ring(keys, "k1", "k2", active="k2"):
            plain = identities(worker)
            out = rotate("--batch-size", "1")
            assert identities(worker) == plain
        assert "Persons: 3 rows scanned, 6 values re-encrypted (k1: 6)." in out
        assert all(v.startswith("k2:") for row in raw_persons() for v in row[:3] if v)

    def test_values_of_several_old_keys(self, worker, keys, persons):
        with ring(keys, "k1", "k2", active="k2"):
            newer = identified(worker, "Ola Nordmann", "03039011111")
        with ring(keys, "k1", "k2", "k3", active="k3"):
            out = rotate()
            assert read_identity(worker, Person.objects.get(pk=newer.pk)).full_name == (
                "Ola Nordmann"
            )
        assert "Persons: 4 rows scanned, 9 values re-encrypted (k1: 6, k2: 3)." in out

    def test_dry_run_changes_nothing(self, keys, persons):
        before = raw_persons()
        with ring(keys, "k1", "k2", active="k2"):
            out = rotate("--dry-run")
        assert raw_persons() == before
        assert "Persons: 3 rows scanned, 6 values to re-encrypt (k1: 6)." in out
        assert "Dry run: nothing was written." in out

    def test_refuses_when_an_old_key_is_missing(self, worker, keys, persons):
        with ring(keys, "k1", "k2", active="k2"):
            identified(worker, "Ola Nordmann", "03039011111")  # a k2 value, rotatable
        before = raw_persons()
        with (
            ring(keys, "k2", "k3", active="k3"),
            pytest.raises(
                CommandError, match="key 'k1' is not in FELTBOK_KEYS: add it back before rotating"
            ),
        ):
            rotate()
        # Not even the values whose key is in the ring were touched.
        assert raw_persons() == before

    def test_refuses_when_an_old_key_has_other_bytes(self, keys, persons):
        before = raw_persons()
        with (
            ring(keys, "k1", "k2", active="k2", k1=new_key()),
            pytest.raises(CommandError, match="encrypted with key 'k1' do not decrypt"),
        ):
            rotate()
        assert raw_persons() == before

    def test_refuses_a_value_the_ring_did_not_make_without_showing_it(self, keys, persons):
        Person.objects.filter(pk=persons[0].pk).update(full_name_enc="Kari Nordmann")
        before = raw_persons()
        with ring(keys, "k1", "k2", active="k2"), pytest.raises(CommandError) as excinfo:
            rotate()
        assert "not key-ring ciphertexts" in str(excinfo.value)
        assert "Kari" not in str(excinfo.value)
        assert raw_persons() == before

    def test_refuses_a_bad_batch_size(self, keys, persons):
        with ring(keys, "k1", "k2", active="k2"), pytest.raises(CommandError, match="at least 1"):
            rotate("--batch-size", "0")

    def test_nothing_to_do_on_an_empty_database(self):
        out = rotate()
        assert "Persons: 0 rows scanned, 0 values re-encrypted." in out


class TestMfaRotation:
    def test_totp_secret(self, users, keys):
        user = users["worker"]
        with ring(keys, "k1", active="k1"):
            secret = enrol_totp(user)
        stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        assert stored.data["secret"].startswith("k1:")

        with ring(keys, "k1", "k2", active="k2"):
            out = rotate()
            stored.refresh_from_db()
            assert stored.data["secret"].startswith("k2:")
            assert MFAAdapter().decrypt(stored.data["secret"]) == secret
        assert "MFA authenticators: 1 rows scanned, 1 values re-encrypted (k1: 1)." in out
        with ring(keys, "k2", active="k2"):
            assert MFAAdapter().decrypt(stored.data["secret"]) == secret
            assert "0 values re-encrypted" in rotate()

    def test_recovery_code_seed(self, users, keys):
        user = users["worker"]
        with ring(keys, "k1", active="k1"):
            codes = RecoveryCodes.activate(user).generate_codes()
        with ring(keys, "k1", "k2", active="k2"):
            rotate()
        instance = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
        assert instance.data["seed"].startswith("k2:")
        with ring(keys, "k2", active="k2"):
            assert RecoveryCodes(instance).generate_codes() == codes

    def test_dry_run_and_missing_key_leave_mfa_unchanged(self, users, keys, persons):
        with ring(keys, "k1", active="k1"):
            enrol_totp(users["worker"])
            enrol_totp(users["colleague"])
        before = raw_authenticators()
        with ring(keys, "k1", "k2", active="k2"):
            out = rotate("--dry-run")
        assert "MFA authenticators: 2 rows scanned, 2 values to re-encrypt (k1: 2)." in out
        assert raw_authenticators() == before
        with ring(keys, "k2", active="k2"), pytest.raises(CommandError, match="'k1'"):
            rotate()
        assert raw_authenticators() == before

    def test_uses_the_same_ring_as_the_adapter(self, keys):
        with ring(keys, "k1", "k2", active="k2"):
            token = MFAAdapter().encrypt("JBSWY3DPEHPK3PXP")
            assert token.startswith("k2:")
            assert key_ring().decrypt(token, "mfa.secret") == "JBSWY3DPEHPK3PXP"
