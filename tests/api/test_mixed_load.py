"""One client must never break another: against a real server, normal traffic from several clients
goes on while one client, with the tenant's public search key, sends poisoned, long, oversized and
unauthorised requests and bursts. No innocent request fails; the attacker gets 4xx (or 503 when the
long lane is full), never another 5xx; nothing it sends forges a log line."""

from __future__ import annotations

import threading

import pytest

from bench.http_load import Call, answer_call, run_load, search_call
from bench.soak import AttackTexts, attack_round, burst_of_calls
from kb.stores import Scope
from tests.servers import create_server_key, throwaway_demo_server

ROUNDS = 3
INNOCENT_QUESTIONS = ["where is my parcel", "Kur mano siuntinys?", "注文した商品がまだ届きません", "怎么开发票",
                      "I forgot my password", "Kaip grąžinti prekę?", "返品したい", "can I pay by bank transfer"]


def innocent_calls() -> list[Call]:
    calls = []
    for number, question in enumerate(INNOCENT_QUESTIONS * 5):
        calls.append(search_call(f"{question} {number}"))  # numbered: no cache answers it
        calls.append(answer_call(f"{question} {number}", ("help_page", "chat", "email")[number % 3]))
    return calls


@pytest.fixture()
def attacked_server(settings, tmp_path):
    if settings.vector_backend != "faiss":
        pytest.skip("one server over SQLite and FAISS is enough here; the pgvector replicas have tests of their own")
    log_path = tmp_path / "server.log"
    with throwaway_demo_server(settings.index_dir / settings.tenant, {"KB_LOG_LEVEL": "INFO",
                                                                      "KB_MAX_BODY_BYTES": "200000"},
                               log_path) as (server, key):
        yield server, key, log_path


def test_no_innocent_request_fails_while_one_client_attacks(attacked_server):
    server, key, log_path = attacked_server
    public_key = create_server_key(server, {Scope.SEARCH}, "help centre widget")
    innocent_key = create_server_key(server, {Scope.SEARCH, Scope.ANSWER}, "ticket system")
    texts = AttackTexts()
    attacks = [pair for _ in range(ROUNDS) for pair in [*attack_round(texts), *burst_of_calls(texts, 24)]]
    attacks.append(("forged log line", Call("GET", "/v1/x%0a2026-12-02%20FORGED%20INFO%20kb_api.requests:%20ok")))
    attacker_statuses: list[int] = []

    def attack() -> None:
        attacker_statuses.extend(run_load(server.port, [call for _, call in attacks], clients=8,
                                          api_key=public_key).statuses)

    attacker = threading.Thread(target=attack)
    attacker.start()
    innocent = run_load(server.port, innocent_calls(), clients=4, api_key=innocent_key)
    attacker.join(timeout=600)

    assert innocent.statuses == [200] * len(innocent.statuses), sorted(set(innocent.statuses))
    assert len(attacker_statuses) == len(attacks)
    by_kind: dict[str, set[int]] = {}
    for (kind, _), status in zip(attacks, attacker_statuses):
        by_kind.setdefault(kind, set()).add(status)
    assert not [status for status in attacker_statuses if status >= 500 and status != 503], by_kind
    assert by_kind["surrogate escape in JSON"] == by_kind["surrogate bytes in JSON"] == {422}
    assert by_kind["invalid key"] <= {401, 429} and by_kind["over-long query"] <= {413, 422}
    assert by_kind["oversized body"] <= {413, 0}  # refused before it is read: the client may see the close first
    log = log_path.read_text(encoding="utf-8")
    assert "/v1/x\\n2026-12-02 FORGED" in log  # the request was logged, its newline escaped
    assert not any(line.startswith("2026-12-02 FORGED") for line in log.splitlines())
    assert "Traceback" not in log
