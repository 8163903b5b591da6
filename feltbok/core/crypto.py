"""Encryption of identifying fields (AES-256-GCM) and blind indexes (HMAC-SHA256).

A ciphertext is stored as "<key id>:<base64 of nonce + ciphertext + tag>", so a value can be
decrypted by whichever key of the ring made it, and rotation re-encrypts values whose key id
is not the active one. The associated data binds a ciphertext to its field and row, so a
value copied into another row or field does not decrypt.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12


class DecryptionError(Exception):
    """A value could not be decrypted: unknown key id, wrong key or tampered data."""


@dataclass(frozen=True)
class KeyRing:
    keys: dict[str, bytes]
    active_id: str

    @classmethod
    def parse(cls, spec: str, active_id: str | None) -> "KeyRing":
        """Parse "id:base64key,id:base64key"; each key must be 32 bytes (AES-256)."""
        keys = {}
        for item in (spec or "").split(","):
            item = item.strip()
            if not item:
                continue
            key_id, sep, encoded = item.partition(":")
            if not sep or not key_id or not key_id.isalnum():
                raise ImproperlyConfigured(f"Key ring entry {key_id!r}: expected 'id:base64key'.")
            try:
                key = base64.b64decode(encoded, validate=True)
            except binascii.Error as exc:
                raise ImproperlyConfigured(f"Key {key_id!r} is not valid base64.") from exc
            if len(key) != 32:
                raise ImproperlyConfigured(f"Key {key_id!r} must be 32 bytes, not {len(key)}.")
            if key_id in keys:
                raise ImproperlyConfigured(f"Key id {key_id!r} appears twice in the key ring.")
            keys[key_id] = key
        if not keys:
            raise ImproperlyConfigured("The key ring is empty.")
        active_id = active_id or list(keys)[-1]
        if active_id not in keys:
            raise ImproperlyConfigured(f"The active key {active_id!r} is not in the key ring.")
        return cls(keys=keys, active_id=active_id)

    def encrypt(self, plaintext: str, associated_data: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active_id]).encrypt(
            nonce, plaintext.encode("utf-8"), associated_data.encode("utf-8")
        )
        return f"{self.active_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str, associated_data: str) -> str:
        key_id, sep, encoded = token.partition(":")
        if not sep or key_id not in self.keys:
            raise DecryptionError("unknown key id")  # never echo the value: it may be plaintext
        try:
            raw = base64.b64decode(encoded, validate=True)
            plaintext = AESGCM(self.keys[key_id]).decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data.encode("utf-8")
            )
        except (binascii.Error, InvalidTag, ValueError) as exc:
            raise DecryptionError("wrong key or changed data") from exc
        return plaintext.decode("utf-8")

    def key_id_of(self, token: str) -> str:
        return token.partition(":")[0]

    def needs_rotation(self, token: str) -> bool:
        return bool(token) and self.key_id_of(token) != self.active_id


def key_ring() -> KeyRing:
    return _parsed_ring(settings.FELTBOK_KEYS, settings.FELTBOK_ACTIVE_KEY)


@functools.lru_cache(maxsize=4)
def _parsed_ring(spec: str, active_id: str | None) -> KeyRing:
    return KeyRing.parse(spec, active_id)


def normalise(value: str) -> str:
    """The form exact look-ups compare: NFKC, case-folded, single spaces, no separators."""
    value = unicodedata.normalize("NFKC", value).casefold()
    return " ".join(value.replace("-", " ").replace(".", " ").split())


def blind_index(value: str, purpose: str) -> str:
    """An HMAC of the normalised value: equal inputs match, nothing can be read back."""
    value = normalise(value)
    if not value:
        return ""
    try:
        key = base64.b64decode(settings.FELTBOK_BLIND_INDEX_KEY, validate=True)
    except binascii.Error as exc:
        raise ImproperlyConfigured("FELTBOK_BLIND_INDEX_KEY is not valid base64.") from exc
    message = f"{purpose}:{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
