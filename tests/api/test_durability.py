"""No acknowledged write is lost: concurrent article writes to a real server killed with SIGKILL
mid-stream are all present, complete and searchable after a restart; live writes are checkpointed
to the saved index, so the restart embeds again only what was written after the last checkpoint."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from urllib.parse import quote

import pytest
import yaml

from api.services import seed_tenant
from indexer.build import DIGESTS_FILE
from indexer.sync import open_index
from kb.stores import Scope, create_store
from tests.conftest import ENGLISH_ONLY_ARTICLES
from tests.helpers import record_embeddings, wait_for
from tests.servers import Server, free_port

WRITERS = 4
WORDS = ("amber", "birch", "cobalt", "dune", "ember", "fjord", "garnet", "harbor", "indigo", "juniper", "kelp",
         "lagoon", "marble", "nectar", "onyx", "pepper", "quartz", "raven", "saffron", "tundra", "umber", "velvet",
         "willow", "yarrow", "zephyr")


def article(writer: int, number: int) -> tuple[str, dict]:
    word = f"{WORDS[number % len(WORDS)]} {WORDS[(number // len(WORDS) + writer) % len(WORDS)]}"
    title = f"How do I assemble the {word} shelf model {writer}-{number}?"
    return f"shelf-{writer}-{number}", {"category": "assembly", "tags": ["shelves"], "variants": {"en": {
        "title": title, "summary": f"The {word} shelf model {writer}-{number} comes with a printed guide.",
        "body": f"Unpack the {word} shelf, lay out the panels and follow the printed guide step by step.",
        "questions": [f"assemble {word} shelf {writer}-{number}", f"{word} shelf instructions",
                      f"building the {word} shelf {number}"]}}}


def request(port: int, key: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    status, payload = response.status, json.loads(response.read() or b"null")
    connection.close()
    return status, payload


def test_acknowledged_writes_survive_sigkill(tmp_path):
    kb = tmp_path / "kb"
    (kb / "articles").mkdir(parents=True)
    for item in ENGLISH_ONLY_ARTICLES:
        (kb / "articles" / f"{item['id']}.yaml").write_text(yaml.safe_dump(item), encoding="utf-8")
    env = {"KB_KB_DIR": str(kb), "KB_INDEX_DIR": str(tmp_path / "index"),
           "KB_STORE_PATH": str(tmp_path / "store.sqlite3")}
    store = create_store("sqlite", tmp_path / "store.sqlite3")
    seed_tenant(store, "demo", kb)
    key, _ = store.keys.create("demo", {Scope.ADMIN, Scope.ANSWER}, "durability test")
    store.close()

    server = Server(free_port(), env)
    server.start(timeout=180)
    acknowledged: dict[str, dict] = {}
    attempted: dict[str, dict] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(number: int) -> None:
        count = 0
        while not stop.is_set():
            article_id, body = article(number, count)
            with lock:
                attempted[article_id] = body
            try:
                status, _ = request(server.port, key, "PUT", f"/v1/articles/{article_id}", body)
            except (OSError, http.client.HTTPException):
                return  # the server is gone
            if status in (200, 201):
                with lock:
                    acknowledged[article_id] = body
            count += 1

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(WRITERS)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=30)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert len(acknowledged) >= WRITERS, "too few writes were acknowledged before the kill to test anything"
    print(f"{len(acknowledged)} writes acknowledged, {len(attempted) - len(acknowledged)} in flight at the kill")

    restarted = Server(server.port, env)
    restarted.start(timeout=180)
    try:
        status, page = request(restarted.port, key, "GET", "/v1/articles?limit=200")
        assert status == 200
        stored = {item["id"]: item for item in page["items"]}
        for article_id, body in acknowledged.items():
            assert article_id in stored, f"acknowledged write {article_id} was lost"
        for article_id, item in stored.items():
            if article_id.startswith("shelf-"):  # acknowledged or in flight: either way complete
                sent = attempted[article_id]
                assert item["variants"]["en"] == sent["variants"]["en"] and item["version"] == 1
        for article_id, body in acknowledged.items():
            title = body["variants"]["en"]["title"]
            status, found = request(restarted.port, key, "GET", f"/v1/search?q={quote(title)}&limit=1")
            assert status == 200 and found["results"][0]["id"] == article_id, title
    finally:
        restarted.stop()


def test_a_restart_after_sigkill_embeds_again_only_the_writes_since_the_last_checkpoint(tmp_path, services,
                                                                                        monkeypatch):
    if services.settings.vector_backend != "faiss":
        pytest.skip("checkpoints are of the FAISS index folder (pgvector keeps its vectors in the database)")
    kb = tmp_path / "kb"
    (kb / "articles").mkdir(parents=True)
    for item in ENGLISH_ONLY_ARTICLES:
        (kb / "articles" / f"{item['id']}.yaml").write_text(yaml.safe_dump(item), encoding="utf-8")
    index_dir = tmp_path / "index"
    env = {"KB_KB_DIR": str(kb), "KB_INDEX_DIR": str(index_dir), "KB_STORE_PATH": str(tmp_path / "store.sqlite3"),
           "KB_CHECKPOINT_INTERVAL_S": "4"}
    store = create_store("sqlite", tmp_path / "store.sqlite3")
    seed_tenant(store, "demo", kb)
    key, _ = store.keys.create("demo", {Scope.ADMIN}, "checkpoint test", rate_per_minute=0)
    server = Server(free_port(), env)
    server.start(timeout=180)
    try:
        checkpointed = [article(0, number) for number in range(40)]
        late = [article(1, number) for number in range(3)]
        for article_id, body in checkpointed:
            assert request(server.port, key, "PUT", f"/v1/articles/{article_id}", body)[0] == 201
        wait_for(lambda: {article_id for article_id, _ in checkpointed} <= set(saved_digests(index_dir / "demo")),
                 "the writes were never checkpointed to the saved index")
        for article_id, body in late:
            assert request(server.port, key, "PUT", f"/v1/articles/{article_id}", body)[0] == 201
    finally:
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=30)
    # the late writes took less than a checkpoint interval: at least the last is only in the store
    unsaved = {article_id for article_id, _ in late} - set(saved_digests(index_dir / "demo"))
    assert late[-1][0] in unsaved

    calls = record_embeddings(monkeypatch, "indexer.search")
    monkeypatch.setattr("indexer.sync.build_index", lambda *_, **__: pytest.fail("no full rebuild"))
    articles = [stored.article for stored in store.articles.list("demo")[0]]
    store.close()
    index = open_index(articles, services.encoder, index_dir / "demo")  # what the restarted server opens
    assert {entry.article_id for _, entries in calls for entry in entries} == unsaved
    title = late[-1][1]["variants"]["en"]["title"]
    assert index.search(title, limit=1)[0].article.id == late[-1][0]


def saved_digests(index_dir) -> dict[str, str]:
    """The article digests of the saved index (none while there is no index yet)."""
    try:
        return json.loads((index_dir / DIGESTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
