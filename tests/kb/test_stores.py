"""The store backends behave alike: the same tests against SQLite and a real PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from kb.stores import AnswerRecord, Feedback, Scope, VersionConflict
from kb.stores.sql import MIGRATIONS


def test_migrations_run_once_and_committed_writes_survive_a_reopen(open_store, demo_articles):
    store = open_store()
    assert store.schema_version == len(MIGRATIONS)
    store.ensure_tenant("t")
    store.ensure_tenant("t")
    first = store.articles.put("t", demo_articles["invoice"])
    store.articles.put("t", demo_articles["invoice"], if_match=first.version)
    with pytest.raises(VersionConflict, match="current version is 2"):
        store.articles.put("t", demo_articles["invoice"], if_match=1)
    with pytest.raises(VersionConflict, match="does not exist"):
        store.articles.delete("t", "gift-card", if_match=1)
    store.close()
    reopened = open_store()
    assert reopened.schema_version == len(MIGRATIONS) and reopened.tenants() == ["t"]
    stored = reopened.articles.get("t", "invoice")
    assert stored.article == demo_articles["invoice"] and stored.version == 2
    assert reopened.articles.list("t") == ([stored], 1)
    assert reopened.articles.delete("t", "invoice", if_match=2) and reopened.articles.get("t", "invoice") is None


def test_of_concurrent_conditional_writes_exactly_one_wins(open_store, demo_articles):
    store = open_store()
    store.ensure_tenant("t")
    store.articles.put("t", demo_articles["invoice"])
    outcomes = []

    def write():
        try:
            outcomes.append(store.articles.put("t", demo_articles["invoice"], if_match=1).version)
        except VersionConflict as conflict:
            outcomes.append(conflict.current)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [2] * 8 and store.articles.get("t", "invoice").version == 2


def test_pages_templates_and_tenants_stay_apart(open_store, demo_articles):
    store = open_store()
    for tenant in ("a", "b"):
        store.ensure_tenant(tenant)
    for article_id in ("invoice", "gift-card", "return-item"):
        store.articles.put("a", demo_articles[article_id])
    page, total = store.articles.list("a", offset=1, limit=1)
    assert total == 3 and [stored.article.id for stored in page] == ["invoice"]
    assert store.articles.list("b") == ([], 0) and store.articles.get("b", "invoice") is None
    template = store.templates.put("a", "farewell", {"situation": "farewell", "parts": {}})
    assert template.version == 1 and store.templates.get("a", "farewell").document == template.document
    assert store.templates.list("b") == [] and store.templates.delete("a", "farewell")


def test_keys_are_found_by_secret_until_revoked(open_store):
    store = open_store()
    store.ensure_tenant("t")
    secret, key = store.keys.create("t", {Scope.SEARCH, Scope.ADMIN}, "widget", rate_per_minute=60)
    found = store.keys.find(secret)
    assert found.id == key.id and found.scopes == {Scope.SEARCH, Scope.ADMIN} and found.rate_per_minute == 60
    assert store.keys.find(secret + "x") is None
    assert store.keys.revoke("t", key.id) and store.keys.find(secret) is None and not store.keys.revoke("t", key.id)
    assert store.keys.list("t")[0].revoked_at is not None


def test_the_answer_log_feedback_and_erasure(open_store):
    store = open_store()
    store.ensure_tenant("t")
    store.ensure_tenant("u")
    now = datetime.now(UTC)
    store.answers.log([AnswerRecord("a1", "t", now - timedelta(days=40), "chat", "en", True, "x", 0.9, "old"),
                       AnswerRecord("a2", "t", now, "email", "lt", False, None, 0.1, "new")])
    assert store.answers.put_feedback("t", Feedback("a2", helpful=False, reason="not_related", contacted_support=True))
    assert not store.answers.put_feedback("u", Feedback("a2", helpful=True))
    # a period given in another time zone selects the same answers
    since = (now - timedelta(hours=1)).astimezone(datetime.now().astimezone().tzinfo)
    rows = store.answers.rows("t", since, now + timedelta(minutes=1))
    assert [(r.answer_id, r.helpful, r.reason, r.contacted_support) for r in rows] == [
        ("a2", False, "not_related", True)]
    assert store.answers.forget_queries("t", now - timedelta(days=30)) == 1
    everything = store.answers.rows("t", now - timedelta(days=50), now + timedelta(minutes=1))
    assert [r.query for r in everything] == [None, "new"]


@pytest.mark.postgres
def test_the_service_runs_on_the_postgres_store_and_keeps_writes_across_restarts(postgres, services, tmp_path):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.services import load_answer_service
    from api.settings import Settings
    from tests.helpers import bearer, new_key

    settings = Settings(store="postgres", store_dsn=postgres.create_database("service"), index_dir=tmp_path / "index")
    first = load_answer_service(settings)
    admin = bearer(new_key(first, "admin", "search"))
    article = {"category": "delivery", "tags": ["pets"], "variants": {"en": {
        "title": "Can I bring my parrot to the pickup point?", "summary": "Yes, in a cage or carrier.",
        "body": "Pets are welcome at pickup points in a cage or carrier.",
        "questions": ["parrot at the pickup point", "are pets allowed at pickup", "bring a bird along"]}}}
    query = {"q": "can I bring a bird when I pick up my order", "limit": 1}
    with TestClient(create_app(settings, first)) as client:
        assert client.put("/v1/articles/parrot-pickup", json=article, headers=admin).status_code == 201
        assert client.get("/v1/search", params=query, headers=admin).json()["results"][0]["id"] == "parrot-pickup"
    first.close()
    restarted = load_answer_service(settings)  # the saved index lacks the article: caught up from the store
    with TestClient(create_app(settings, restarted)) as client:
        assert client.get("/v1/articles/parrot-pickup", headers=admin).json()["version"] == 1
        assert client.get("/v1/search", params=query, headers=admin).json()["results"][0]["id"] == "parrot-pickup"
    restarted.close()


def test_postgres_without_a_dsn_is_refused_with_what_to_set():
    from pydantic import ValidationError

    from api.settings import Settings

    with pytest.raises(ValidationError, match="KB_STORE_DSN"):
        Settings(store="postgres")


@pytest.mark.postgres
def test_a_database_outage_is_a_503_with_retry_after_and_the_service_recovers(services, tmp_path):
    import shutil
    import tempfile
    import time
    from pathlib import Path

    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.services import load_answer_service
    from api.settings import Settings
    from tests.helpers import bearer, new_key
    from tests.postgres import PostgresServer
    from tests.servers import free_port

    folder = Path(tempfile.mkdtemp(prefix="kb-pg-outage-"))
    server = PostgresServer(folder, free_port())
    try:
        server.start()
        settings = Settings(store="postgres", store_dsn=server.create_database("outage"), index_dir=tmp_path / "index")
        loaded = load_answer_service(settings)
        key = bearer(new_key(loaded, "search"))
        with TestClient(create_app(settings, loaded)) as client:
            assert client.get("/v1/search", params={"q": "invoice"}, headers=key).status_code == 200
            key = bearer(new_key(loaded, "search"))  # one the service has not read yet (see KB_ACCESS_CACHE_S)
            server.stop()
            down = client.get("/v1/search", params={"q": "invoice pdf"}, headers=key)
            assert down.status_code == 503 and down.headers["Retry-After"] == "2"
            assert "unreachable" in down.json()["detail"]
            server.start()
            deadline = time.monotonic() + 20
            while (status := client.get("/v1/search", params={"q": "invoice"}, headers=key).status_code) != 200:
                assert status == 503 and time.monotonic() < deadline
                time.sleep(0.5)
        loaded.close()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
