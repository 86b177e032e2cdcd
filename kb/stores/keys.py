"""API keys in the store: only each key's hash is kept, never the key itself."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from kb.stores.base import ApiKey, KeyQuota, KeyQuotaExceeded, Scope, key_hash, new_key_secret
from kb.stores.columns import now
from kb.stores.concern import Concern

COLUMNS = "id, tenant, scopes, name, created_at, revoked_at, rate_per_minute"


class Keys(Concern):
    """The tenants' API keys."""

    def create(self, tenant: str, scopes: set[Scope], name: str = "", rate_per_minute: int | None = None,
               quota: KeyQuota | None = None) -> tuple[str, ApiKey]:
        """A new API key for the tenant (``rate_per_minute``: its own limit; 0 unlimited; None the default).

        Args:
            quota: the tenant's limits on live keys, checked in the same transaction (None: no limit).

        Returns:
            The secret (shown once, never stored) and the key's record.

        Raises:
            KeyQuotaExceeded: the new key would pass ``quota``.
        """
        secret = new_key_secret()
        key = ApiKey(id=secrets.token_hex(4), tenant=tenant, scopes=frozenset(scopes), name=name,
                     created_at=datetime.now(UTC), rate_per_minute=rate_per_minute)
        with self.store.transaction() as db:
            self.store.require_tenant(db, tenant)
            if quota is not None:
                self._check_quota(db, tenant, quota, unlimited=rate_per_minute == 0)
            db.execute("INSERT INTO api_keys (id, tenant, hash, scopes, name, created_at, rate_per_minute) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (key.id, tenant, key_hash(secret), ",".join(sorted(s.value for s in key.scopes)), name,
                        key.created_at.isoformat(), rate_per_minute))
        return secret, key

    def find(self, secret: str) -> ApiKey | None:
        """The live (not revoked) key with this secret, or None."""
        with self.store.reading() as db:
            row = db.execute(f"SELECT {COLUMNS} FROM api_keys WHERE hash = ? AND revoked_at IS NULL",  # noqa: S608 (table and columns come from constants, never from a request)
                             (key_hash(secret),)).fetchone()
        return _key(row) if row else None

    def list(self, tenant: str) -> list[ApiKey]:
        """The tenant's keys, revoked ones included, oldest first."""
        with self.store.reading() as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM api_keys WHERE tenant = ? ORDER BY created_at, id",  # noqa: S608 (table and columns come from constants, never from a request)
                              (tenant,)).fetchall()
        return [_key(row) for row in rows]

    def revoke(self, tenant: str, key_id: str) -> bool:
        """Revoke a key of the tenant; False when it has no such live key."""
        with self.store.transaction() as db:
            changed = db.execute("UPDATE api_keys SET revoked_at = ? WHERE tenant = ? AND id = ? AND revoked_at IS NULL",
                                 (now(), tenant, key_id)).rowcount
        return changed == 1

    def _check_quota(self, db, tenant: str, quota: KeyQuota, unlimited: bool) -> None:
        """Refuse a new key that would pass the tenant's quota; the tenant's key writers wait until
        the transaction ends, so concurrent creations cannot both take the last place."""
        self.store.lock_document(db, "api_keys", tenant, "")
        live, live_unlimited = db.execute(
            "SELECT COUNT(*), COUNT(CASE WHEN rate_per_minute = 0 THEN 1 END) FROM api_keys "
            "WHERE tenant = ? AND revoked_at IS NULL", (tenant,)).fetchone()
        if live >= quota.keys:
            raise KeyQuotaExceeded(tenant, quota.keys, unlimited=False)
        if unlimited and live_unlimited >= quota.unlimited_keys:
            raise KeyQuotaExceeded(tenant, quota.unlimited_keys, unlimited=True)


def _key(row) -> ApiKey:
    key_id, tenant, scopes, name, created_at, revoked_at, rate_per_minute = row
    return ApiKey(key_id, tenant, frozenset(Scope(s) for s in scopes.split(",") if s), name,
                  datetime.fromisoformat(created_at), datetime.fromisoformat(revoked_at) if revoked_at else None,
                  rate_per_minute)
