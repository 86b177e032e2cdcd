"""Mailbox passwords encrypted at rest, with the key from the environment (``KB_MAILBOX_KEY``).

The key is a Fernet key (AES-128-CBC with an HMAC-SHA256, from ``cryptography``); several keys separated by
commas rotate them: the first encrypts, every one decrypts, so a new key goes first and the old one stays
until every mailbox was saved again.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class MailboxKeyError(ValueError):
    """No usable key, or a stored password the key cannot decrypt."""


def new_key() -> str:
    """A fresh key for ``KB_MAILBOX_KEY``."""
    return Fernet.generate_key().decode("ascii")


class PasswordBox:
    """Encrypts and decrypts mailbox passwords.

    Args:
        keys: ``KB_MAILBOX_KEY``: one Fernet key, or several separated by commas (the first encrypts).

    Raises:
        MailboxKeyError: no key, or one that is not a Fernet key.
    """

    def __init__(self, keys: str | None):
        if not keys or not keys.strip():
            raise MailboxKeyError("mailboxes need KB_MAILBOX_KEY, the key their passwords are encrypted with: "
                                  "create one with `kb-answers mailbox new-key` and set it for the API and the worker")
        try:
            self._fernet = MultiFernet([Fernet(key.strip().encode("ascii")) for key in keys.split(",") if key.strip()])
        except (ValueError, UnicodeEncodeError):
            raise MailboxKeyError("KB_MAILBOX_KEY is not a valid key (32 url-safe base64-encoded bytes): create one "
                                  "with `kb-answers mailbox new-key`") from None

    def encrypt(self, password: str) -> str:
        return self._fernet.encrypt(password.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The password.

        Raises:
            MailboxKeyError: the token was encrypted with a key that is no longer in ``KB_MAILBOX_KEY``.
        """
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise MailboxKeyError("a stored mailbox password cannot be decrypted with KB_MAILBOX_KEY (was the key "
                                  "changed without keeping the old one after a comma?): save the mailbox again "
                                  "with its password") from None
