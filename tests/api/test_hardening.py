"""Request limits and request logs: 413 before parsing, an id on every response, no query text in logs."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings


@pytest.fixture(scope="module")
def small_limit_client(settings, services, client):
    limited = Settings(**{**settings.model_dump(), "max_body_bytes": 2000})
    with TestClient(create_app(limited, services), headers=client.headers) as test_client:
        yield test_client


def test_a_body_over_the_limit_gets_413_before_it_is_parsed(small_limit_client):
    big = {"query": "x" * 5000, "channel": "chat"}
    response = small_limit_client.post("/v1/answer", json=big)
    assert response.status_code == 413 and "at most 2000 bytes" in response.json()["detail"]

    def chunks():  # no Content-Length: the limit applies while the body streams in
        for _ in range(10):
            yield b"[" + b" " * 500

    streamed = small_limit_client.post("/v1/articles/import", content=chunks(),
                                       headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert small_limit_client.post("/v1/answer", json={"query": "invoice", "channel": "chat"}).status_code == 200


def test_every_response_has_a_request_id_and_the_log_line_has_no_query_text(client, caplog):
    with caplog.at_level(logging.INFO, logger="kb_api.requests"):
        response = client.get("/v1/search", params={"q": "my secret parcel question"})
        echoed = client.get("/v1/search", params={"q": "invoice"}, headers={"X-Request-ID": "ticket-42"})
    assert len(response.headers["X-Request-ID"]) == 16 and echoed.headers["X-Request-ID"] == "ticket-42"
    lines = [record.getMessage() for record in caplog.records if record.name == "kb_api.requests"]
    assert any(response.headers["X-Request-ID"] in line and "/v1/search 200" in line for line in lines)
    assert not any("secret" in line for line in caplog.messages)
    refused = client.get("/v1/search", params={"q": "x"}, headers={"X-Request-ID": "bad id\n"})
    assert refused.headers["X-Request-ID"] != "bad id\n"


def test_a_short_fuzz_run_finds_no_failure(settings, services):
    """schemathesis over every operation of a real server (a few examples each; make fuzz runs more)."""
    from tests.fuzz import fuzz

    assert fuzz(examples=5, seed=1, demo_index=settings.index_dir / settings.tenant) == 0
