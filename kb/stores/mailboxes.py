"""The tenants' support mailboxes in the store: each one's settings (a versioned document, its passwords
encrypted by the caller), the lease that lets one worker at a time serve it, and how its last poll went."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from kb.stores.base import MailboxLease, MailboxStatus, StoredMailbox
from kb.stores.columns import now, utc
from kb.stores.documents import Documents


class Mailboxes(Documents):
    """Mailbox settings per tenant, with optimistic concurrency on writes like templates."""

    table, key, kind = "mailboxes", "name", "mailbox"

    def put(self, tenant: str, name: str, document: dict, if_match: int | None = None) -> StoredMailbox:
        """Create or replace a tenant's mailbox ``name``; like :meth:`kb.stores.articles.Articles.put`."""
        version, updated_at, _ = self._put(tenant, name, document, if_match)
        return StoredMailbox(tenant, name, document, version, updated_at)

    def get(self, tenant: str, name: str) -> StoredMailbox | None:
        found = self._get(tenant, name)
        return StoredMailbox(tenant, name, *found) if found else None

    def list(self, tenant: str | None = None) -> list[StoredMailbox]:
        """A tenant's mailboxes by name; every tenant's when None (what a worker serves)."""
        where, params = ("WHERE tenant = ? ", (tenant,)) if tenant is not None else ("", ())
        with self.store.reading() as db:
            rows = db.execute(f"SELECT tenant, name, document, version, updated_at FROM mailboxes {where}"  # noqa: S608 (a constant condition; values are parameters)
                              "ORDER BY tenant, name", params).fetchall()
        return [StoredMailbox(tenant, name, json.loads(document), version, datetime.fromisoformat(updated_at))
                for tenant, name, document, version, updated_at in rows]

    def delete(self, tenant: str, name: str, if_match: int | None = None) -> bool:
        """Delete a mailbox with its lease and status (the record of its messages stays, so a mailbox
        added again under the same name never answers a message twice); False when there was none.

        Raises:
            VersionConflict: ``if_match`` is not the current version.
        """
        deleted = bool(self._delete(tenant, name, if_match))
        with self.store.transaction() as db:
            for table in ("mailbox_leases", "mailbox_polls"):
                db.execute(f"DELETE FROM {table} WHERE tenant = ? AND mailbox = ?", (tenant, name))  # noqa: S608 (table names are constants)
        return deleted

    def take_lease(self, tenant: str, name: str, holder: str, seconds: float) -> bool:
        """Take the mailbox's lease for ``seconds``, or renew it when ``holder`` has it; False while another
        holder's lease runs (one worker serves a mailbox at a time)."""
        moment = datetime.fromisoformat(now())
        expires = utc(moment + timedelta(seconds=seconds))
        with self.store.transaction() as db:
            self.store.lock_document(db, "mailbox_leases", tenant, name)
            row = db.execute("SELECT holder, expires_at FROM mailbox_leases WHERE tenant = ? AND mailbox = ?",
                             (tenant, name)).fetchone()
            if row is not None and row[0] != holder and datetime.fromisoformat(row[1]) > moment:
                return False
            db.execute("INSERT INTO mailbox_leases (tenant, mailbox, holder, expires_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (tenant, mailbox) DO UPDATE SET holder = excluded.holder, "
                       "expires_at = excluded.expires_at", (tenant, name, holder, expires))
        return True

    def release_lease(self, tenant: str, name: str, holder: str) -> None:
        """Give the lease up when ``holder`` has it (a worker stopping), so another takes over at once."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM mailbox_leases WHERE tenant = ? AND mailbox = ? AND holder = ?",
                       (tenant, name, holder))

    def record_poll(self, tenant: str, name: str, error: str | None = None) -> None:
        """Record a poll of the mailbox: a good one (``error`` None) or the error that ended it."""
        moment = now()
        with self.store.transaction() as db:
            if error is None:
                db.execute("INSERT INTO mailbox_polls (tenant, mailbox, last_poll_at) VALUES (?, ?, ?) "
                           "ON CONFLICT (tenant, mailbox) DO UPDATE SET last_poll_at = excluded.last_poll_at",
                           (tenant, name, moment))
            else:
                db.execute("INSERT INTO mailbox_polls (tenant, mailbox, last_error, last_error_at) VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (tenant, mailbox) DO UPDATE SET last_error = excluded.last_error, "
                           "last_error_at = excluded.last_error_at", (tenant, name, error[:1000], moment))

    def status(self, tenant: str, name: str) -> MailboxStatus:
        """Who serves the mailbox, how its polls went, and how many of its messages are in each state."""
        with self.store.reading() as db:
            lease = db.execute("SELECT holder, expires_at FROM mailbox_leases WHERE tenant = ? AND mailbox = ?",
                               (tenant, name)).fetchone()
            poll = db.execute("SELECT last_poll_at, last_error, last_error_at FROM mailbox_polls "
                              "WHERE tenant = ? AND mailbox = ?", (tenant, name)).fetchone()
            counts = db.execute("SELECT state, COUNT(*) FROM mail_messages WHERE tenant = ? AND mailbox = ? "
                                "GROUP BY state", (tenant, name)).fetchall()
        last_poll_at, last_error, last_error_at = poll or (None, None, None)
        return MailboxStatus(
            lease=MailboxLease(lease[0], datetime.fromisoformat(lease[1])) if lease else None,
            last_poll_at=_moment(last_poll_at), last_error=last_error, last_error_at=_moment(last_error_at),
            messages={state: count for state, count in counts})


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
