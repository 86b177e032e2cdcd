"""Secrets encrypted at rest — mailbox passwords, help-desk connectors' webhook secrets and API tokens — with the
key from the environment (``KB_SECRETS_KEY``).

The key is a Fernet key (AES-128-CBC with an HMAC-SHA256, from ``cryptography``); several keys separated by
commas rotate them: the first encrypts, every one decrypts, so a new key goes first and the old one stays
until every mailbox was saved again.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretsKeyError(ValueError):
    """No usable key, or a stored password the key cannot decrypt."""


def new_key() -> str:
    """A fresh key for ``KB_SECRETS_KEY`` (``kb-answers secrets-key``)."""
    return Fernet.generate_key().decode("ascii")


class PasswordBox:
    """Encrypts and decrypts the secrets of mailboxes and connectors.

    Args:
        keys: ``KB_SECRETS_KEY``: one Fernet key, or several separated by commas (the first encrypts).

    Raises:
        SecretsKeyError: no key, or one that is not a Fernet key.
    """

    def __init__(self, keys: str | None):
        if not keys or not keys.strip():
            raise SecretsKeyError("mailboxes and help-desk connectors need KB_SECRETS_KEY, the key their passwords and "
                                  "secrets are encrypted with: create one with `kb-answers secrets-key` and set it "
                                  "for the API and the mailbox worker")
        try:
            self._fernet = MultiFernet([Fernet(key.strip().encode("ascii")) for key in keys.split(",") if key.strip()])
        except (ValueError, UnicodeEncodeError):
            raise SecretsKeyError("KB_SECRETS_KEY is not a valid key (32 url-safe base64-encoded bytes): create one "
                                  "with `kb-answers secrets-key`") from None

    def encrypt(self, password: str) -> str:
        return self._fernet.encrypt(password.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The password.

        Raises:
            SecretsKeyError: the token was encrypted with a key that is no longer in ``KB_SECRETS_KEY``.
        """
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SecretsKeyError("a stored mailbox password cannot be decrypted with KB_SECRETS_KEY (was the key "
                                  "changed without keeping the old one after a comma?): save the mailbox again "
                                  "with its password") from None
