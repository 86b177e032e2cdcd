"""A support mailbox under test: its own folders on the session's Dovecot, its settings in the store, and
what the SMTP server received in reply to its mail."""

from __future__ import annotations

import email
import itertools
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

from api.mailbox.config import MailboxSettings
from api.mailbox.manage import save_mailbox
from api.secrets import PasswordBox
from tests.mailservers import Dovecot, ReceivedMail, SmtpSink

SUPPORT = "support@example.com"
NAMES = itertools.count()


def customer_mail(text: str, subject: str, sender: str = "Ann Smith <ann@customer.example>",
                  charset: str = "utf-8", **headers: str) -> tuple[bytes, str]:
    """A customer's plain-text mail to support, as raw bytes, and its Message-ID."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message_id = make_msgid(domain="customer.example")
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text, charset=charset)
    return bytes(message), message_id


@dataclass
class MailboxUnderTest:
    """One mailbox of the demo tenant on folders of its own (so tests never see each other's mail)."""

    name: str
    dovecot: Dovecot
    sink: SmtpSink
    settings: MailboxSettings

    def deliver(self, raw: bytes) -> None:
        self.dovecot.deliver(SUPPORT, raw, self.settings.folders.inbox)

    def replies_to(self, message_id: str) -> list[EmailMessage]:
        """Every reply the SMTP server received to the message, parsed."""
        return [reply for reply in map(parsed, self.sink.messages()) if reply["In-Reply-To"] == message_id]

    def folder(self, role: str) -> list[tuple[EmailMessage, set[str]]]:
        """The messages of the ``inbox``, ``drafts`` or ``done`` folder, parsed, with their flags."""
        return [(email.message_from_bytes(raw, policy=policy.default), flags)
                for raw, flags in self.dovecot.messages(SUPPORT, getattr(self.settings.folders, role))]


def parsed(received: ReceivedMail) -> EmailMessage:
    return email.message_from_bytes(received.raw, policy=policy.default)


def new_mailbox(store, box: PasswordBox, dovecot: Dovecot, sink: SmtpSink, **overrides) -> MailboxUnderTest:
    """A mailbox saved in the store (after the connection test) with new folders of its own.

    Args:
        overrides: settings fields to change (``policy``, ``max_attempts``, ...).
    """
    name = f"box-{next(NAMES)}"
    folders = {"inbox": f"{name}-in", "drafts": f"{name}-drafts", "done": f"{name}-done"}
    client = dovecot.connect(SUPPORT)
    try:
        for folder in folders.values():
            client.create_folder(folder)
    finally:
        client.logout()
    settings = MailboxSettings.model_validate({
        "imap": {"host": dovecot.host, "port": dovecot.port, "security": "none", "user": SUPPORT,
                 "password": dovecot.users[SUPPORT]},
        "smtp": {"host": sink.host, "port": sink.port, "security": "none"},
        "folders": folders, "from_address": SUPPORT, "from_name": "Acme Support", "policy": "auto", **overrides})
    save_mailbox(store, box, "demo", name, settings)
    return MailboxUnderTest(name, dovecot, sink, settings)
