from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from feltbok.core.crypto import key_ring


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by an administrator of the service, never by sign-up."""

    def is_open_for_signup(self, request):
        return False


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets are encrypted with the key ring; a second factor cannot be removed."""

    def encrypt(self, text: str) -> str:
        return key_ring().encrypt(text, "mfa.secret")

    def decrypt(self, encrypted_text: str) -> str:
        return key_ring().decrypt(encrypted_text, "mfa.secret")

    def can_delete_authenticator(self, authenticator) -> bool:
        # Multi-factor is required for every role: it can be replaced, never switched off.
        return False
