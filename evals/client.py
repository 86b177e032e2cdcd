"""The API in process for the evaluations: a throwaway copy of the demo tenant, the real model and index."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def api_client() -> Iterator:
    """An HTTP client of a fresh in-process API with an answer and search key (no rate limit).

    Yields:
        A :class:`fastapi.testclient.TestClient` that sends the key with every request.
    """
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.services import load_services
    from api.settings import Settings
    from kb.stores import Scope

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(index_dir=Path(folder) / "index", store_path=Path(folder) / "store.sqlite3",
                            rate_limit_per_minute=0, log_level="WARNING")
        services = load_services(settings)
        try:
            secret, _ = services.store.create_key(settings.tenant, {Scope.ANSWER, Scope.SEARCH}, "eval")
            with TestClient(create_app(settings, services), headers={"Authorization": f"Bearer {secret}"}) as client:
                yield client
        finally:
            services.close()
