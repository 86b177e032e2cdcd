"""The benchmark's own parts: the query mix and the HTTP load generator against a real uvicorn server.
(No timing is asserted: the figures belong to `make bench`.)"""

from __future__ import annotations

import socket

from api.bench.http_load import Call, Server, run_load, search_call
from api.bench.workload import query_mix
from kb.models import Language


def test_the_query_mix_is_distinct_deterministic_and_in_four_languages():
    mix = query_mix()
    assert len(mix) == 2200 and len(set(mix)) == len(mix)
    assert mix == query_mix()
    assert {language for _, language in mix} == set(Language)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_load_generator_counts_answers_and_errors(settings, services):
    # the session's index is current, so the server starts without building
    server = Server(free_port(), {"KB_INDEX_DIR": str(settings.index_dir)})
    assert server.start(timeout=180) > 0
    try:
        good = run_load(server.port, [search_call(q) for q in ("invoice", "返品", "kaip grąžinti prekę")] * 2, 2)
        bad = run_load(server.port, [Call("GET", "/v1/search?q=%20"), search_call("SPRING20")], 1)
        assert server.peak_rss_mb() > 100
    finally:
        server.stop()
    assert len(good.latencies_ms) == 6 and good.errors == 0 and good.requests_per_s > 0
    assert len(bad.latencies_ms) == 2 and bad.errors == 1
    assert server.process.returncode is not None
