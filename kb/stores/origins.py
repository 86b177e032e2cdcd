"""The web origins whose pages may call the API with a tenant's keys (CORS); none by default."""

from __future__ import annotations

from kb.stores.concern import Concern


class Origins(Concern):
    """The tenants' allowed web origins (``https://help.example.com``)."""

    def of(self, tenant: str) -> list[str]:
        """The tenant's allowed origins, sorted."""
        with self.store.reading() as db:
            rows = db.execute("SELECT origin FROM tenant_origins WHERE tenant = ? ORDER BY origin", (tenant,)).fetchall()
        return [row[0] for row in rows]

    def replace(self, tenant: str, origins: list[str]) -> None:
        """Replace the tenant's allowed origins (an empty list: no cross-origin calls).

        Raises:
            UnknownTenantError: no such tenant.
        """
        with self.store.transaction() as db:
            self.store.require_tenant(db, tenant)
            db.execute("DELETE FROM tenant_origins WHERE tenant = ?", (tenant,))
            db.executemany("INSERT INTO tenant_origins (tenant, origin) VALUES (?, ?)",
                           [(tenant, origin) for origin in sorted(set(origins))])

    def allowed(self, origin: str) -> bool:
        """True when some tenant allows ``origin`` (a browser's preflight request carries no key)."""
        with self.store.reading() as db:
            return db.execute("SELECT 1 FROM tenant_origins WHERE origin = ? LIMIT 1", (origin,)).fetchone() is not None
