"""An operator's and a hostile client's inputs beside the bad-input catalogue: the admin CLI checks
what the HTTP API checks (one model, one tenant-name rule), key limits hold for both, invalid keys
are rate limited per client address, and the SQLite store is private to its owner."""

from __future__ import annotations

import os
import sqlite3

import pytest
from fastapi.testclient import TestClient

from api.admin import main as admin_main
from api.main import create_app
from api.ratelimit import RateLimiter
from kb.stores import InvalidTenantNameError, KeyQuota, KeyQuotaExceeded, Scope, create_store
from kb.stores.base import key_hash
from kb.stores.sql import MIGRATIONS
from tests.helpers import bearer, new_key

BAD_TENANT_NAMES = ["../escape-x", "", "Bad Name", "-leading-hyphen", "x" * 64, "demo\n", "grąžinimai"]


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Runs ``python -m api.admin`` on a store of its own; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("KB_STORE_PATH", str(tmp_path / "store.sqlite3"))
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "index"))

    def run(*argv: str) -> tuple[int, str, str]:
        code = admin_main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def assert_one_error_line(err: str, *words: str) -> None:
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err


@pytest.mark.parametrize("name", BAD_TENANT_NAMES)
def test_the_cli_refuses_a_tenant_name_the_rule_refuses(cli, tmp_path, name):
    code, _, err = cli("tenant", "create", "--", name)  # "--": a name may start with a hyphen
    assert code == 2
    assert_one_error_line(err, "tenant name", "lowercase letters")
    assert create_store("sqlite", tmp_path / "store.sqlite3").tenants() == []
    assert not (tmp_path / "escape-x").exists()
    assert cli("keys", "create", f"--tenant={name}", "--scopes", "search")[0] == 2


def test_the_cli_checks_a_new_key_as_the_http_api_does(cli, client, tmp_path):
    assert cli("tenant", "create", "acme")[0] == 0
    for options, words in ((["--scopes", ","], ["--scopes", "'search', 'answer' or 'admin'"]),
                           (["--scopes", "search", "--rate", "-5"], ["--rate", "greater than or equal to 0"]),
                           (["--scopes", "search", "--rate", str(2**64)], ["--rate", "less than or equal to 1000000"]),
                           (["--scopes", "search", "--name", "n" * 101], ["--name", "at most 100 characters"])):
        code, _, err = cli("keys", "create", "--tenant", "acme", *options)
        assert code == 2
        assert_one_error_line(err, *words)
    assert create_store("sqlite", tmp_path / "store.sqlite3").keys.list("acme") == []
    # the same words as the HTTP API's 422: one model checks both
    refused = client.post("/v1/keys", json={"scopes": ["search"], "rate_per_minute": -5})
    assert refused.status_code == 422 and "greater than or equal to 0" in refused.json()["detail"]
    code, out, _ = cli("keys", "create", "--tenant", "acme", "--scopes", "search, answer", "--rate", "1000000")
    assert code == 0 and "scopes answer, search" in out


def test_the_cli_sets_the_article_url_pattern_as_the_http_api_does(cli):
    assert cli("tenant", "create", "acme")[0] == 0
    code, _, err = cli("tenant", "links", "acme", "https://help.acme.example/articles")
    assert code == 2
    assert_one_error_line(err, "article_url", "must hold {id}")
    code, out, _ = cli("tenant", "links", "acme", "https://help.acme.example/{language}/{id}")
    assert code == 0 and out == "tenant acme links articles to https://help.acme.example/{language}/{id}\n"
    assert cli("tenant", "links", "acme", "--clear")[1] == "tenant acme links articles to nothing (answers carry no URL)\n"


