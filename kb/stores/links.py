"""Each tenant's help-centre link pattern, from which answers and searches give every article's URL."""

from __future__ import annotations

from kb.stores.concern import Concern


class Links(Concern):
    """The tenants' article URL patterns (``https://help.example.com/{language}/articles/{id}``)."""

    def pattern(self, tenant: str) -> str | None:
        """The tenant's pattern; None when it has none (answers then carry no URLs)."""
        with self.store.reading() as db:
            row = db.execute("SELECT article_url FROM tenant_links WHERE tenant = ?", (tenant,)).fetchone()
        return row[0] if row else None

    def set(self, tenant: str, pattern: str | None) -> None:
        """Set the tenant's pattern (None: remove it).

        Raises:
            UnknownTenantError: no such tenant.
        """
        with self.store.transaction() as db:
            self.store.require_tenant(db, tenant)
            if pattern is None:
                db.execute("DELETE FROM tenant_links WHERE tenant = ?", (tenant,))
            else:
                db.execute("INSERT INTO tenant_links (tenant, article_url) VALUES (?, ?) ON CONFLICT (tenant) "
                           "DO UPDATE SET article_url = excluded.article_url", (tenant, pattern))
