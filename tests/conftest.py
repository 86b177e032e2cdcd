"""Shared fixtures: the real converted model, a freshly built index, the API in process.

No test may reach the network: every socket connection to a non-loopback
address raises, so a model-hub access fails the test that made it.
"""

from __future__ import annotations

import itertools
import os
import socket

import pytest
from cryptography.fernet import Fernet

from tests.helpers import bearer, new_key

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# the support mailboxes' passwords are encrypted with it: a fresh key for every test session
os.environ.setdefault("KB_SECRETS_KEY", Fernet.generate_key().decode("ascii"))

LOOPBACK_PREFIXES = ("127.", "::1", "localhost")


class NetworkAccessError(RuntimeError):
    """A test tried to reach a host outside this machine (a model hub, say)."""


_real_connect = socket.socket.connect


def _guarded_connect(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = str(address[0])
        if not host.startswith(LOOPBACK_PREFIXES):
            raise NetworkAccessError(f"test tried to connect to {host}: tests must run offline")
    return _real_connect(sock, address)


socket.socket.connect = _guarded_connect


@pytest.fixture(scope="session", params=["faiss", pytest.param("pgvector", marks=pytest.mark.postgres)])
def settings(request, tmp_path_factory):
    """The service's settings, once per vector backend: FAISS over SQLite (the default), and pgvector
    over PostgreSQL (a throwaway server), so the retrieval and API tests run against both."""
    from api.settings import Settings

    folder = tmp_path_factory.mktemp(f"service-{request.param}")
    if request.param == "pgvector":
        dsn = request.getfixturevalue("postgres").create_database("api")
        return Settings(index_dir=folder / "index", store="postgres", store_dsn=dsn, vector_backend="pgvector")
    return Settings(index_dir=folder / "index", store_path=folder / "store.sqlite3")


@pytest.fixture(scope="session")
def services(settings):
    """Real model, demo KB, index built from scratch for this test session."""
    from api.services import load_answer_service

    services = load_answer_service(settings)
    yield services
    services.close()


@pytest.fixture(scope="session")
def client(settings, services):
    """The API in process, called with a key that holds every scope."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(settings, services),
                    headers=bearer(new_key(services, "search", "answer", "admin"))) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def demo_articles():
    from indexer.settings import DEMO_KB
    from kb.loader import load_articles

    return {a.id: a for a in load_articles(DEMO_KB)}


ENGLISH_ONLY_ARTICLES = [
    {"id": "store-hours", "category": "support", "tags": ["store"], "variants": {"en": {
        "title": "When is the Vilnius showroom open?",
        "summary": "Our Vilnius showroom is open Monday to Saturday, 10:00-19:00.",
        "body": "Visit us at the showroom Monday to Saturday, 10:00-19:00. Closed on public holidays.",
        "questions": ["showroom opening hours", "when can I visit your shop", "is the store open on saturday"],
    }}},
    {"id": "parcel-lockers", "category": "delivery", "tags": ["delivery"], "variants": {"en": {
        "title": "Can I get my order delivered to a parcel locker?",
        "summary": "Choose a parcel locker on the map at checkout.",
        "body": "Pick the locker on the map at checkout; you get a pickup code by SMS.",
        "questions": ["delivery to parcel locker", "parcel machine delivery", "can I use a locker"],
    }}},
]


@pytest.fixture(scope="session")
def english_only_client(tmp_path_factory, services):
    """The API over a small knowledge base whose articles exist only in English (same model)."""
    import yaml
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.services import load_answer_service
    from api.settings import Settings

    kb = tmp_path_factory.mktemp("kb-en-only")
    (kb / "articles").mkdir()
    for article in ENGLISH_ONLY_ARTICLES:
        (kb / "articles" / f"{article['id']}.yaml").write_text(yaml.safe_dump(article), encoding="utf-8")
    settings = Settings(kb_dir=kb, index_dir=kb / "index", store_path=kb / "store.sqlite3")
    services = load_answer_service(settings)
    with TestClient(create_app(settings, services), headers=bearer(new_key(services, "answer"))) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL with pgvector for this test session (see tests/postgres.py)."""
    import shutil
    import tempfile
    from pathlib import Path

    from tests.postgres import PostgresServer
    from tests.servers import free_port

    folder = Path(tempfile.mkdtemp(prefix="kb-pg-"))
    server = PostgresServer(folder, free_port())
    server.start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


DATABASES = itertools.count()  # a fresh PostgreSQL database name per store test


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def open_store(request, tmp_path):
    """Opens the same store again (a restart) on each call; a fresh database per test."""
    from kb.stores import create_store

    if request.param == "sqlite":
        location = tmp_path / "store.sqlite3"
    else:
        location = request.getfixturevalue("postgres").create_database(f"store_{next(DATABASES)}")
    opened = []

    def open_():
        opened.append(create_store(request.param, location))
        return opened[-1]

    yield open_
    for store in opened:
        store.close()
