"""Shared fixtures: the real converted model, a freshly built index, the API in process.

No test may reach the network: every socket connection to a non-loopback
address raises, so a model-hub access fails the test that made it.
"""

from __future__ import annotations

import os
import socket

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

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


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    from api.settings import Settings

    return Settings(index_dir=tmp_path_factory.mktemp("index") / "demo")


@pytest.fixture(scope="session")
def services(settings):
    """Real model, demo KB, index built from scratch for this test session."""
    from api.services import load_services

    return load_services(settings)


@pytest.fixture(scope="session")
def client(settings, services):
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(settings, services)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def demo_articles():
    from indexer.settings import PROJECT_ROOT
    from kb.loader import load_articles

    return {a.id: a for a in load_articles(PROJECT_ROOT / "kb" / "demo")}
