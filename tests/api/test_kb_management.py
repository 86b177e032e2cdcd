"""Knowledge-base management: the store, keys and scopes, tenant isolation, article writes that are
searchable when acknowledged, optimistic concurrency, bulk import, visibility and filters."""

from __future__ import annotations

import copy
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from api.admin import demo_keys
from api.admin import main as admin_main
from api.ratelimit import RateLimiter
from api.settings import Settings
from indexer.__main__ import main as indexer_main
from kb.loader import load_articles
from kb.stores import Scope, VersionConflict, create_store
from kb.stores.base import key_hash
from kb.stores.sql import MIGRATIONS
from kb.templates import Situation
from tests.helpers import bearer, new_key, tenant_with_articles

TENANT = "writes"
SEEDED = ("invoice", "gift-card", "reset-password")
NEW_ARTICLE = {
    "category": "delivery", "tags": ["delivery", "pets"], "product": "parrot-cage",
    "variants": {"en": {
        "title": "Can I bring my parrot to the Kaunas pickup point?",
        "summary": "Pets are welcome at the Kaunas pickup point if they stay in a carrier.",
        "body": "You may bring your parrot to the Kaunas pickup point; please keep it in its cage or carrier.",
        "questions": ["parrot at the pickup point", "are pets allowed at pickup", "bring a bird to collect my order"],
    }},
}
PARROT_QUERY = "may I bring my parrot when I collect my order in Kaunas"


@pytest.fixture(scope="module")
def tenant(services, demo_articles):
    """A tenant of its own for write tests (the demo tenant stays as the other tests expect it)."""
    return tenant_with_articles(services, TENANT, [demo_articles[article_id] for article_id in SEEDED])


@pytest.fixture(scope="module")
def admin(client, services, tenant):
    return bearer(new_key(services, "admin", "answer", tenant=tenant))


