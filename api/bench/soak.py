"""``make soak``: minutes of mixed traffic at a fixed concurrency, reported per minute.

The traffic goes to a real server over loopback, with the demo KB in a throwaway store. It mixes
searches, answers in every channel, feedback on earlier answers and article writes. Every minute
the report gives the requests, the errors, p50/p99 and the server's RSS. Goals: 0 errors, a flat
p99, and RSS growth after the first minute (warm-up) under 5 %.

    python -m api.bench.soak [--minutes 5] [--clients 8]
"""

from __future__ import annotations

import argparse
import sys
import time
from itertools import cycle

from api.bench.http_load import Call, Server, answer_call, run_load, search_call, throwaway_demo_server
from api.bench.workload import query_mix
from indexer.settings import PROJECT_ROOT

CHANNELS = ("help_page", "contact_form", "chat", "chatbot", "email", "ticket")
DEMO_INDEX = PROJECT_ROOT / "build" / "index" / "demo"
CALLS_PER_ROUND = 200


def article_call(number: int) -> Call:
    """A write of one of ten soak articles, its text changing with ``number``."""
    return Call("PUT", f"/v1/articles/soak-{number % 10}", {"category": "soak", "tags": ["soak"], "variants": {"en": {
        "title": f"Soak article {number % 10}, revision {number}", "summary": f"Revision {number} of a soak article.",
        "body": f"This text changes with every write ({number}).",
        "questions": [f"soak question {number} a", f"soak question {number} b", f"soak question {number} c"]}}})


def round_of_calls(queries, answer_ids: list[str], round_number: int) -> list[Call]:
    """About 55 % searches, 35 % answers over every channel, 8 % feedback, 2 % article writes."""
    calls = []
    channels = cycle(CHANNELS)
    rated = cycle(answer_ids)
    for i in range(CALLS_PER_ROUND):
        text = next(queries)
        if i % 50 in (0, 25):
            calls.append(article_call(round_number * 2 + (i % 50 == 25)))
        elif i % 12 == 1 and answer_ids:
            calls.append(Call("POST", "/v1/feedback", {"answer_id": next(rated),
                                                       "helpful": i % 3 != 0, "resolved": i % 2 == 0}))
        elif i % 3 == 0:
            calls.append(answer_call(text, next(channels)))
        else:
            calls.append(search_call(text))
    return calls


def soak(minutes: float, clients: int, log=print) -> list[dict]:
    """Run the soak; returns one row per minute."""
    with throwaway_demo_server(DEMO_INDEX) as (server, key):
        return _minutes(server, key, minutes, clients, log)


def _minutes(server: Server, key: str, minutes: float, clients: int, log) -> list[dict]:
    queries = cycle(text for text, _ in query_mix())
    answer_ids: list[str] = []
    rows, round_number = [], 0
    for minute in range(1, int(minutes) + 1):
        latencies, errors, requests = [], 0, 0
        started = time.perf_counter()
        while time.perf_counter() - started < 60:
            round_number += 1
            result = run_load(server.port, round_of_calls(queries, answer_ids, round_number), clients, key, keep=True)
            latencies += result.latencies_ms
            errors += result.errors
            requests += len(result.latencies_ms)
            answer_ids = [body["answer_id"] for body in result.bodies if body and "answer_id" in body][-50:]
        seconds = time.perf_counter() - started
        latencies.sort()
        row = {"minute": minute, "requests": requests, "req_per_s": round(requests / seconds, 1), "errors": errors,
               "p50_ms": round(latencies[len(latencies) // 2], 1),
               "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
               "rss_mb": round(server.memory_mb("VmRSS"), 1)}
        rows.append(row)
        log(f"minute {minute}: {row['requests']} requests ({row['req_per_s']}/s), {errors} errors, "
            f"p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms, RSS {row['rss_mb']} MB")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args(argv)
    rows = soak(args.minutes, args.clients)
    errors = sum(row["errors"] for row in rows)
    growth = (rows[-1]["rss_mb"] - rows[0]["rss_mb"]) / rows[0]["rss_mb"] * 100 if len(rows) > 1 else 0.0
    print(f"\nmake soak — {args.minutes} min, {args.clients} clients: {sum(r['requests'] for r in rows)} requests, "
          f"{errors} errors; p99 per minute {', '.join(str(r['p99_ms']) for r in rows)} ms; "
          f"RSS growth after the first minute {growth:+.1f} % (goal < 5 %)")
    return 0 if errors == 0 and growth < 5 else 1


if __name__ == "__main__":
    sys.exit(main())
