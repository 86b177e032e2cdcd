"""Small helpers shared by test modules."""

from __future__ import annotations

import time

from kb.stores import Scope


def new_key(services, *scopes: str, tenant: str | None = None) -> str:
    """A fresh API key of the demo tenant (or ``tenant``) with these scopes."""
    secret, _ = services.store.keys.create(tenant or services.settings.tenant, {Scope(s) for s in scopes}, "test")
    return secret


def tenant_with_articles(services, tenant: str, articles) -> str:
    """Create ``tenant`` (when it does not exist) holding ``articles``; returns its name."""
    services.store.ensure_tenant(tenant)
    for article in articles:
        services.store.articles.put(tenant, article)
    return tenant


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header of a key."""
    return {"Authorization": f"Bearer {secret}"}


def server_env(settings) -> dict[str, str]:
    """The ``KB_*`` environment of a server process on the same store, backend and index as ``settings``."""
    env = {"KB_STORE": settings.store, "KB_STORE_PATH": str(settings.store_path),
           "KB_VECTOR_BACKEND": settings.vector_backend, "KB_INDEX_DIR": str(settings.index_dir)}
    if settings.store_dsn:
        env["KB_STORE_DSN"] = settings.store_dsn
    return env


def wait_for(condition, failure: str, seconds: float = 60) -> float:
    """Poll ``condition`` until it holds, failing with ``failure`` after ``seconds``; returns the wait."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, failure
        time.sleep(0.05)
    return time.monotonic() - started


def first_step(variant) -> str:
    """An article variant's first body line as a plain-text reply shows it."""
    from kb.formats import ReplyFormat, render

    return render(variant.body, ReplyFormat.TEXT).split("\n")[0]


def record_embeddings(monkeypatch, module: str) -> list:
    """Record every ``embed_entries`` call ``module`` makes (it still embeds): the list of ``(encoder, entries)``."""
    import importlib

    calls: list = []
    real_embed = importlib.import_module(module).embed_entries

    def recording_embed(encoder, entries, *args, **kwargs):
        calls.append((encoder, list(entries)))
        return real_embed(encoder, entries, *args, **kwargs)

    monkeypatch.setattr(f"{module}.embed_entries", recording_embed)
    return calls
