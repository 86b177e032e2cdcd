"""Saving and showing a tenant's mailboxes: what ``/v1/mailboxes`` and ``kb-answers mailbox`` both do."""

from __future__ import annotations

import re

from api.mailbox.config import MAILBOX_NAME, MailboxSettings, shown_settings
from api.mailbox.connection import CheckResult, check_mailbox
from api.secrets import PasswordBox
from kb.stores import MailRecord, Store, StoredMailbox


class InvalidMailboxName(ValueError):
    """A mailbox name that breaks :data:`api.mailbox.config.MAILBOX_NAME`."""


def checked_name(name: str) -> str:
    """The name, when it is a valid mailbox name.

    Raises:
        InvalidMailboxName: it is not.
    """
    if not re.fullmatch(MAILBOX_NAME, name):
        raise InvalidMailboxName(f"mailbox name {name!r} is not valid: use 1 to 63 lowercase letters (a-z), digits "
                                 "and hyphens, starting with a letter or digit, e.g. 'support'")
    return name


def save_mailbox(store: Store, box: PasswordBox, tenant: str, name: str, settings: MailboxSettings,
                 check: bool = True, if_match: int | None = None) -> tuple[StoredMailbox, CheckResult | None]:
    """Check a mailbox's servers (unless ``check`` is False), then store its settings, passwords encrypted (a
    password not given keeps the stored one).

    Returns:
        The stored mailbox and what the check found (None when not checked).

    Raises:
        InvalidMailboxName: a bad name.
        ValueError: no IMAP password given for a new mailbox.
        MailServerError: the check failed (nothing was stored).
        VersionConflict: ``if_match`` is not the current version.
        UnknownTenantError: no such tenant.
    """
    checked_name(name)
    current = store.mailboxes.get(tenant, name)
    document = settings.to_document(box, current.document if current else None)
    complete = MailboxSettings.from_document(document, box)  # the stored passwords filled in
    found = check_mailbox(complete) if check else None
    return store.mailboxes.put(tenant, name, document, if_match), found


def mailbox_view(store: Store, stored: StoredMailbox, recent: int = 0) -> dict:
    """A mailbox as shown: its settings without passwords, version, status and (``recent`` > 0) its latest
    messages with what was done with each."""
    status = store.mailboxes.status(stored.tenant, stored.name)
    view = {
        "name": stored.name,
        "version": stored.version,
        "updated_at": stored.updated_at,
        "settings": shown_settings(stored.document),
        "status": {
            "served_by": status.lease.holder if status.lease else None,
            "lease_expires_at": status.lease.expires_at if status.lease else None,
            "last_poll_at": status.last_poll_at,
            "last_error": status.last_error,
            "last_error_at": status.last_error_at,
            "messages": status.messages,
        },
    }
    if recent:
        view["recent"] = [message_view(record) for record in store.mail_messages.recent(stored.tenant, stored.name,
                                                                                      recent)]
    return view


def message_view(record: MailRecord) -> dict:
    """One mailbox message's record as shown."""
    return {"message_id": record.message_id, "sender": record.sender, "state": record.state.value,
            "reason": record.reason, "attempts": record.attempts, "retry_at": record.retry_at,
            "answer_id": record.answer_id, "reply_id": record.reply_id, "first_seen_at": record.created_at,
            "updated_at": record.updated_at}