def test_the_cli_keeps_to_the_operators_key_limits(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("KB_MAX_KEYS_PER_TENANT", "2")
    monkeypatch.setenv("KB_MAX_UNLIMITED_KEYS_PER_TENANT", "1")
    cli("tenant", "create", "acme")
    assert cli("keys", "create", "--tenant", "acme", "--scopes", "search", "--rate", "0")[0] == 0
    code, _, err = cli("keys", "create", "--tenant", "acme", "--scopes", "search", "--rate", "0")
    assert code == 2
    assert_one_error_line(err, "limit of live keys without a rate limit (1)", "KB_MAX_UNLIMITED_KEYS_PER_TENANT")
    assert cli("keys", "create", "--tenant", "acme", "--scopes", "search")[0] == 0
    code, _, err = cli("keys", "create", "--tenant", "acme", "--scopes", "search")
    assert code == 2
    assert_one_error_line(err, "limit of live keys (2)", "KB_MAX_KEYS_PER_TENANT")
    revoked = create_store("sqlite", tmp_path / "store.sqlite3").keys.list("acme")[0]
    assert cli("keys", "revoke", "--tenant", "acme", revoked.id)[0] == 0
    assert cli("keys", "create", "--tenant", "acme", "--scopes", "search", "--rate", "0")[0] == 0  # revoked: not counted


def test_a_cli_import_line_nested_too_deep_is_rejected_not_a_traceback(cli, tmp_path):
    lines = tmp_path / "deep.jsonl"
    lines.write_text("[" * 1000 + "]" * 1000 + "\n", encoding="utf-8")
    cli("tenant", "create", "acme")
    code, out, err = cli("import", "--tenant", "acme", str(lines))
    assert code == 1 and "rejected" in out and "not valid JSON" in out and "Traceback" not in err


@pytest.fixture()
def store(open_store):
    """A fresh store on each engine."""
    return open_store()


@pytest.mark.parametrize("name", BAD_TENANT_NAMES)
def test_no_store_creates_a_tenant_the_rule_refuses(store, name):
    with pytest.raises(InvalidTenantNameError, match="lowercase letters"):
        store.ensure_tenant(name)
    assert store.tenants() == []


def test_a_stores_key_quota_counts_live_keys_only(store):
    store.ensure_tenant("t")
    quota = KeyQuota(keys=3, unlimited_keys=1)
    store.keys.create("t", {Scope.SEARCH}, rate_per_minute=0, quota=quota)
    with pytest.raises(KeyQuotaExceeded) as refused:
        store.keys.create("t", {Scope.SEARCH}, rate_per_minute=0, quota=quota)
    assert refused.value.unlimited and refused.value.limit == 1
    _, limited = store.keys.create("t", {Scope.SEARCH}, rate_per_minute=10, quota=quota)
    store.keys.create("t", {Scope.SEARCH}, quota=quota)
    with pytest.raises(KeyQuotaExceeded) as refused:
        store.keys.create("t", {Scope.SEARCH}, quota=quota)
    assert not refused.value.unlimited and "limit of live keys (3)" in str(refused.value)
    store.keys.revoke("t", limited.id)
    store.keys.create("t", {Scope.SEARCH}, quota=quota)
    assert len([key for key in store.keys.list("t") if key.revoked_at is None]) == 3


def test_a_key_stored_with_a_negative_rate_takes_the_default_after_migration(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(";".join(MIGRATIONS[:6]) + "; PRAGMA user_version = 6;")
    old.execute("INSERT INTO tenants VALUES ('t', '2026-01-01T00:00:00+00:00')")
    old.execute("INSERT INTO api_keys (id, tenant, hash, scopes, name, created_at, rate_per_minute) VALUES "
                "('k1', 't', ?, 'search', 'made with --rate -5', '2026-01-01T00:00:00+00:00', -5)",
                (key_hash("kb_negative"),))
    old.commit()
    old.close()
    assert create_store("sqlite", path).keys.find("kb_negative").rate_per_minute is None


def test_the_sqlite_store_and_its_wal_files_are_private_to_their_owner(tmp_path):
    umask = os.umask(0o022)  # a usual umask, which alone would make them readable by everyone
    try:
        store = create_store("sqlite", tmp_path / "store.sqlite3")
        store.ensure_tenant("t")
        store.keys.create("t", {Scope.SEARCH})
        files = sorted(tmp_path.glob("store.sqlite3*"))
        assert [file.name for file in files] == ["store.sqlite3", "store.sqlite3-shm", "store.sqlite3-wal"]
        assert {oct(file.stat().st_mode & 0o777) for file in files} == {"0o600"}
        store.close()
    finally:
        os.umask(umask)


def test_the_rate_limiter_never_tells_a_client_to_retry_in_the_past():
    with pytest.raises(ValueError, match="at least 1"):
        RateLimiter().take("k", -5)
    limiter = RateLimiter(clock=lambda: 0.0)
    for per_minute in (1, 7, 60, 1000):
        refused = [decision for decision in (limiter.take(f"k{per_minute}", per_minute)
                                             for _ in range(per_minute + 1)) if not decision.allowed]
        assert len(refused) == 1 and refused[0].retry_after_s >= 1


def test_the_rate_limiter_forgets_buckets_idle_for_a_minute():
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    for address in range(1000):
        limiter.take(f"address-{address}", 20)
    assert len(limiter) == 1000
    now[0] = 61.0
    assert limiter.take("address-0", 20).remaining == 19  # a full bucket again, as if new
    assert len(limiter) == 1


@pytest.fixture(scope="module")
def stranger(settings, services):
    """The API called from an address of its own (so its invalid keys count against it alone)."""
    with TestClient(create_app(settings, services), client=("203.0.113.7", 50000)) as test_client:
        yield test_client


def test_the_bearer_scheme_is_case_insensitive(stranger, services):
    secret = new_key(services, "search")
    for header in (f"Bearer {secret}", f"bearer {secret}", f"BEARER {secret}", f"bEaReR   {secret} "):
        response = stranger.get("/v1/search", params={"q": "invoice"}, headers={"Authorization": header})
        assert response.status_code == 200, header
    for header in ("Bearer", "Bearer ", f"Basic {secret}", f"Bearer{secret}"):
        response = stranger.get("/v1/search", params={"q": "invoice"}, headers={"Authorization": header})
        assert response.status_code == 401 and "missing API key" in response.json()["detail"], header


def test_invalid_keys_from_one_address_are_rate_limited_and_valid_keys_are_not(stranger, client, services):
    limit = services.settings.failed_auth_per_minute
    search = {"params": {"q": "invoice"}}
    guesses = [stranger.get("/v1/search", **search, headers=bearer(f"kb_guess-{n}")) for n in range(limit + 1)]
    assert [r.status_code for r in guesses] == [401] * limit + [429]
    refused = guesses[-1]
    assert int(refused.headers["Retry-After"]) >= 1
    assert f"more than {limit} invalid or revoked API keys a minute" in refused.json()["detail"]
    assert stranger.get("/v1/search", **search, headers=bearer(new_key(services, "search"))).status_code == 200
    assert client.get("/v1/search", **search, headers=bearer("kb_another-address")).status_code == 401


def test_the_api_keeps_to_the_operators_key_limits(client, services, monkeypatch):
    services.store.ensure_tenant("key-limits")
    admin = bearer(new_key(services, "admin", tenant="key-limits"))
    monkeypatch.setattr(services.settings, "max_keys_per_tenant", 4)
    monkeypatch.setattr(services.settings, "max_unlimited_keys_per_tenant", 1)
    assert client.post("/v1/keys", json={"scopes": ["search"], "rate_per_minute": 0}, headers=admin).status_code == 201
    unlimited = client.post("/v1/keys", json={"scopes": ["search"], "rate_per_minute": 0}, headers=admin)
    assert unlimited.status_code == 409
    assert "KB_MAX_UNLIMITED_KEYS_PER_TENANT" in unlimited.json()["detail"]
    for _ in range(2):
        assert client.post("/v1/keys", json={"scopes": ["search"]}, headers=admin).status_code == 201
    refused = client.post("/v1/keys", json={"scopes": ["search"]}, headers=admin)
    assert refused.status_code == 409
    assert "limit of live keys (4)" in refused.json()["detail"]
    assert "KB_MAX_KEYS_PER_TENANT" in refused.json()["detail"]


def test_an_import_line_nested_too_deep_is_a_rejected_item(client):
    lines = '{"id": "fine-but-incomplete"}\n' + "[" * 1000 + "]" * 1000 + "\n"
    response = client.post("/v1/articles/import", content=lines.encode(),
                           headers={"Content-Type": "application/x-ndjson"})
    assert response.status_code == 200
    report = response.json()
    assert report["rejected"] == 2 and "nested too deeply" in report["items"][1]["error"]
