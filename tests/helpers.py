"""Small helpers shared by test modules (``free_port`` comes from the bench's load tools)."""

from __future__ import annotations

from api.bench.http_load import free_port
from kb.stores import Scope

__all__ = ["bearer", "free_port", "new_key"]


def new_key(services, *scopes: str, tenant: str | None = None) -> str:
    """A fresh API key of the demo tenant (or ``tenant``) with these scopes."""
    secret, _ = services.store.create_key(tenant or services.settings.tenant, {Scope(s) for s in scopes}, "test")
    return secret


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header of a key."""
    return {"Authorization": f"Bearer {secret}"}
