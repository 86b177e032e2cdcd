"""Scale-out: two API processes on one PostgreSQL + pgvector, as behind a load balancer.

A write through one replica becomes searchable through the other (the change feed, polled every
0.2 s); killing a replica mid-writes loses no acknowledged write; stopping the database gives 503
with ``Retry-After`` and the replicas recover by themselves when it is back.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from kb.stores import Scope, create_store
from tests.helpers import bearer, wait_for
from tests.postgres import PostgresServer
from tests.servers import Server, free_port

pytestmark = pytest.mark.postgres


def article(number: int) -> dict:
    return {"category": "delivery", "tags": ["bikes"], "variants": {"en": {
        "title": f"Can I bring bicycle number {number} to the pickup point?",
        "summary": f"Yes, bicycle {number} can be left at the bike rack.",
        "body": f"Bicycle {number} may be parked at the bike rack next to the pickup point.",
        "questions": [f"where do I park bicycle {number}", f"bike rack for bicycle {number}",
                      f"can bicycle {number} stay at the pickup point"]}}}


@pytest.fixture(scope="module")
def cluster():
    """A PostgreSQL of its own (this module stops and restarts it), two replicas, an admin key."""
    folder = Path(tempfile.mkdtemp(prefix="kb-scale-"))
    database = PostgresServer(Path(tempfile.mkdtemp(prefix="kb-scale-pg-")), free_port())  # a folder of its own
    database.start()
    env = {"KB_STORE": "postgres", "KB_STORE_DSN": database.create_database("kb"), "KB_VECTOR_BACKEND": "pgvector",
           "KB_INDEX_DIR": str(folder / "index"), "KB_LOG_LEVEL": "WARNING", "KB_RATE_LIMIT_PER_MINUTE": "0"}
    first, second = Server(free_port(), env), Server(free_port(), env)
    try:
        first.start(timeout=300)  # seeds the demo tenant and puts its vectors in pgvector
        second.start(timeout=300)  # finds them there: embeds nothing
        store = create_store("postgres", env["KB_STORE_DSN"])
        key, _ = store.keys.create("demo", set(Scope), "scale-out test")
        store.close()
        yield database, first, second, bearer(key)
    finally:
        for server in (first, second):
            server.stop()
        database.stop()
        for path in (folder, database.folder):
            shutil.rmtree(path, ignore_errors=True)


def url(server: Server, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def top_hit(server: Server, key: dict, query: str) -> str | None:
    results = httpx.get(url(server, "/v1/search"), params={"q": query, "limit": 1}, headers=key).json()["results"]
    return results[0]["id"] if results else None


def test_a_write_through_one_replica_is_searchable_through_the_other(cluster):
    _, first, second, key = cluster
    assert top_hit(second, key, "Where is my parcel?") == top_hit(first, key, "Where is my parcel?") is not None
    written = httpx.put(url(first, "/v1/articles/bicycle-1"), json=article(1), headers=key)
    assert written.status_code == 201
    started = time.monotonic()
    while top_hit(second, key, "where do I park bicycle 1") != "bicycle-1":
        assert time.monotonic() - started < 10, "the other replica never found the article"
        time.sleep(0.02)
    print(f"write through replica 1 -> found through replica 2 after {time.monotonic() - started:.2f} s")
    assert httpx.delete(url(second, "/v1/articles/bicycle-1"), headers=key).status_code == 204
    started = time.monotonic()
    while top_hit(first, key, "where do I park bicycle 1") == "bicycle-1":
        assert time.monotonic() - started < 10, "the deletion never reached the other replica"
        time.sleep(0.02)


def test_killing_a_replica_mid_writes_loses_no_acknowledged_write(cluster):
    _, first, second, key = cluster
    acknowledged: list[int] = []

    def write_until_killed():
        for number in range(100, 400):
            try:
                response = httpx.put(url(first, f"/v1/articles/bicycle-{number}"), json=article(number),
                                     headers=key, timeout=30)
            except httpx.HTTPError:
                return
            if response.status_code in (200, 201):
                acknowledged.append(number)

    writer = threading.Thread(target=write_until_killed)
    writer.start()
    wait_for(lambda: len(acknowledged) >= 5, "no write was acknowledged")
    first.process.kill()
    writer.join()
    first.process.wait()
    for number in acknowledged:
        stored = httpx.get(url(second, f"/v1/articles/bicycle-{number}"), headers=key)
        assert stored.status_code == 200, number
    deadline = time.monotonic() + 30  # a write committed without its vectors is embedded by the survivor
    for number in acknowledged:
        while top_hit(second, key, f"where do I park bicycle {number}") != f"bicycle-{number}":
            assert time.monotonic() < deadline, f"bicycle-{number} never became searchable"
            time.sleep(0.1)
    first.start(timeout=300)  # a restarted replica catches up from the database
    assert top_hit(first, key, f"where do I park bicycle {acknowledged[-1]}") == f"bicycle-{acknowledged[-1]}"


def test_a_stopped_database_gives_503_with_retry_after_and_loses_no_acknowledged_write(cluster):
    database, first, second, key = cluster
    acknowledged: list[int] = []
    statuses: set[int] = set()
    writing = threading.Event()
    writing.set()

    def keep_writing():  # writes through the second replica all along the outage
        number = 1000
        while writing.is_set():
            response = httpx.put(url(second, f"/v1/articles/bicycle-{number}"), json=article(number), headers=key,
                                 timeout=30)
            statuses.add(response.status_code)
            if response.status_code in (200, 201):
                acknowledged.append(number)
            number += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        wait_for(lambda: len(acknowledged) >= 3, "no write was acknowledged")
        database.stop()
        try:
            for server in (first, second):
                down = httpx.get(url(server, "/v1/search"), params={"q": "invoice"}, headers=key, timeout=30)
                assert down.status_code == 503 and int(down.headers["Retry-After"]) > 0
                assert "unreachable" in down.json()["detail"]
        finally:
            database.start()
        deadline = time.monotonic() + 30
        for server in (first, second):
            while (status := httpx.get(url(server, "/v1/search"), params={"q": "invoice"}, headers=key,
                                       timeout=30).status_code) != 200:
                assert status == 503 and time.monotonic() < deadline
                time.sleep(0.5)
        written_before = len(acknowledged)
        wait_for(lambda: len(acknowledged) >= written_before + 3, "writes were not acknowledged again")
    finally:
        writing.clear()
        writer.join()
    assert statuses <= {200, 201, 503}, statuses
    assert 503 in statuses  # some writes met the outage and were refused, not half-done
    deadline = time.monotonic() + 30
    for number in acknowledged:  # every acknowledged write is there, and searchable through the other replica
        assert httpx.get(url(first, f"/v1/articles/bicycle-{number}"), headers=key).status_code == 200
        while top_hit(first, key, f"where do I park bicycle {number}") != f"bicycle-{number}":
            assert time.monotonic() < deadline, f"bicycle-{number} never became searchable on the other replica"
            time.sleep(0.1)
