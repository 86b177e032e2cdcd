"""Text that cannot be encoded (a lone surrogate) is a 422 naming the field, at the boundary of every
route with a JSON body; an unexpected error is a 500 with the request's id on a connection that stays open."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api import pipeline
from api.main import create_app

ARTICLE = {"category": "x", "variants": {"en": {"title": "t", "summary": "s", "body": "b",
                                                "questions": ["a", "b", "c"]}}}
ESCAPED = "\\ud800"  # a JSON escape of a lone surrogate
RAW = "\udcff"  # a lone surrogate, sent as its raw UTF-8 bytes (ED B3 BF) through json.dumps(ensure_ascii=False)

# (method, path, JSON text with {bad} where the bad text goes, the field the message must name)
BODIES = [
    ("POST", "/v1/answer", '{{"query": "where is {bad} my parcel", "channel": "help_page"}}', "query"),
    ("POST", "/v1/answer", '{{"query": "refund", "channel": "email", "customer_name": "Ann{bad}"}}', "customer_name"),
    ("POST", "/v1/answer", '{{"query": "refund", "channel": "chat", "tags": ["ok", "{bad}"]}}', "tags.1"),
    ("PUT", "/v1/articles/surrogate-test",
     '{{"category": "x", "variants": {{"en": {{"title": "t", "summary": "s{bad}", "body": "b", '
     '"questions": ["a", "b", "c"]}}}}}}', "variants.en.summary"),
    ("PATCH", "/v1/templates/general", '{{"parts": {{"en": {{"closing": ["Anything else{bad}?", "Bye."]}}}}}}',
     "parts.en.closing.0"),
    ("POST", "/v1/keys", '{{"scopes": ["search"], "name": "widget {bad}"}}', "name"),
    ("POST", "/v1/feedback", '{{"answer_id": "{bad}", "helpful": true}}', "answer_id"),
    ("PUT", "/v1/origins", '{{"origins": ["https://help.example.com{bad}"]}}', "origins.0"),
]


@pytest.mark.parametrize("encoding", ["escaped", "raw bytes"])
@pytest.mark.parametrize("method,path,template,field", BODIES, ids=[f"{b[0]} {b[1]} {b[3]}" for b in BODIES])
def test_a_lone_surrogate_in_any_text_field_is_a_422_naming_the_field(client, services, method, path, template,
                                                                    field, encoding):
    before = services.store.articles.list(services.settings.tenant)
    body = template.format(bad=ESCAPED) if encoding == "escaped" else \
        template.format(bad=RAW).encode("utf-8", "surrogatepass")
    response = client.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text[:300]
    problem = response.json()
    assert problem["errors"][0]["field"] == field and "lone surrogate" in problem["detail"]
    assert response.headers["X-Request-ID"]
    assert services.store.articles.list(services.settings.tenant) == before


def test_an_imported_article_with_a_lone_surrogate_is_rejected_alone(client, services):
    good = {**ARTICLE, "id": "import-good-one"}
    bad = {**ARTICLE, "id": "import-bad-one", "category": "x\ud800"}
    lines = "\n".join(json.dumps(item) for item in (good, bad))  # json.dumps escapes the surrogate as \ud800
    report = client.post("/v1/articles/import", content=lines, headers={"Content-Type": "application/x-ndjson"}).json()
    assert [item["status"] for item in report["items"]] == ["created", "rejected"]
    assert "lone surrogate" in report["items"][1]["error"] and "category" in report["items"][1]["error"]
    assert client.delete("/v1/articles/import-good-one").status_code == 204


def test_an_unexpected_error_is_a_500_with_the_request_id_and_the_next_request_is_served(settings, services, client,
                                                                                     monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(pipeline, "answer", broken)
    with TestClient(create_app(settings, services), headers=client.headers) as test_client:
        failed = test_client.post("/v1/answer", json={"query": "refund", "channel": "chat"},
                                  headers={"X-Request-ID": "bug-report-7"})
        assert failed.status_code == 500 and failed.headers["X-Request-ID"] == "bug-report-7"
        assert "X-Request-ID" in failed.json()["detail"]
        assert test_client.get("/v1/search", params={"q": "refund"}).status_code == 200
    assert any("bug-report-7" in record.getMessage() and record.exc_info for record in caplog.records)
