"""The benchmark's own parts: the query mix and the HTTP load generator against a real uvicorn server.
(No timing is asserted: the figures belong to `make bench`.)"""

from __future__ import annotations

import json

from bench.http_load import Call, run_load, search_call
from bench.workload import query_mix
from kb.models import Language
from tests.helpers import new_key, server_env
from tests.servers import Server, free_port


def test_the_query_mix_is_distinct_deterministic_and_in_four_languages():
    mix = query_mix()
    assert len(mix) == 2200 and len(set(mix)) == len(mix)
    assert mix == query_mix()
    assert {language for _, language in mix} == set(Language)


def test_the_load_generator_counts_answers_and_errors(settings, services):
    # the session's store and index are current, so the server starts without building
    server = Server(free_port(), server_env(settings))
    key = new_key(services, "search")
    assert server.start(timeout=180) > 0
    try:
        good = run_load(server.port, [search_call(q) for q in ("invoice", "返品", "kaip grąžinti prekę")] * 2, 2, key)
        bad = run_load(server.port, [Call("GET", "/v1/search?q=%20"), search_call("SPRING20")], 1, key)
        raw_and_other_key = run_load(server.port, [
            Call("POST", "/v1/answer", b'{"query": "invoice", "channel": "help_page"}'),
            Call("GET", "/v1/search?q=invoice", api_key="kb_not_a_key"), search_call("invoice")], 3, key)
        unauthenticated = run_load(server.port, [search_call("invoice")], 1)
        assert server.peak_rss_mb() > 100
    finally:
        server.stop()
    assert len(good.latencies_ms) == 6 and good.errors == 0 and good.requests_per_s > 0
    assert bad.statuses == [422, 200] and bad.errors == 1
    assert raw_and_other_key.statuses == [200, 401, 200]  # in the order of the calls
    assert unauthenticated.errors == 1
    assert server.process.returncode is not None


def test_the_soak_mix_has_every_kind_of_call():
    from itertools import cycle

    from bench.soak import CALLS_PER_ROUND, round_of_calls

    calls = round_of_calls(cycle(["invoice", "返品"]), ["a1", "a2"], 3)
    kinds = [(call.method, call.path.split("?")[0].rsplit("/", 1)[0] if "articles" in call.path
              else call.path.split("?")[0]) for call in calls]
    assert len(calls) == CALLS_PER_ROUND
    assert kinds.count(("PUT", "/v1/articles")) == 8 and kinds.count(("POST", "/v1/feedback")) >= 10
    assert {call.body["channel"] for call in calls if call.path == "/v1/answer"} == {
        "help_page", "contact_form", "chat", "chatbot", "email", "ticket"}
    assert {call.body["answer_id"] for call in calls if call.path == "/v1/feedback"} == {"a1", "a2"}
    assert kinds.count(("GET", "/v1/search")) > CALLS_PER_ROUND / 2


def test_the_attack_round_has_every_kind_of_bad_and_long_request():
    from bench.soak import ATTACKS, LONG_QUERY_CHARS, OVERSIZED_BODY_BYTES, AttackTexts, attack_round, burst_of_calls

    texts = AttackTexts()
    calls = attack_round(texts)
    by_kind: dict[str, list[Call]] = {}
    for kind, call in calls:
        by_kind.setdefault(kind, []).append(call)
    assert {kind: len(calls) for kind, calls in by_kind.items()} == {kind: n for kind, n, _ in ATTACKS}
    long = by_kind["long help_page answer"] + [call for _, call in burst_of_calls(texts, 3)]
    assert {(len(call.body["query"]), call.body["channel"]) for call in long} == {(LONG_QUERY_CHARS, "help_page")}
    assert len({call.body["query"] for call in long}) == len(long)  # no cache can answer them
    assert all(json.loads(call.body)["query"].startswith("\ud800") for call in by_kind["surrogate escape in JSON"])
    assert all(b'"\xed\xa0\x80 ' in call.body for call in by_kind["surrogate bytes in JSON"])
    assert all(call.path.startswith("/v1/search?q=%ED%A0%80") for call in by_kind["surrogate bytes in query string"])
    assert all(len(call.body["query"]) > LONG_QUERY_CHARS for call in by_kind["over-long query"])
    assert all(len(call.body) > OVERSIZED_BODY_BYTES for call in by_kind["oversized body"])
    invalid_keys = {call.api_key for call in by_kind["invalid key"]}
    assert len(invalid_keys) == len(by_kind["invalid key"]) and None not in invalid_keys
    assert all(call.api_key is None for kind, call in calls if kind != "invalid key")  # the run's public key
    assert {call.body["channel"] for call in by_kind["channel the key may not use"]} == {"email"}


def test_the_soak_report_keeps_innocent_failures_apart_from_the_attackers_expected_ones():
    from bench.soak import Minute, SoakReport, failures, innocent_row, status_class

    search, write = search_call("invoice"), Call("PUT", "/v1/articles/soak-1", {})
    minute = Minute(1, 60.0, [(search, 200, 10.0), (search, 200, 20.0), (write, 500, 5000.0), (search, 0, 30.0)],
                    [("invalid key", 401), ("invalid key", 429), ("long help_page answer", 503)], 900.0, 950.0)
    # requests, req/s, errors, 5xx, p50 and p99 of the searches alone, p99 of all
    assert innocent_row("1", [minute]) == ["1", 4, "0.1", 2, 1, "20.0", "29.8", "4850.9"]
    assert [status_class(status) for status in (200, 204, 401, 413, 429, 503, 500, 0)] == [
        "2xx", "2xx", "4xx", "4xx", "429", "503", "5xx", "no response"]
    calm = SoakReport([minute], 800.0, 950.0, 900.0, 15, attacked=True)
    assert failures(calm) == ["2 innocent requests failed (goal 0)"]
    minute.attacker.append(("surrogate escape in JSON", 500))
    swollen = SoakReport([minute], 800.0, 950.0, 990.0, 15, attacked=True)
    assert failures(swollen)[1:] == [
        "1 attacker requests got a 5xx other than 503 (bad input must be a 4xx)",
        "RSS 15 s after the load is 990.0 MB, over 20% above 800.0 MB before it"]
