"""A catalogue of bad inputs, each with its expected outcome: a 4xx whose message names the problem,
or a sensible answer — never a 5xx, never a stack trace."""

from __future__ import annotations

import json

import pytest
import yaml

from indexer.settings import DEMO_KB

LONG = "how do I return " * 100  # 1,600 characters, over KB_MAX_QUERY_CHARS (/v1/search)
ARTICLE = {"category": "x", "variants": {"en": {"title": "t", "summary": "s", "body": "b",
                                                "questions": ["a", "b", "c"]}}}

DEMO_FRAME = yaml.safe_load((DEMO_KB / "templates" / "_frame.yaml").read_text(encoding="utf-8"))

# (name, method, path, request keyword arguments, expected status, words the message must contain)
CASES = [
    ("empty query", "POST", "/v1/answer", {"json": {"query": "", "channel": "chat"}}, 422, ["query"]),
    ("whitespace query", "POST", "/v1/answer", {"json": {"query": " \t\n ", "channel": "chat"}}, 422, ["query"]),
    ("empty search", "GET", "/v1/search", {"params": {"q": "   "}}, 422, ["q"]),
    ("one character", "GET", "/v1/search", {"params": {"q": "?"}}, 200, []),
    ("over the length limit", "POST", "/v1/answer", {"json": {"query": "a" * 20_001, "channel": "email"}}, 422,
     ["at most 20000 characters"]),
    ("search over the length limit", "GET", "/v1/search", {"params": {"q": LONG}}, 422, ["maximum is 1000"]),
    ("1 MB query", "POST", "/v1/answer", {"json": {"query": "a" * 1_000_000, "channel": "chat"}}, 422,
     ["at most 20000 characters"]),
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
    ("offset past 64 bits", "GET", "/v1/articles", {"params": {"offset": 60192222985075605504}}, 422, ["offset"]),
    ("template offset past 64 bits", "GET", "/v1/templates", {"params": {"offset": 2**70}}, 422, ["offset"]),
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
    # analytics periods whose date arithmetic leaves the calendar (years 1 to 9999)
    ("since before year 1 in UTC", "GET", "/v1/analytics/summary",
     {"params": {"since": "0001-01-01T00:00:00+05:00"}}, 422, ["since", "year 1"]),
    ("until after year 9999 in UTC", "GET", "/v1/analytics/top-questions",
     {"params": {"until": "9999-12-31T23:00:00-05:00"}}, 422, ["until", "year 9999"]),
    ("until too early for the default period", "GET", "/v1/analytics/unanswered",
     {"params": {"until": "0001-01-02T00:00:00Z"}}, 422, ["until", "since"]),
    ("erase before year 1 in UTC", "DELETE", "/v1/analytics/queries",
     {"params": {"before": "0001-01-01T00:00:00+01:00"}}, 422, ["before", "year 1"]),
    ("a period from year 1 to year 9999", "GET", "/v1/analytics/summary",
     {"params": {"since": "0001-01-01T00:00:00Z", "until": "9999-12-31T23:59:59Z"}}, 200, []),
    # If-Match: a version is up to 18 ASCII digits
    ("If-Match with a Latin-1 digit", "PUT", "/v1/articles/if-match-test",
     {"json": ARTICLE, "headers": {"If-Match": '"²"'.encode("latin-1")}}, 400, ["If-Match", "ASCII digits"]),
    ("If-Match with an Arabic-Indic digit", "DELETE", "/v1/articles/invoice",
     {"headers": {"If-Match": '"٣"'.encode()}}, 400, ["If-Match", "ASCII digits"]),
    ("If-Match with 5,000 digits", "PATCH", "/v1/articles/invoice",
     {"json": {"tags": []}, "headers": {"If-Match": '"' + "9" * 5000 + '"'}}, 400, ["If-Match", "at most 18"]),
    ("template If-Match with 5,000 digits", "PUT", "/v1/templates/general",
     {"json": {}, "headers": {"If-Match": "9" * 5000}}, 400, ["If-Match", "at most 18"]),
    # keys: a rate limit beyond 64 bits, or beyond the documented maximum
    ("rate limit beyond 64 bits", "POST", "/v1/keys", {"json": {"scopes": ["search"], "rate_per_minute": 2**64}},
     422, ["rate_per_minute", "1000000"]),
    ("negative rate limit", "POST", "/v1/keys", {"json": {"scopes": ["search"], "rate_per_minute": -5}},
     422, ["rate_per_minute", "greater than or equal to 0"]),
    ("no scope", "POST", "/v1/keys", {"json": {"scopes": []}}, 422, ["scopes"]),
    ("empty scope", "POST", "/v1/keys", {"json": {"scopes": [""]}}, 422, ["scopes", "search"]),
    # an import body nested deeper than the JSON reader goes
    ("import nested 1,000 deep", "POST", "/v1/articles/import",
     {"content": "[" * 1000 + "]" * 1000, "headers": {"Content-Type": "application/json"}}, 400, ["nested"]),
    ("import item nested 900 deep", "POST", "/v1/articles/import",
     {"content": '[{"id": "deep", "category": ' + "[" * 900 + "]" * 900 + "}]",
      "headers": {"Content-Type": "application/json"}}, (200, 400), []),
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
    before = services.store.articles.list(services.settings.tenant)
    for _, method, path, kwargs, _, _ in CASES:
        if method in ("PUT", "PATCH") and path.startswith("/v1/articles"):
            client.request(method, path, **kwargs)
    assert services.store.articles.list(services.settings.tenant) == before
