"""A mailbox's IMAP side, as the worker uses it: the new messages, drafts for agents, and marking what was
handled (an IMAP keyword, so the inbox shows it too; moved to the done folder when there is one)."""

from __future__ import annotations

from imapclient import IMAPClient

from api.mailbox.config import MailboxSettings

HANDLED = "KbHandled"  # every message the worker is finished with carries it (and is never fetched again)
OUTCOME_KEYWORDS = {"sent": "KbSent", "drafted": "KbDrafted", "skipped": "KbSkipped", "set_aside": "KbSetAside"}
MOVED_OUTCOMES = ("sent", "drafted")  # skipped and set-aside mail stays in the inbox for an agent
FETCH_BATCH = 20


class Inbox:
    """One logged-in IMAP connection to a mailbox (not thread-safe: one thread uses it at a time).

    Args:
        client: the connection (:func:`api.mailbox.connection.open_imap`).
        settings: the mailbox's folders.
    """

    def __init__(self, client: IMAPClient, settings: MailboxSettings):
        self.client = client
        self.folders = settings.folders
        self.client.select_folder(self.folders.inbox)
        capabilities = {c.decode("ascii", "replace").upper() for c in client.capabilities()}
        self.can_idle = "IDLE" in capabilities
        self.can_move = "MOVE" in capabilities

    def new_uids(self) -> list[int]:
        """The inbox's messages not handled yet, oldest first."""
        return sorted(self.client.search(["UNKEYWORD", HANDLED, "UNDELETED"]))

    def fetch(self, uids: list[int]) -> dict[int, bytes]:
        """The raw messages (RFC 5322 bytes) of ``uids``; fetching does not mark them read."""
        found = self.client.fetch(uids, ["BODY.PEEK[]"])
        return {uid: data[b"BODY[]"] for uid, data in found.items() if b"BODY[]" in data}

    def finish(self, uid: int, outcome: str) -> None:
        """Mark a message handled with its outcome (``sent``, ``drafted``, ``skipped``, ``set_aside``); answered
        and drafted mail moves to the done folder when one is configured."""
        self.client.add_flags([uid], [HANDLED, OUTCOME_KEYWORDS[outcome]])
        if self.folders.done and outcome in MOVED_OUTCOMES:
            if self.can_move:
                self.client.move([uid], self.folders.done)
            else:
                self.client.copy([uid], self.folders.done)
                self.client.delete_messages([uid])
                if self.client.has_capability("UIDPLUS"):
                    self.client.uid_expunge([uid])
                else:
                    self.client.expunge()

    def has_draft(self, message_id: str) -> bool:
        """True when the drafts folder already holds the draft with this Message-ID (one put there before
        a restart is not put there again)."""
        self.client.select_folder(self.folders.drafts, readonly=True)
        try:
            return bool(self.client.search(["HEADER", "Message-ID", message_id]))
        finally:
            self.client.select_folder(self.folders.inbox)

    def add_draft(self, raw: bytes) -> None:
        """Put a reply in the drafts folder, flagged ``\\Draft`` for the agents' mail programs."""
        self.client.append(self.folders.drafts, raw, flags=[b"\\Draft", b"\\Seen"])

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for new mail: with IDLE when the server offers it (returns True when the
        server announced something), else the caller sleeps (returns False at once)."""
        if not self.can_idle:
            return False
        self.client.idle()
        try:
            return bool(self.client.idle_check(timeout=seconds))
        finally:
            self.client.idle_done()

    def close(self) -> None:
        try:
            self.client.logout()
        except Exception:  # noqa: S110 (a broken connection is dropped either way)
            pass
