"""A catalogue of bad inputs, each with its expected outcome: a 4xx whose message names the problem,
or a sensible answer — never a 5xx, never a stack trace."""

from __future__ import annotations

import json

import pytest
import yaml

from indexer.settings import PROJECT_ROOT

LONG = "how do I return " * 100  # 1,600 characters, over KB_MAX_QUERY_CHARS
ARTICLE = {"category": "x", "variants": {"en": {"title": "t", "summary": "s", "body": "b",
                                                "questions": ["a", "b", "c"]}}}

DEMO_FRAME = yaml.safe_load((PROJECT_ROOT / "kb" / "demo" / "templates" / "_frame.yaml").read_text(encoding="utf-8"))

# (name, method, path, request keyword arguments, expected status, words the message must contain)
CASES = [
    ("empty query", "POST", "/v1/answer", {"json": {"query": "", "channel": "chat"}}, 422, ["query"]),
    ("whitespace query", "POST", "/v1/answer", {"json": {"query": " \t\n ", "channel": "chat"}}, 422, ["query"]),
    ("empty search", "GET", "/v1/search", {"params": {"q": "   "}}, 422, ["q"]),
    ("one character", "GET", "/v1/search", {"params": {"q": "?"}}, 200, []),
    ("over the length limit", "POST", "/v1/answer", {"json": {"query": LONG, "channel": "chat"}}, 422, ["maximum"]),
    ("1 MB query", "POST", "/v1/answer", {"json": {"query": "a" * 1_000_000, "channel": "chat"}}, 422, ["maximum"]),
    ("NUL and control characters", "POST", "/v1/answer",
     {"json": {"query": "invoice\x00\x07\x1b[31m", "channel": "chat"}}, 200, []),
    ("invalid UTF-8", "POST", "/v1/answer",
     {"content": b'{"query": "\xff\xfe invoice", "channel": "chat"}', "headers": {"Content-Type": "application/json"}},
     400, ["UTF-8 JSON"]),
    ("zero-width and bidi", "GET", "/v1/search", {"params": {"q": "in\u200bvoice \u202epdf\u202c"}}, 200, []),
    ("emoji only", "POST", "/v1/answer", {"json": {"query": "😡😡📦❓", "channel": "chat"}}, 200, []),
    ("mixed scripts", "GET", "/v1/search", {"params": {"q": "返品 refund grąžinti 退货"}}, 200, []),
    ("script tags", "POST", "/v1/answer",
     {"json": {"query": "<script>alert(1)</script><img src=x onerror=alert(2)>", "channel": "help_page"}}, 200, []),
    ("SQL-looking", "GET", "/v1/search", {"params": {"q": "'; DROP TABLE articles; --"}}, 200, []),
    ("unknown channel", "POST", "/v1/answer", {"json": {"query": "invoice", "channel": "fax"}}, 422, ["channel"]),
    ("unknown language", "POST", "/v1/answer",
     {"json": {"query": "invoice", "channel": "chat", "language": "de"}}, 422, ["language"]),
    ("top_k zero", "POST", "/v1/answer", {"json": {"query": "invoice", "channel": "chat", "top_k": 0}}, 422,
     ["top_k"]),
    ("top_k negative", "GET", "/v1/search", {"params": {"q": "invoice", "limit": -3}}, 422, ["limit"]),
    ("top_k huge", "GET", "/v1/search", {"params": {"q": "invoice", "limit": 10**12}}, 422, ["limit"]),
    ("wrong JSON types", "POST", "/v1/answer", {"json": {"query": ["invoice"], "channel": 7}}, 422, ["query"]),
    ("deeply nested JSON", "POST", "/v1/answer",
     {"content": '{"query": ' + "[" * 5000 + "]" * 5000 + ', "channel": "chat"}',
      "headers": {"Content-Type": "application/json"}}, 400, ["nested"]),
    ("not JSON", "POST", "/v1/answer", {"content": "query=invoice", "headers": {"Content-Type": "application/json"}},
     422, []),
    ("wrong content type", "POST", "/v1/answer",
     {"content": "query=invoice&channel=chat", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
     422, []),
    ("duplicate keys", "POST", "/v1/answer",
     {"content": '{"query": "invoice", "query": "refund", "channel": "chat"}',
      "headers": {"Content-Type": "application/json"}}, 200, []),
    ("unknown field", "POST", "/v1/answer", {"json": {"query": "invoice", "channel": "chat", "urgent": True}}, 422,
     ["urgent"]),
    ("id with a slash", "PUT", "/v1/articles/a%2Fb", {"json": ARTICLE}, (404, 422), []),
    ("id with ..", "PUT", "/v1/articles/..", {"json": ARTICLE}, (404, 405, 422), []),
    ("id with spaces", "PUT", "/v1/articles/my%20article", {"json": ARTICLE}, 422, ["lowercase"]),
    ("unicode id", "PUT", "/v1/articles/grąžinimas", {"json": ARTICLE}, 422, ["lowercase"]),
    ("very long id", "PUT", "/v1/articles/" + "a" * 300, {"json": ARTICLE}, 422, ["80 characters"]),
    ("missing language fields", "PUT", "/v1/articles/half-written",
     {"json": {"category": "x", "variants": {"en": {"title": "t"}}}}, 422, ["summary"]),
    ("tone-guard failure", "PATCH", "/v1/templates/general",
     {"json": {"parts": {"en": {"closing": ["Read the FAQ next time.", "Bye."]}}}}, 422, ["tone guard"]),
    # Template placeholders: only plain {name} of the known set; a format spec, a conversion or
    # attribute/index access is a 422 naming the template, the field and the placeholder.
    ("template format spec", "PATCH", "/v1/templates/general",
     {"json": {"parts": {"en": {"closing": ["Anything else, {customer_name:d}?", "Anything else?"]}}}}, 422,
     ["general.yaml", "parts.en.closing", "{customer_name:d}", "format spec"]),
    ("template padding spec", "PATCH", "/v1/templates/delivery_delay",
     {"json": {"parts": {"en": {"agreement": ["{company:>20000000} will write {timeframe}.", "We will write."]}}}},
     422, ["delivery_delay.yaml", "parts.en.agreement", "{company:>20000000}", "format spec"]),
    ("template conversion", "PATCH", "/v1/templates/general",
     {"json": {"parts": {"en": {"lead_in": ["Here is how {company!r} can help:", "Here is how:"]}}}}, 422,
     ["general.yaml", "parts.en.lead_in", "{company!r}", "conversion"]),
    ("template attribute access", "PATCH", "/v1/templates/general",
     {"json": {"parts": {"en": {"acknowledge": ["Thanks, {customer_name.__class__}!", "Thanks!"]}}}}, 422,
     ["general.yaml", "parts.en.acknowledge", "{customer_name.__class__}", "attribute or index access"]),
    ("template index access", "PATCH", "/v1/templates/general",
     {"json": {"timeframe": {"en": "within one day, {company[0]}"}}}, 422,
     ["general.yaml", "timeframe.en", "{company[0]}", "attribute or index access"]),
    ("template spec in a PUT", "PUT", "/v1/templates/_frame",
     {"json": {**DEMO_FRAME, "frame": {**DEMO_FRAME["frame"], "en": {
         **DEMO_FRAME["frame"]["en"], "greeting": ["Dear {customer_name!s:>9},"]}}}}, 422,
     ["_frame.yaml", "frame.en.greeting", "{customer_name!s:>9}", "conversion"]),
]


@pytest.mark.parametrize("name,method,path,kwargs,expected,words", CASES, ids=[case[0] for case in CASES])
def test_bad_input(client, name, method, path, kwargs, expected, words):
    response = client.request(method, path, **kwargs)
    allowed = expected if isinstance(expected, tuple) else (expected,)
    assert response.status_code in allowed, f"{name}: {response.status_code} {response.text[:300]}"
    assert "Traceback" not in response.text
    if response.status_code >= 400 and response.headers.get("content-type", "").startswith("application/json"):
        detail = json.dumps(response.json())
        for word in words:
            assert word in detail, f"{name}: {detail[:300]}"


def test_invalid_writes_leave_the_store_as_it_was(client, services):
    before = services.store.list_articles(services.settings.tenant)
    for _, method, path, kwargs, _, _ in CASES:
        if method in ("PUT", "PATCH") and path.startswith("/v1/articles"):
            client.request(method, path, **kwargs)
    assert services.store.list_articles(services.settings.tenant) == before
