"""The loop guards: mail that must never get an automatic answer (RFC 3834 §2, and what mailers send).

An answer to a machine starts a mail loop or answers nobody: auto-replies, bounces, mailing lists, no-reply
senders and our own mail are skipped, with the reason in plain words for the operator. (The per-sender reply
budget needs the store: the worker keeps it.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from api.mailbox.incoming import IncomingMail

# Local parts of machine senders, compared without case, "+tag", dots, dashes and underscores.
AUTOMATED_LOCAL_PARTS = frozenset({"mailerdaemon", "postmaster", "noreply", "donotreply"})
SKIPPED_PRECEDENCE = frozenset({"bulk", "list", "junk", "auto_reply"})


def automatic_reason(mail: IncomingMail, own_addresses: Iterable[str]) -> str | None:
    """Why a mail must never get an automatic answer.

    Args:
        mail: the mail as read.
        own_addresses: the mailbox's own addresses (its From address and aliases).

    Returns:
        The reason in plain words (e.g. "Precedence: bulk"), or None when the mail may be answered.
    """
    own = {address.strip().lower() for address in own_addresses}
    if not mail.sender_address:
        return "no sender address"
    if mail.sender_address in own:
        return f"sent from our own address {mail.sender_address}"
    if mail.reply_to in own:
        return f"Reply-To is our own address {mail.reply_to}"
    if mail.return_path_null:
        return "a bounce (empty Return-Path)"
    automated = next((address for address in (mail.sender_address, mail.reply_to) if _is_automated(address)), None)
    if automated:
        return f"automated sender {automated}"
    if mail.auto_submitted and mail.auto_submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {mail.auto_submitted}"
    if mail.precedence in SKIPPED_PRECEDENCE:
        return f"Precedence: {mail.precedence}"
    if mail.list_header:
        return f"mailing list ({mail.list_header})"
    if mail.auto_reply_header:
        return f"auto-reply header {mail.auto_reply_header}"
    return None


def _is_automated(address: str) -> bool:
    local_part = address.rpartition("@")[0].split("+")[0]
    return re.sub(r"[._-]", "", local_part.lower()) in AUTOMATED_LOCAL_PARTS
