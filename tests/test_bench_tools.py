"""The benchmark's own parts: the query mix and the HTTP load generator against a real uvicorn server.
(No timing is asserted: the figures belong to `make bench`.)"""

from __future__ import annotations

from api.bench.http_load import Call, Server, run_load, search_call
from api.bench.workload import query_mix
from kb.models import Language
from tests.helpers import free_port, new_key, server_env


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
        unauthenticated = run_load(server.port, [search_call("invoice")], 1)
        assert server.peak_rss_mb() > 100
    finally:
        server.stop()
    assert len(good.latencies_ms) == 6 and good.errors == 0 and good.requests_per_s > 0
    assert len(bad.latencies_ms) == 2 and bad.errors == 1
    assert unauthenticated.errors == 1
    assert server.process.returncode is not None


def test_the_soak_mix_has_every_kind_of_call():
    from itertools import cycle

    from api.bench.soak import CALLS_PER_ROUND, round_of_calls

    calls = round_of_calls(cycle(["invoice", "返品"]), ["a1", "a2"], 3)
    kinds = [(call.method, call.path.split("?")[0].rsplit("/", 1)[0] if "articles" in call.path
              else call.path.split("?")[0]) for call in calls]
    assert len(calls) == CALLS_PER_ROUND
    assert kinds.count(("PUT", "/v1/articles")) == 8 and kinds.count(("POST", "/v1/feedback")) >= 10
    assert {call.body["channel"] for call in calls if call.path == "/v1/answer"} == {
        "help_page", "contact_form", "chat", "chatbot", "email", "ticket"}
    assert {call.body["answer_id"] for call in calls if call.path == "/v1/feedback"} == {"a1", "a2"}
    assert kinds.count(("GET", "/v1/search")) > CALLS_PER_ROUND / 2
