"""A tenant's reply templates in the store: one document per situation, and the letter frame (``_frame``)."""

from __future__ import annotations

import json
from datetime import datetime

from kb.stores.base import StoredTemplate
from kb.stores.documents import Documents


class Templates(Documents):
    """Reply templates per tenant, with optimistic concurrency on writes like articles."""

    table, key, kind = "templates", "name", "template"

    def put(self, tenant: str, name: str, document: dict, if_match: int | None = None) -> StoredTemplate:
        """Create or replace a tenant's template ``name`` (a situation, or ``_frame``); like
        :meth:`kb.stores.articles.Articles.put`."""
        version, updated_at, _ = self._put(tenant, name, document, if_match)
        return StoredTemplate(name, document, version, updated_at)

    def get(self, tenant: str, name: str) -> StoredTemplate | None:
        found = self._get(tenant, name)
        return StoredTemplate(name, *found) if found else None

    def list(self, tenant: str) -> list[StoredTemplate]:
        """All of a tenant's templates, by name."""
        with self.store.reading() as db:
            rows = db.execute("SELECT name, document, version, updated_at FROM templates WHERE tenant = ? "
                              "ORDER BY name", (tenant,)).fetchall()
        return [StoredTemplate(name, json.loads(document), version, datetime.fromisoformat(updated_at))
                for name, document, version, updated_at in rows]

    def delete(self, tenant: str, name: str, if_match: int | None = None) -> bool:
        """Delete a template; False when there was none.

        Raises:
            VersionConflict: ``if_match`` is not the current version.
        """
        return bool(self._delete(tenant, name, if_match))
