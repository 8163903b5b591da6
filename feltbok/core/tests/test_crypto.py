"""The key ring (AES-256-GCM with associated data) and blind indexes (HMAC-SHA256)."""

import base64
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from feltbok.core.crypto import DecryptionError, KeyRing, blind_index, key_ring


def new_key():
    return base64.b64encode(os.urandom(32)).decode("ascii")


# For parametrize: ids must be the same in every process (pytest-xdist compares them).
FIXED_KEY = base64.b64encode(bytes(range(32))).decode("ascii")


@pytest.fixture
def ring():
    return KeyRing.parse(f"k1:{new_key()}", "k1")


AAD = "person.full_name:00000000-0000-0000-0000-000000000001"


class TestRoundTrip:
    @pytest.mark.parametrize(
        "plaintext", ["Kari Nordmann", "Åse Ødegård", "01019012345", "1990-01-01", "x"]
    )
    def test_decrypts_to_the_plaintext(self, ring, plaintext):
        token = ring.encrypt(plaintext, AAD)
        assert token.startswith("k1:")
        assert ring.decrypt(token, AAD) == plaintext

    def test_ciphertext_does_not_contain_the_plaintext(self, ring):
        token = ring.encrypt("Kari Nordmann", AAD)
        raw = base64.b64decode(token.partition(":")[2])
        assert "Kari" not in token
        assert "Nordmann" not in token
        assert b"Kari" not in raw
        assert b"Nordmann" not in raw

    def test_two_encryptions_of_one_value_differ(self, ring):
        first = ring.encrypt("Kari Nordmann", AAD)
        second = ring.encrypt("Kari Nordmann", AAD)
        assert first != second
        # The random nonce (first 12 bytes) differs.
        assert base64.b64decode(first[3:])[:12] != base64.b64decode(second[3:])[:12]
        assert ring.decrypt(first, AAD) == ring.decrypt(second, AAD) == "Kari Nordmann"

    def test_old_keys_still_decrypt_after_a_new_key_becomes_active(self):
        old_key, new = new_key(), new_key()
        old_ring = KeyRing.parse(f"k1:{old_key}", None)
        token = old_ring.encrypt("Kari Nordmann", AAD)
        ring = KeyRing.parse(f"k1:{old_key},k2:{new}", "k2")
        assert ring.decrypt(token, AAD) == "Kari Nordmann"
        assert ring.encrypt("Kari Nordmann", AAD).startswith("k2:")
        assert ring.needs_rotation(token)
        assert not ring.needs_rotation(ring.encrypt("Kari Nordmann", AAD))
        assert not ring.needs_rotation("")


class TestRefusesToDecrypt:
    def test_wrong_key_under_the_same_id(self, ring):
        token = ring.encrypt("Kari Nordmann", AAD)
        impostor = KeyRing.parse(f"k1:{new_key()}", "k1")
        with pytest.raises(DecryptionError):
            impostor.decrypt(token, AAD)

    def test_unknown_key_id(self, ring):
        token = ring.encrypt("Kari Nordmann", AAD)
        other = KeyRing.parse(f"k9:{new_key()}", "k9")
        with pytest.raises(DecryptionError, match="unknown key id"):
            other.decrypt(token, AAD)

    def test_value_without_key_id(self, ring):
        with pytest.raises(DecryptionError):
            ring.decrypt("not a ciphertext", AAD)

    @pytest.mark.parametrize("position", [0, 5, 12, 20, -1])
    def test_tampered_ciphertext(self, ring, position):
        token = ring.encrypt("Kari Nordmann", AAD)
        raw = bytearray(base64.b64decode(token[3:]))
        raw[position] ^= 0x01
        tampered = "k1:" + base64.b64encode(bytes(raw)).decode("ascii")
        with pytest.raises(DecryptionError):
            ring.decrypt(tampered, AAD)

    @pytest.mark.parametrize("garbage", ["k1:", "k1:AAAA", "k1:not base64!", "k1:" + "A" * 8])
    def test_truncated_or_malformed(self, ring, garbage):
        with pytest.raises(DecryptionError):
            ring.decrypt(garbage, AAD)

    def test_other_field(self, ring):
        token = ring.encrypt("01019012345", "person.national_id:row-1")
        with pytest.raises(DecryptionError):
            ring.decrypt(token, "person.full_name:row-1")

    def test_other_row(self, ring):
        token = ring.encrypt("01019012345", "person.national_id:row-1")
        with pytest.raises(DecryptionError):
            ring.decrypt(token, "person.national_id:row-2")


