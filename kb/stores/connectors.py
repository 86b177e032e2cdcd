"""The tenants' help-desk connectors: each one's settings (a versioned document, its secrets encrypted by the
caller) under an id that is also the path of its webhook receiver, unique across tenants."""

from __future__ import annotations

import json
import secrets
from datetime import datetime

from kb.stores.base import StoredConnector
from kb.stores.documents import Documents


class Connectors(Documents):
    """Connector settings per tenant, with optimistic concurrency on writes like templates."""

    table, key, kind = "connectors", "id", "connector"

    @staticmethod
    def new_id() -> str:
        """A fresh connector id: random, so a receiver's path cannot be guessed from another's."""
        return secrets.token_hex(8)

    def put(self, tenant: str, connector_id: str, document: dict, if_match: int | None = None) -> StoredConnector:
        """Create or replace a tenant's connector; like :meth:`kb.stores.articles.Articles.put`."""
        version, updated_at, _ = self._put(tenant, connector_id, document, if_match)
        return StoredConnector(tenant, connector_id, document, version, updated_at)

    def get(self, tenant: str, connector_id: str) -> StoredConnector | None:
        found = self._get(tenant, connector_id)
        return StoredConnector(tenant, connector_id, *found) if found else None

    def find(self, connector_id: str) -> StoredConnector | None:
        """The connector with this id, whichever tenant's it is (a receiver knows only the id)."""
        with self.store.reading() as db:
            row = db.execute("SELECT tenant, document, version, updated_at FROM connectors WHERE id = ?",
                             (connector_id,)).fetchone()
        return StoredConnector(row[0], connector_id, json.loads(row[1]), row[2], datetime.fromisoformat(row[3])) \
            if row else None

    def list(self, tenant: str | None = None) -> list[StoredConnector]:
        """A tenant's connectors by id; every tenant's when None (what a poller serves)."""
        where, params = ("WHERE tenant = ? ", (tenant,)) if tenant is not None else ("", ())
        with self.store.reading() as db:
            rows = db.execute(f"SELECT tenant, id, document, version, updated_at FROM connectors {where}"  # noqa: S608 (a constant condition; values are parameters)
                              "ORDER BY tenant, id", params).fetchall()
        return [StoredConnector(owner, connector_id, json.loads(document), version, datetime.fromisoformat(at))
                for owner, connector_id, document, version, at in rows]

    def delete(self, tenant: str, connector_id: str) -> bool:
        """Delete a connector (its jobs' record stays); False when there was none."""
        return bool(self._delete(tenant, connector_id, None))
