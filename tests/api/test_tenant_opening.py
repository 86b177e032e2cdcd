"""A tenant whose index must be built or caught up opens in a worker thread: while it does, a real
server answers /healthz and other tenants, and /readyz names the tenant still catching up."""

from __future__ import annotations

import shutil
import threading

import httpx
import pytest

from api.services import seed_tenant
from indexer.settings import DEMO_KB
from kb.loader import load_articles
from kb.stores import Scope, create_store
from tests.helpers import wait_for
from tests.servers import Server, free_port

SLOW_TENANT_ARTICLES = 30  # every language of each: a few seconds of embedding on 2 cores


def test_a_tenant_catching_up_does_not_hold_up_the_server_or_other_tenants(tmp_path, settings, services):
    if settings.vector_backend != "faiss":
        pytest.skip("one server over SQLite and FAISS is enough here; the pgvector replicas have tests of their own")
    store = create_store("sqlite", tmp_path / "store.sqlite3")
    seed_tenant(store, "demo", DEMO_KB)
    store.ensure_tenant("slowco")
    for article in load_articles(DEMO_KB)[:SLOW_TENANT_ARTICLES]:
        store.articles.put("slowco", article)  # written as an import would: slowco has no index yet
    demo_key, _ = store.keys.create("demo", {Scope.SEARCH}, "opening test", rate_per_minute=0)
    slow_key, _ = store.keys.create("slowco", {Scope.SEARCH}, "opening test", rate_per_minute=0)
    store.close()
    shutil.copytree(settings.index_dir / "demo", tmp_path / "index" / "demo")  # the demo tenant opens at start
    server = Server(free_port(), {"KB_STORE_PATH": str(tmp_path / "store.sqlite3"),
                                  "KB_INDEX_DIR": str(tmp_path / "index")})
    server.start(timeout=300)
    base = f"http://127.0.0.1:{server.port}"
    slow_result: dict[str, httpx.Response] = {}

    def first_slowco_search() -> None:
        slow_result["response"] = httpx.get(f"{base}/v1/search", params={"q": "reset password"},
                                            headers={"Authorization": f"Bearer {slow_key}"}, timeout=300)

    opening = threading.Thread(target=first_slowco_search)
    try:
        with httpx.Client(base_url=base, timeout=60) as http:
            opening.start()
            wait_for(lambda: http.get("/readyz").json().get("catching_up") == ["slowco"],
                     "/readyz never named slowco as catching up", seconds=60)
            health = http.get("/healthz")
            demo = http.get("/v1/search", params={"q": "where is my parcel"},
                            headers={"Authorization": f"Bearer {demo_key}"})
            slowco_still_opening = opening.is_alive()
            assert health.status_code == 200 and demo.status_code == 200 and demo.json()["results"]
            assert slowco_still_opening, "slowco opened before the other requests were answered: nothing was tested"
            opening.join(timeout=300)
            assert slow_result["response"].status_code == 200 and slow_result["response"].json()["results"]
            assert "catching_up" not in http.get("/readyz").json()
    finally:
        server.stop()
