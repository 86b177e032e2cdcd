"""Bad input gets a clear 4xx that says what to fix; health endpoints and docs respond."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("payload, status, says", [
    ({"query": "", "channel": "chat"}, 422, "query"),
    ({"query": "   \n\t", "channel": "chat"}, 422, "whitespace"),
    ({"query": "x" * 20_001, "channel": "chat"}, 422, "at most 20000 characters"),
    ({"query": "refund", "channel": "fax"}, 422, "channel"),
    ({"query": "refund", "channel": "chat", "language": "ko"}, 422, "language"),
    ({"query": 123, "channel": "chat"}, 422, "query"),
    ({"query": "refund", "channel": "chat", "top_k": 0}, 422, "top_k"),
    ({"query": "refund", "channel": "chat", "top_k": 1000}, 422, "top_k"),
    ({"channel": "chat"}, 422, "query"),
    ({"query": "refund", "channel": "chat", "unknown": 1}, 422, "unknown"),
])
def test_bad_answer_requests(client, payload, status, says):
    response = client.post("/v1/answer", json=payload)
    assert response.status_code == status, response.text
    assert says in response.json()["detail"]


def test_non_json_body(client):
    response = client.post("/v1/answer", content=b"not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "JSON" in response.json()["detail"]


@pytest.mark.parametrize("params, says", [
    ({"q": "  "}, "whitespace"),
    ({}, "q"),
    ({"q": "refund", "lang": "xx"}, "lang"),
    ({"q": "refund", "limit": 0}, "limit"),
    ({"q": "y" * 1001}, "maximum"),
])
def test_bad_search_requests(client, params, says):
    response = client.get("/v1/search", params=params)
    assert response.status_code == 422, response.text
    assert says in response.json()["detail"]


def test_health_readiness_and_docs(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["model"] == "multilingual-e5-small"  # the default: KB_MODEL=base
    assert ready["encoder"].startswith("onnx")
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/answer", "/v1/search", "/v1/articles/{article_id}", "/healthz", "/readyz"} <= set(paths)
