"""Small helpers shared by test modules."""

from __future__ import annotations

import socket

from kb.stores import Scope


def new_key(services, *scopes: str, tenant: str | None = None) -> str:
    """A fresh API key of the demo tenant (or ``tenant``) with these scopes."""
    secret, _ = services.store.create_key(tenant or services.settings.tenant, {Scope(s) for s in scopes}, "test")
    return secret


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header of a key."""
    return {"Authorization": f"Bearer {secret}"}


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