class TestParse:
    def test_parses_several_keys_and_defaults_to_the_last_as_active(self):
        one, two = new_key(), new_key()
        ring = KeyRing.parse(f" k1:{one} , k2:{two} ,", None)
        assert set(ring.keys) == {"k1", "k2"}
        assert ring.active_id == "k2"
        assert ring.keys["k1"] == base64.b64decode(one)
        assert KeyRing.parse(f"k1:{one},k2:{two}", "k1").active_id == "k1"

    @pytest.mark.parametrize(
        ("spec", "active", "message"),
        [
            (f"k1:{base64.b64encode(b'x' * 16).decode()}", "k1", "32 bytes"),
            (f"k1:{base64.b64encode(b'x' * 33).decode()}", "k1", "32 bytes"),
            ("k1:not*base64", "k1", "base64"),
            ("k1:abc", "k1", "base64"),
            (f"k1:{FIXED_KEY},k1:{FIXED_KEY}", "k1", "twice"),
            (f"k1:{FIXED_KEY}", "k2", "active key"),
            ("", None, "empty"),
            (" , ", None, "empty"),
            (None, None, "empty"),
            (FIXED_KEY, None, "id:base64key"),
            (f":{FIXED_KEY}", None, "id:base64key"),
            (f"k-1:{FIXED_KEY}", None, "id:base64key"),
        ],
    )
    def test_refuses_bad_specs(self, spec, active, message):
        with pytest.raises(ImproperlyConfigured, match=message):
            KeyRing.parse(spec, active)


class TestKeyRingFromSettings:
    def test_follows_settings(self):
        one, two = new_key(), new_key()
        with override_settings(FELTBOK_KEYS=f"k1:{one}", FELTBOK_ACTIVE_KEY="k1"):
            token = key_ring().encrypt("Kari", AAD)
            assert key_ring().active_id == "k1"
        with override_settings(FELTBOK_KEYS=f"k1:{one},k2:{two}", FELTBOK_ACTIVE_KEY="k2"):
            assert key_ring().active_id == "k2"
            assert key_ring().decrypt(token, AAD) == "Kari"
        with (
            override_settings(FELTBOK_KEYS=f"k2:{two}", FELTBOK_ACTIVE_KEY="k2"),
            pytest.raises(DecryptionError),
        ):
            key_ring().decrypt(token, AAD)


class TestBlindIndex:
    def test_normalises_case_and_spaces(self):
        assert blind_index("Kari  Nordmann", "person.full_name") == blind_index(
            "kari nordmann", "person.full_name"
        )
        assert blind_index(" KARI NORDMANN ", "person.full_name") == blind_index(
            "kari nordmann", "person.full_name"
        )

    def test_is_a_hex_hmac_without_the_value(self):
        index = blind_index("Kari Nordmann", "person.full_name")
        assert len(index) == 64
        int(index, 16)
        assert "kari" not in index

    def test_different_values_differ(self):
        assert blind_index("Kari Nordmann", "person.full_name") != blind_index(
            "Kari Nordkvinne", "person.full_name"
        )

    def test_different_purposes_differ(self):
        assert blind_index("01019012345", "person.national_id") != blind_index(
            "01019012345", "person.full_name"
        )

    def test_empty_input_gives_an_empty_index(self):
        assert blind_index("", "person.full_name") == ""

    def test_depends_on_the_blind_index_key(self):
        before = blind_index("Kari Nordmann", "person.full_name")
        with override_settings(FELTBOK_BLIND_INDEX_KEY=new_key()):
            after = blind_index("Kari Nordmann", "person.full_name")
        assert before != after
        assert blind_index("Kari Nordmann", "person.full_name") == before

    def test_refuses_a_bad_blind_index_key(self):
        with (
            override_settings(FELTBOK_BLIND_INDEX_KEY="not*base64"),
            pytest.raises(ImproperlyConfigured),
        ):
            blind_index("Kari Nordmann", "person.full_name")
