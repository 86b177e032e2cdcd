"""What happened to every message of a support mailbox: one record per message (by its Message-ID), written
before anything is sent, so a worker that crashes or a second worker never answers a message twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kb.stores.base import MailRecord, MailState
from kb.stores.columns import now, utc
from kb.stores.concern import Concern

COLUMNS = "message_id, sender, state, reason, attempts, retry_at, answer_id, reply_id, created_at, updated_at"


class MailMessages(Concern):
    """The state of each message of each mailbox (see :class:`kb.stores.base.MailState`)."""

    def get(self, tenant: str, mailbox: str, message_id: str) -> MailRecord | None:
        with self.store.reading() as db:
            row = db.execute(f"SELECT {COLUMNS} FROM mail_messages WHERE tenant = ? AND mailbox = ? "  # noqa: S608 (columns are a constant)
                             "AND message_id = ?", (tenant, mailbox, message_id)).fetchone()
        return _record(row) if row else None

    def claim(self, tenant: str, mailbox: str, message_id: str, sender: str,
              abandoned_after: timedelta = timedelta(minutes=1)) -> MailRecord | None:
        """Start handling a message: a new one, a failed one whose retry is due, or one a stopped worker
        left before sending anything (``received`` and untouched for ``abandoned_after``: a worker's lease
        time) becomes ``received``, its attempts counted.

        Returns:
            The claimed record, or None when the message is not to be handled now (done, being sent, or
            failed and not due yet).
        """
        moment = now()
        with self.store.transaction() as db:
            self.store.lock_document(db, "mail_messages", tenant, f"{mailbox}/{message_id}")
            row = db.execute("SELECT state, retry_at, updated_at FROM mail_messages WHERE tenant = ? AND mailbox = ? "
                             "AND message_id = ?", (tenant, mailbox, message_id)).fetchone()
            abandoned = utc(datetime.now(UTC) - abandoned_after)
            if row is None:
                db.execute("INSERT INTO mail_messages (tenant, mailbox, message_id, sender, state, attempts, "
                           "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                           (tenant, mailbox, message_id, sender, MailState.RECEIVED.value, moment, moment))
            elif ((row[0] == MailState.FAILED.value and (row[1] is None or row[1] <= moment))
                  or (row[0] == MailState.RECEIVED.value and row[2] <= abandoned)):
                db.execute("UPDATE mail_messages SET state = ?, attempts = attempts + 1, retry_at = NULL, "
                           "updated_at = ? WHERE tenant = ? AND mailbox = ? AND message_id = ?",
                           (MailState.RECEIVED.value, moment, tenant, mailbox, message_id))
            else:
                return None
            found = db.execute(f"SELECT {COLUMNS} FROM mail_messages WHERE tenant = ? AND mailbox = ? "  # noqa: S608 (columns are a constant)
                               "AND message_id = ?", (tenant, mailbox, message_id)).fetchone()
        return _record(found)

    def mark(self, tenant: str, mailbox: str, message_id: str, state: MailState, reason: str | None = None,
             answer_id: str | None = None, reply_id: str | None = None, retry_at: datetime | None = None) -> None:
        """Record a message's new state (committed before the call returns: write ``sending`` before the
        reply goes out). ``answer_id`` and ``reply_id`` are kept when not given."""
        with self.store.transaction() as db:
            db.execute("UPDATE mail_messages SET state = ?, reason = ?, answer_id = COALESCE(?, answer_id), "
                       "reply_id = COALESCE(?, reply_id), retry_at = ?, updated_at = ? "
                       "WHERE tenant = ? AND mailbox = ? AND message_id = ?",
                       (state.value, reason, answer_id, reply_id, utc(retry_at) if retry_at else None, now(),
                        tenant, mailbox, message_id))

    def replies_to(self, tenant: str, mailbox: str, sender: str, since: datetime) -> int:
        """How many of the sender's messages since ``since`` were answered or drafted (the sender's budget)."""
        with self.store.reading() as db:
            return db.execute("SELECT COUNT(*) FROM mail_messages WHERE tenant = ? AND mailbox = ? AND sender = ? "
                              "AND created_at >= ? AND state IN (?, ?, ?)",
                              (tenant, mailbox, sender, utc(since), MailState.SENT.value, MailState.SENDING.value,
                               MailState.DRAFTED.value)).fetchone()[0]

    def recent(self, tenant: str, mailbox: str, limit: int = 50, state: MailState | None = None) -> list[MailRecord]:
        """The mailbox's messages, last changed first (only those in ``state`` when given)."""
        where, params = "tenant = ? AND mailbox = ?", [tenant, mailbox]
        if state is not None:
            where += " AND state = ?"
            params.append(state.value)
        with self.store.reading() as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM mail_messages WHERE {where} "  # noqa: S608 (columns and conditions are constants; values are parameters)
                              "ORDER BY updated_at DESC, message_id LIMIT ?", (*params, limit)).fetchall()
        return [_record(row) for row in rows]

    def counts(self, tenant: str, since: datetime, until: datetime) -> dict[str, int]:
        """The tenant's mail messages first seen in ``[since, until)``, counted per state (every mailbox)."""
        with self.store.reading() as db:
            rows = db.execute("SELECT state, COUNT(*) FROM mail_messages WHERE tenant = ? AND created_at >= ? "
                              "AND created_at < ? GROUP BY state", (tenant, utc(since), utc(until))).fetchall()
        return {state: count for state, count in rows}


def _record(row) -> MailRecord:
    message_id, sender, state, reason, attempts, retry_at, answer_id, reply_id, created_at, updated_at = row
    return MailRecord(message_id, sender, MailState(state), reason, attempts,
                      datetime.fromisoformat(retry_at) if retry_at else None, answer_id, reply_id,
                      datetime.fromisoformat(created_at), datetime.fromisoformat(updated_at))
