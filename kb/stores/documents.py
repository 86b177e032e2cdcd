"""Versioned JSON documents per tenant (articles, reply templates) with optimistic concurrency: each
write makes version 1, 2, ...; a write may name the version it expects and is refused when another
writer got there first."""

from __future__ import annotations

import json
from datetime import datetime

from kb.stores.base import VersionConflict
from kb.stores.columns import now
from kb.stores.concern import Concern


class Documents(Concern):
    """One table of versioned documents keyed by (tenant, ``key``)."""

    table = ""  # e.g. "articles"
    key = ""  # the column naming a document within its tenant, e.g. "id"
    kind = ""  # what a document is called in messages, e.g. "article"

    def _changed(self, db, tenant: str, key: str, version: int) -> int:
        """Called inside a write's transaction (version 0: a deletion); returns the write's number in a
        change feed, 0 for documents that have none."""
        return 0

    def _put(self, tenant: str, key: str, document: dict, if_match: int | None) -> tuple[int, datetime, int]:
        """Write a document; returns its version, when, and its change number (see :meth:`_changed`).

        Raises:
            UnknownTenantError: no such tenant.
            VersionConflict: ``if_match`` is not the current version (0: "must not exist yet").
        """
        with self.store.transaction() as db:
            self.store.require_tenant(db, tenant)
            current = self._checked_version(db, tenant, key, if_match)
            version, updated_at = (current or 0) + 1, now()
            db.execute(f"INSERT INTO {self.table} (tenant, {self.key}, version, document, updated_at) "  # noqa: S608 (table and columns come from constants, never from a request)
                       f"VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, {self.key}) DO UPDATE SET "
                       "version = excluded.version, document = excluded.document, updated_at = excluded.updated_at",
                       (tenant, key, version, json.dumps(document, ensure_ascii=False), updated_at))
            seq = self._changed(db, tenant, key, version)
        return version, datetime.fromisoformat(updated_at), seq

    def _get(self, tenant: str, key: str) -> tuple[dict, int, datetime] | None:
        """A document, its version and when it was written; None when there is none."""
        with self.store.reading() as db:
            row = db.execute(f"SELECT document, version, updated_at FROM {self.table} WHERE tenant = ? AND "  # noqa: S608 (table and columns come from constants, never from a request)
                             f"{self.key} = ?", (tenant, key)).fetchone()
        return (json.loads(row[0]), row[1], datetime.fromisoformat(row[2])) if row else None

    def _delete(self, tenant: str, key: str, if_match: int | None) -> int:
        """Delete a document; returns 0 when there was none, else its change number or 1.

        Raises:
            VersionConflict: ``if_match`` is not the current version.
        """
        with self.store.transaction() as db:
            if self._checked_version(db, tenant, key, if_match) is None:
                return 0
            db.execute(f"DELETE FROM {self.table} WHERE tenant = ? AND {self.key} = ?", (tenant, key))  # noqa: S608 (table and columns come from constants, never from a request)
            return self._changed(db, tenant, key, 0) or 1

    def _checked_version(self, db, tenant: str, key: str, if_match: int | None) -> int | None:
        """The document's current version (None: it does not exist), its writers held off until the
        transaction ends; a write expecting another version is refused.

        Raises:
            VersionConflict: ``if_match`` is given and is not the current version (0 for "absent").
        """
        self.store.lock_document(db, self.table, tenant, key)
        row = db.execute(f"SELECT version FROM {self.table} WHERE tenant = ? AND {self.key} = ?",  # noqa: S608 (table and columns come from constants, never from a request)
                         (tenant, key)).fetchone()
        current = row[0] if row else None
        if if_match is not None and (current or 0) != if_match:
            raise VersionConflict(f"{self.kind} '{key}'", current)
        return current