def search_ids(client, headers, query, **params):
    response = client.get("/v1/search", params={"q": query, "limit": 5, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["results"]]


def test_the_store_is_migrated_once_and_keeps_what_was_committed(tmp_path, demo_articles):
    store = create_store("sqlite", tmp_path / "store.sqlite3")
    assert store.schema_version == len(MIGRATIONS)
    store.ensure_tenant("t")
    first = store.articles.put("t", demo_articles["invoice"])
    second = store.articles.put("t", demo_articles["invoice"], if_match=first.version)
    with pytest.raises(VersionConflict, match="current version is 2") as conflict:
        store.articles.put("t", demo_articles["invoice"], if_match=1)
    assert conflict.value.current == 2
    with pytest.raises(VersionConflict, match="does not exist"):
        store.articles.delete("t", "gift-card", if_match=1)
    store.close()
    reopened = create_store("sqlite", tmp_path / "store.sqlite3")
    assert reopened.schema_version == len(MIGRATIONS)
    assert (first.version, second.version) == (1, 2)
    assert reopened.articles.get("t", "invoice").article == demo_articles["invoice"]
    assert reopened.articles.get("t", "invoice").version == 2
    assert reopened.articles.list("t") == ([reopened.articles.get("t", "invoice")], 1)


def test_requests_without_a_valid_key_are_refused_with_401(client):
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer kb_not-a-key"}, {"Authorization": "Basic x"}):
        response = client.get("/v1/search", params={"q": "invoice"}, headers=headers)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
        assert "API key" in response.json()["detail"]


def test_a_search_key_gets_search_and_terse_answers_only(client, services):
    public = bearer(new_key(services, "search"))
    assert client.get("/v1/search", params={"q": "invoice"}, headers=public).status_code == 200
    help_page = client.post("/v1/answer", json={"query": "invoice", "channel": "help_page"}, headers=public)
    assert help_page.status_code == 200
    chat = client.post("/v1/answer", json={"query": "invoice", "channel": "chat"}, headers=public)
    assert chat.status_code == 403 and "answer scope" in chat.json()["detail"]
    write = client.put("/v1/articles/x-1", json=NEW_ARTICLE, headers=public)
    assert write.status_code == 403 and "admin" in write.json()["detail"]


def test_an_article_written_is_searchable_when_acknowledged_and_gone_when_deleted(client, admin):
    assert "parrot-pickup" not in search_ids(client, admin, PARROT_QUERY)
    created = client.put("/v1/articles/parrot-pickup", json=NEW_ARTICLE, headers=admin)
    assert created.status_code == 201 and created.headers["ETag"] == '"1"' and created.json()["version"] == 1
    assert search_ids(client, admin, PARROT_QUERY)[0] == "parrot-pickup"

    deleted = client.delete("/v1/articles/parrot-pickup", headers={**admin, "If-Match": '"1"'})
    assert deleted.status_code == 204
    assert "parrot-pickup" not in search_ids(client, admin, PARROT_QUERY)
    assert client.get("/v1/articles/parrot-pickup", headers=admin).status_code == 404
    assert client.delete("/v1/articles/parrot-pickup", headers=admin).status_code == 404


def test_a_stale_write_is_refused_with_409_naming_the_current_version(client, admin):
    client.put("/v1/articles/stale-test", json=NEW_ARTICLE, headers=admin)
    changed = copy.deepcopy(NEW_ARTICLE)
    changed["variants"]["en"]["title"] = "Parrots at pickup points"
    second = client.put("/v1/articles/stale-test", json=changed, headers={**admin, "If-Match": '"1"'})
    assert second.status_code == 200 and second.headers["ETag"] == '"2"'
    stale = client.put("/v1/articles/stale-test", json=NEW_ARTICLE, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 409 and "current version is 2" in stale.json()["detail"]
    assert stale.headers["ETag"] == '"2"'
    exists = client.put("/v1/articles/stale-test", json=NEW_ARTICLE, headers={**admin, "If-None-Match": "*"})
    assert exists.status_code == 409
    assert client.get("/v1/articles/stale-test", headers=admin).json()["variants"]["en"]["title"] == \
        "Parrots at pickup points"
    bad = client.put("/v1/articles/stale-test", json=NEW_ARTICLE, headers={**admin, "If-Match": "yesterday"})
    assert bad.status_code == 400 and "If-Match" in bad.json()["detail"]


def test_a_patch_merges_fields_and_a_null_removes_a_language(client, admin):
    both = copy.deepcopy(NEW_ARTICLE)
    both["variants"]["lt"] = {"title": "Ar galiu atsivežti papūgą?", "summary": "Taip, narvelyje.",
                              "body": "Papūgą galite atsivežti narvelyje.",
                              "questions": ["papūga atsiėmimo punkte", "ar galima su gyvūnu", "paukštis punkte"]}
    client.put("/v1/articles/patch-test", json=both, headers=admin)
    patched = client.patch("/v1/articles/patch-test", headers=admin,
                           json={"tags": ["pets"], "variants": {"lt": None, "en": {"title": "Parrots welcome"}}})
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["version"] == 2 and body["tags"] == ["pets"] and set(body["variants"]) == {"en"}
    assert body["variants"]["en"]["title"] == "Parrots welcome"
    assert body["variants"]["en"]["summary"] == NEW_ARTICLE["variants"]["en"]["summary"]


def test_an_invalid_write_names_the_problem_and_changes_nothing(client, admin):
    before = client.get("/v1/articles/invoice", headers=admin).json()
    broken = copy.deepcopy(NEW_ARTICLE)
    broken["variants"]["en"]["questions"] = ["only one"]
    response = client.put("/v1/articles/invoice", json=broken, headers=admin)
    assert response.status_code == 422 and "variants.en.questions" in response.json()["detail"]
    bad_id = client.put("/v1/articles/Bad%20Id", json=NEW_ARTICLE, headers=admin)
    assert bad_id.status_code == 422 and "lowercase" in bad_id.json()["detail"]
    bad_window = client.put("/v1/articles/window", headers=admin, json={
        **NEW_ARTICLE, "valid_from": "2027-01-01T00:00:00Z", "valid_until": "2026-01-01T00:00:00Z"})
    assert bad_window.status_code == 422 and "valid_until" in bad_window.json()["detail"]
    assert client.get("/v1/articles/invoice", headers=admin).json() == before
    assert client.get("/v1/articles/window", headers=admin).status_code == 404


def test_the_api_checks_an_article_with_the_knowledge_base_schema(client, admin):
    from api.schemas import ArticleIn
    from kb.models import RULES, ArticleContent

    assert issubclass(ArticleIn, ArticleContent)
    broken = copy.deepcopy(NEW_ARTICLE)
    broken["variants"]["en"]["title"] = "  "
    broken["variants"]["en"]["body"] = ""  # a field named body, deep in the request body, is named as such
    response = client.put("/v1/articles/schema-check", json=broken, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "variants.en.title", "message": RULES["title"]},
                                         {"field": "variants.en.body", "message": RULES["body"]}]


def test_bulk_import_reports_each_item(client, admin, demo_articles):
    items = [demo_articles["invoice"].as_mapping(),  # as seeded
             {**NEW_ARTICLE, "id": "import-new"},
             {**NEW_ARTICLE, "id": "import-broken", "category": ""},
             "not an article"]
    report = client.post("/v1/articles/import", json=items, headers=admin).json()
    assert (report["created"], report["updated"], report["unchanged"], report["rejected"]) == (1, 0, 1, 2)
    assert [item["status"] for item in report["items"]] == ["unchanged", "created", "rejected", "rejected"]
    assert "category" in report["items"][2]["error"]
    assert search_ids(client, admin, PARROT_QUERY)[0] == "import-new"
    lines = "\n".join([json.dumps({**NEW_ARTICLE, "id": "import-jsonl"}), "{broken", ""])
    jsonl = client.post("/v1/articles/import", content=lines.encode(), headers={
        **admin, "Content-Type": "application/x-ndjson"}).json()
    assert [item["status"] for item in jsonl["items"]] == ["created", "rejected"]
    assert "line 2" in jsonl["items"][1]["error"] and "not valid JSON" in jsonl["items"][1]["error"]
    not_a_list = client.post("/v1/articles/import", json={"id": "x"}, headers=admin)
    assert not_a_list.status_code == 422 and "JSON array" in not_a_list.json()["detail"]
    page = client.get("/v1/articles", params={"limit": 2}, headers=admin).json()
    assert page["total"] >= 4 and len(page["items"]) == 2


def test_visibility_validity_and_filters_decide_what_each_key_sees(client, services, admin, demo_articles):
    public = bearer(new_key(services, "search", tenant=TENANT))
    internal = {**NEW_ARTICLE, "visibility": "internal"}
    client.put("/v1/articles/internal-parrots", json=internal, headers=admin)
    assert "internal-parrots" in search_ids(client, admin, PARROT_QUERY)
    assert "internal-parrots" not in search_ids(client, public, PARROT_QUERY)
    assert client.get("/v1/articles/internal-parrots", headers=public).status_code == 404

    client.put("/v1/articles/draft-parrots", json={**NEW_ARTICLE, "visibility": "draft"}, headers=admin)
    expired = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    client.put("/v1/articles/expired-parrots", json={**NEW_ARTICLE, "valid_until": expired}, headers=admin)
    seen = search_ids(client, admin, PARROT_QUERY, limit=20)
    assert "draft-parrots" not in seen and "expired-parrots" not in seen

    category = demo_articles["invoice"].category
    assert set(search_ids(client, admin, PARROT_QUERY, category=category)) == {
        article_id for article_id in SEEDED if demo_articles[article_id].category == category}
    by_product = search_ids(client, admin, "where can I download my invoice", product="parrot-cage")
    assert by_product and "invoice" not in by_product
    answer = client.post("/v1/answer", headers=admin,
                         json={"query": PARROT_QUERY, "channel": "email", "tags": ["pets", "delivery"]})
    assert answer.status_code == 200 and all(
        "pets" in client.get(f"/v1/articles/{a['id']}", headers=admin).json()["tags"]
        for a in answer.json()["articles"])


def test_no_tenant_sees_another_tenants_articles(client, services, admin):
    demo_key = bearer(new_key(services, "search", "answer", "admin"))
    client.put("/v1/articles/tenant-secret", json=NEW_ARTICLE, headers=admin)
    assert "tenant-secret" not in search_ids(client, demo_key, PARROT_QUERY, limit=20)
    assert client.get("/v1/articles/tenant-secret", headers=demo_key).status_code == 404
    assert client.delete("/v1/articles/tenant-secret", headers=demo_key).status_code == 404
    assert "return-item" not in search_ids(client, admin, "how do I return an item", limit=20)
    assert "tenant-secret" not in [item["id"] for item in
                                   client.get("/v1/articles", params={"limit": 200}, headers=demo_key).json()["items"]]
    assert client.get("/v1/articles/tenant-secret", headers=admin).status_code == 200


def test_keys_are_created_listed_and_revoked_through_the_api(client, admin):
    created = client.post("/v1/keys", json={"scopes": ["search"], "name": "widget"}, headers=admin)
    assert created.status_code == 201
    secret, key_id = created.json()["key"], created.json()["id"]
    assert secret not in json.dumps(client.get("/v1/keys", headers=admin).json())
    assert client.get("/v1/search", params={"q": "invoice"}, headers=bearer(secret)).status_code == 200
    assert client.delete(f"/v1/keys/{key_id}", headers=admin).status_code == 204
    assert client.get("/v1/search", params={"q": "invoice"}, headers=bearer(secret)).status_code == 401
    assert client.delete(f"/v1/keys/{key_id}", headers=admin).status_code == 404
    refused = client.post("/v1/keys", json={"scopes": ["root"]}, headers=admin)
    assert refused.status_code == 422


def test_demo_keys_are_written_once_and_reused(tmp_path):
    settings = Settings(store_path=tmp_path / "store.sqlite3", index_dir=tmp_path / "index")
    store = create_store("sqlite", settings.store_path)
    first = demo_keys(store, settings, tmp_path / "demo-keys.json")
    assert set(first) == {"search", "answer", "admin"}
    assert json.loads((tmp_path / "demo-keys.json").read_text()) == first
    assert store.keys.find(first["admin"]).scopes == frozenset(Scope)
    assert store.keys.find(first["search"]).scopes == {Scope.SEARCH}
    assert demo_keys(store, settings, tmp_path / "demo-keys.json") == first
    assert len(store.articles.list("demo")[0]) == len(load_articles(settings.kb_dir))


def test_a_store_of_an_older_schema_is_migrated_keeping_its_keys(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    old.execute("INSERT INTO tenants VALUES ('t', '2026-01-01T00:00:00+00:00')")
    old.execute("INSERT INTO api_keys (id, tenant, hash, scopes, name, created_at) VALUES "
                "('k1', 't', ?, 'search', 'old key', '2026-01-01T00:00:00+00:00')", (key_hash("kb_old-secret"),))
    old.commit()
    old.close()
    store = create_store("sqlite", path)
    assert store.schema_version == len(MIGRATIONS) > 1
    key = store.keys.find("kb_old-secret")
    assert key.id == "k1" and key.scopes == {Scope.SEARCH} and key.rate_per_minute is None


def test_the_rate_limiter_refills_continuously():
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    decisions = [limiter.take("k", 2) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert decisions[2].retry_after_s == 30 and decisions[2].headers()["Retry-After"] == "30"
    now[0] = 30.0
    assert limiter.take("k", 2).allowed and not limiter.take("k", 2).allowed
    assert limiter.take("other", 2).allowed


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(client, services):
    limited = bearer(services.store.keys.create("demo", {Scope.SEARCH}, "limited", rate_per_minute=3)[0])
    responses = [client.get("/v1/search", params={"q": "invoice"}, headers=limited) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["2", "1", "0", "0"]
    assert responses[0].headers["X-RateLimit-Limit"] == "3"
    assert int(responses[3].headers["Retry-After"]) > 0 and "rate limit of 3" in responses[3].json()["detail"]
    unlimited = bearer(services.store.keys.create("demo", {Scope.SEARCH}, "unlimited", rate_per_minute=0)[0])
    assert "X-RateLimit-Limit" not in client.get("/v1/search", params={"q": "invoice"}, headers=unlimited).headers


def test_the_rate_limiter_charges_what_a_request_costs():
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert limiter.take("k", 10, cost=8).remaining == 2
    refused = limiter.take("k", 10, cost=4)
    assert not refused.allowed and refused.retry_after_s == 12  # 2 more requests' worth at 10 a minute
    assert limiter.take("k", 10, cost=2).allowed
    now[0] = 60.0
    assert limiter.take("k", 10, cost=50).allowed  # never more than the limit: a full bucket pays for anything


def test_a_long_text_spends_more_of_its_keys_budget_than_a_short_question(client, services):
    email = ("Hello, I ordered a winter jacket two weeks ago and it still has not arrived. The tracking page says "
             "it is in transit, but nothing has changed for five days. Could you tell me where it is? ") * 6
    email = email[:services.settings.max_query_chars]
    units = -(-services.embedder.cost(email) // services.settings.short_query_tokens)
    assert units >= 4
    limited = bearer(services.store.keys.create("demo", {Scope.SEARCH}, "weighted", rate_per_minute=units + 2)[0])
    first = client.post("/v1/answer", json={"query": email, "channel": "help_page"}, headers=limited)
    assert first.status_code == 200 and first.headers["X-RateLimit-Remaining"] == "2"
    again = client.post("/v1/answer", json={"query": email, "channel": "help_page"}, headers=limited)
    assert again.status_code == 429 and "a long text counts as several requests" in again.json()["detail"]
    short = [client.get("/v1/search", params={"q": "invoice"}, headers=limited).status_code for _ in range(2)]
    assert short == [200, 429]  # the refused long text spent one request; one short question was left


NEW_ACKNOWLEDGEMENTS = ["I am so sorry about this, and I understand why you are upset.",
                        "I'm sorry we let you down here; thank you for telling us."]


def test_a_tenant_edits_its_own_templates_checked_like_files(client, services, admin):
    page = client.get("/v1/templates", headers=admin).json()
    listed = {item["name"]: item for item in page["items"]}
    assert page["total"] == len(listed) == len(Situation) + 1
    assert len(client.get("/v1/templates", params={"offset": 2, "limit": 3}, headers=admin).json()["items"]) == 3
    assert "_frame" in listed and listed["angry_customer"] == {"name": "angry_customer", "version": 0,
                                                                "customised": False}
    patch = {"parts": {"en": {"acknowledge": NEW_ACKNOWLEDGEMENTS}}}
    changed = client.patch("/v1/templates/angry_customer", json=patch, headers=admin)
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 1 and changed.headers["ETag"] == '"1"'
    ask = {"query": "This is the third time my order is wrong!!", "channel": "chat", "situation": "angry_customer"}
    mine = client.post("/v1/answer", json=ask, headers=admin).json()
    assert mine["parts"]["acknowledgement"] in NEW_ACKNOWLEDGEMENTS
    demo = client.post("/v1/answer", json=ask, headers=bearer(new_key(services, "answer"))).json()
    assert demo["parts"]["acknowledgement"] not in NEW_ACKNOWLEDGEMENTS

    rude = client.patch("/v1/templates/angry_customer", headers=admin,
                        json={"parts": {"en": {"closing": ["Calm down, it is not a big deal.", "Bye."]}}})
    assert rude.status_code == 422 and "tone guard" in rude.json()["detail"]
    unknown = client.patch("/v1/templates/angry_customer", headers=admin,
                           json={"parts": {"en": {"closing": ["Hi {nickname}!", "Bye {customer_name}."]}}})
    assert unknown.status_code == 422 and "{nickname}" in unknown.json()["detail"]
    stale = client.patch("/v1/templates/angry_customer", json=patch, headers={**admin, "If-Match": '"0"'})
    assert stale.status_code == 409 and "current version is 1" in stale.json()["detail"]
    assert client.get("/v1/templates/angry_customer", headers=admin).json()["version"] == 1

    assert client.delete("/v1/templates/angry_customer", headers=admin).status_code == 204
    restored = client.get("/v1/templates/angry_customer", headers=admin).json()
    assert restored["version"] == 0 and not restored["customised"]
    assert client.delete("/v1/templates/angry_customer", headers=admin).status_code == 404
    assert client.get("/v1/templates/sarcasm", headers=admin).status_code == 404
    assert client.get("/v1/templates", headers=bearer(new_key(services, "answer"))).status_code == 403


def test_a_tenant_sets_its_own_reference_pattern_in_the_frame(client, services, admin):
    """The frame's references are per tenant: another shop's order numbers are found for it alone."""
    ask = {"query": "Where is my parcel ORD-7731? I ordered it last week.", "channel": "email"}
    assert client.post("/v1/answer", json=ask, headers=admin).json()["references"] == []
    bad = {"references": {"order_number": {"pattern": "ORD-(\\d{4}", "labels": {"en": ["order number"]}}}}
    refused = client.patch("/v1/templates/_frame", json=bad, headers=admin)
    assert refused.status_code == 422 and "not a valid regular expression" in refused.json()["detail"]
    mine = {"references": {"order_number": {"pattern": "\\bORD-\\d{4}\\b", "labels": {"en": ["order number"]}}}}
    assert client.patch("/v1/templates/_frame", json=mine, headers=admin).status_code == 200
    try:
        found = client.post("/v1/answer", json=ask, headers=admin).json()["references"]
        assert found == [{"kind": "order_number", "value": "ORD-7731"}]
        demo = client.post("/v1/answer", json=ask, headers=bearer(new_key(services, "answer"))).json()
        assert demo["references"] == []
    finally:
        assert client.delete("/v1/templates/_frame", headers=admin).status_code == 204


def test_the_cli_imports_a_directory_with_a_line_per_article_and_rebuilds_from_the_store(
        tmp_path, monkeypatch, capsys, demo_articles):
    kb = tmp_path / "kb"
    (kb / "articles").mkdir(parents=True)
    (kb / "articles" / "invoice.yaml").write_text(yaml.safe_dump(demo_articles["invoice"].as_mapping(),
                                                                 allow_unicode=True), encoding="utf-8")
    (kb / "articles" / "broken.yaml").write_text("id: broken\ncategory: [unclosed\n", encoding="utf-8")
    (kb / "articles.jsonl").write_text(json.dumps({**NEW_ARTICLE, "id": "parrot-pickup"}) + "\n{not json\n",
                                       encoding="utf-8")
    monkeypatch.setenv("KB_STORE_PATH", str(tmp_path / "store.sqlite3"))
    assert admin_main(["tenant", "create", "acme"]) == 0
    assert admin_main(["import", "--tenant", "acme", str(kb)]) == 1  # some items were rejected
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:5]] == ["rejected", "created", "created", "rejected"]
    assert "not valid YAML" in lines[1] and "not valid JSON" in lines[4]
    assert lines[-1].startswith("created 2, updated 0, unchanged 0, rejected 2")
    assert admin_main(["import", "--tenant", "acme", str(kb / "articles.jsonl")]) == 1
    assert "unchanged parrot-pickup" in " ".join(capsys.readouterr().out.split())

    assert indexer_main(["rebuild", "--tenant", "acme", "--store", str(tmp_path / "store.sqlite3"),
                         "--index-root", str(tmp_path / "index")]) == 0
    manifest = json.loads((tmp_path / "index" / "acme" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["articles"] == 2
    assert indexer_main(["rebuild", "--tenant", "nobody", "--store", str(tmp_path / "store.sqlite3")]) == 2


def test_a_template_timeframe_must_be_text_that_passes_the_tone_guard(client, admin):
    for timeframe, problem in (({"en": {"days": 2}}, "non-empty string"), ({"en": "100% guaranteed today"}, "tone")):
        response = client.patch("/v1/templates/farewell", json={"timeframe": timeframe}, headers=admin)
        assert response.status_code == 422 and problem in response.json()["detail"]
        assert "timeframe.en" in response.json()["detail"]


def test_a_stored_template_that_todays_rules_refuse_is_replaced_by_the_default(client, services, demo_articles,
                                                                                caplog):
    """A template stored before placeholders were checked ({customer_name:d}) must not stop its tenant."""
    services.store.ensure_tenant("old-templates")
    services.store.articles.put("old-templates", demo_articles["invoice"])
    general = copy.deepcopy(services.default_templates["general"])
    general["parts"]["en"]["closing"] = ["Anything else, {customer_name:d}?", "Can I help with more?"]
    services.store.templates.put("old-templates", "general", general)
    headers = bearer(new_key(services, "answer", tenant="old-templates"))
    answer = client.post("/v1/answer", json={"query": "how do I get an invoice", "channel": "chat", "language": "en",
                                             "situation": "general"}, headers=headers)
    assert answer.status_code == 200 and "{customer_name" not in answer.json()["text"]
    assert "old-templates: its stored template general is not valid" in caplog.text


def test_a_tenants_situation_lists_only_articles_it_has(client, admin):
    unknown = client.patch("/v1/templates/out_of_stock", headers=admin, json={"articles": ["out-of-stock", "no-such"]})
    assert unknown.status_code == 422 and "no-such" in unknown.json()["detail"]
    own = client.get("/v1/articles", headers=admin).json()["items"][0]["id"]
    known = client.patch("/v1/templates/out_of_stock", headers=admin, json={"articles": [own]})
    assert known.status_code == 200, known.text
    assert client.delete("/v1/templates/out_of_stock", headers=admin).status_code == 204
