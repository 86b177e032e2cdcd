"""The event loop never waits for the store: while one request is stuck in a store read (its API key,
its tenant's allowed origins, a preflight's origin, opening its tenant), other requests are answered.

Proved with events, not timings: the stuck read waits for the test to release it, so if it held up
the loop, ``/healthz`` could only be answered once the read gave up waiting (``gave_up``).
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import threading

import pytest
from fastapi.testclient import TestClient

from api.cache import StoreReads
from api.main import create_app
from indexer.settings import DEMO_KB
from kb.loader import load_articles
from kb.stores import Scope
from tests.helpers import bearer

TENANT = "loopco"
ORIGIN = "https://help.loopco.example"
GIVE_UP_S = 60  # a stuck read gives up after this, so a blocked loop fails the test instead of hanging it


class HeldStore:
    """The store, but every call of ``held`` (a concern's method, e.g. ``keys.find``) waits until
    :attr:`release` is set."""

    def __init__(self, store, held: str):
        self.concern, method_name = held.split(".")
        self.store, self.held_concern = store, copy.copy(getattr(store, self.concern))
        self.entered, self.release = threading.Event(), threading.Event()
        self.gave_up = False
        method = getattr(self.held_concern, method_name)

        def held_method(*args, **kwargs):
            self.entered.set()
            self.gave_up = self.gave_up or not self.release.wait(GIVE_UP_S)
            return method(*args, **kwargs)

        setattr(self.held_concern, method_name, held_method)

    def __getattr__(self, name: str):
        return self.held_concern if name == self.concern else getattr(self.store, name)


@pytest.fixture(scope="module")
def loopco(services):
    """A tenant with one article, one allowed origin and an admin key: its secret."""
    store = services.store
    if TENANT not in store.tenants():
        store.ensure_tenant(TENANT)
        store.articles.put(TENANT, load_articles(DEMO_KB)[0])
        store.origins.replace(TENANT, [ORIGIN])
    return store.keys.create(TENANT, set(Scope), "event loop test", rate_per_minute=0)[0]


@pytest.fixture
def held_app(settings, services):
    """Builds the API over the session's store with one store method held; stops its change follower after."""
    built = []

    def build(method: str):
        if settings.vector_backend != "faiss":
            pytest.skip("the event loop is the same over either backend")
        store = HeldStore(services.store, method)
        held_services = dataclasses.replace(services, store=store, open_tenants={}, _stopping=threading.Event())
        built.append(held_services)
        return store, TestClient(create_app(settings, held_services))

    yield build
    for held_services in built:
        held_services._stopping.set()


REQUESTS = {  # the held store read, and a request that makes it
    "keys.find": ("GET", "/v1/keys", {}),
    "origins.of": ("GET", "/v1/keys", {"Origin": ORIGIN}),
    "origins.allowed": ("OPTIONS", "/v1/search", {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}),
    "articles.list": ("GET", "/v1/search?q=invoice", {}),  # the tenant's first search opens its index
}


@pytest.mark.parametrize("held", REQUESTS)
def test_a_request_stuck_in_a_store_read_holds_up_no_other_request(held_app, loopco, held):
    store, client = held_app(held)
    method, path, headers = REQUESTS[held]
    stuck = {}
    with client:
        request = threading.Thread(target=lambda: stuck.update(response=client.request(
            method, path, headers={**bearer(loopco), **headers})))
        request.start()
        assert store.entered.wait(GIVE_UP_S), f"the request never read {held}"
        health = client.get("/healthz")
        answered_while_stuck = not store.release.is_set() and request.is_alive()
        store.release.set()
        request.join()
    assert not store.gave_up, f"/healthz waited for the {held} read: it ran on the event loop"
    assert health.status_code == 200 and answered_while_stuck
    assert stuck["response"].status_code in (200, 204)
    if "Origin" in headers:
        assert stuck["response"].headers["access-control-allow-origin"] == ORIGIN


def test_a_key_revoked_through_the_api_is_refused_at_once(client, services, loopco):
    created = client.post("/v1/keys", json={"scopes": ["admin"], "name": "revoked at once"}, headers=bearer(loopco))
    secret, key_id = created.json()["key"], created.json()["id"]
    assert client.get("/v1/keys", headers=bearer(secret)).status_code == 200  # the key is now remembered
    assert client.delete(f"/v1/keys/{key_id}", headers=bearer(loopco)).status_code == 204
    assert client.get("/v1/keys", headers=bearer(secret)).status_code == 401


def test_origins_changed_through_the_api_apply_at_once(client, loopco):
    admin = {**bearer(loopco), "Origin": ORIGIN}
    assert client.get("/v1/keys", headers=admin).headers["access-control-allow-origin"] == ORIGIN  # remembered
    try:
        assert client.put("/v1/origins", json={"origins": []}, headers=admin).status_code == 200
        assert "access-control-allow-origin" not in client.get("/v1/keys", headers=admin).headers
        preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
        assert client.options("/v1/search", headers=preflight).status_code == 403
    finally:
        client.put("/v1/origins", json={"origins": [ORIGIN]}, headers=admin)
    assert client.get("/v1/keys", headers=admin).headers["access-control-allow-origin"] == ORIGIN


class CountingRead:
    """A store read that counts its calls; while :attr:`hold` is clear it waits for it."""

    def __init__(self, answer="answer"):
        self.answer, self.calls = answer, 0
        self.entered, self.hold = threading.Event(), threading.Event()
        self.hold.set()

    def __call__(self, key):
        self.calls += 1
        self.entered.set()
        assert self.hold.wait(GIVE_UP_S)
        return self.answer


def test_store_reads_are_remembered_until_invalidated():
    read = CountingRead()
    reads = StoreReads(read, ttl_s=3600)
    assert asyncio.run(reads.get("k")) == asyncio.run(reads.get("k")) == "answer" and read.calls == 1
    reads.invalidate(lambda key, answer: key == "other")
    asyncio.run(reads.get("k"))
    assert read.calls == 1
    reads.invalidate()
    asyncio.run(reads.get("k"))
    assert read.calls == 2


@pytest.mark.parametrize(("ttl_s", "answer"), [(0, "answer"), (3600, None)])
def test_store_reads_left_unremembered_are_read_every_time(ttl_s, answer):
    read = CountingRead(answer)
    reads = StoreReads(read, ttl_s=ttl_s, keep=lambda found: found is not None)
    asyncio.run(reads.get("k"))
    asyncio.run(reads.get("k"))
    assert read.calls == 2


def test_a_read_under_way_while_invalidated_is_not_remembered():
    read = CountingRead()
    reads = StoreReads(read, ttl_s=3600)

    async def invalidate_during_the_read():
        read.hold.clear()
        under_way = asyncio.create_task(reads.get("k"))
        assert await asyncio.to_thread(read.entered.wait, GIVE_UP_S)
        reads.invalidate()  # e.g. the key was revoked after the read found it live
        read.hold.set()
        await under_way
        await reads.get("k")

    asyncio.run(invalidate_during_the_read())
    assert read.calls == 2
