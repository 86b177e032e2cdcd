"""``make soak``: minutes of mixed traffic at a fixed concurrency, reported per minute.

The traffic goes to a real server over loopback, with the demo KB in a throwaway store. It mixes
searches, answers in every channel, feedback on earlier answers and article writes. Every minute
the report gives the requests, the errors, p50/p99 and the server's RSS. Goals: 0 errors, a flat
p99, and RSS growth after the first minute (warm-up) under 5 %.

With ``--attack`` an attacker joins the same tenant with its public search key (the one every help
page shows), from ``--attack-clients`` connections: lone surrogates in JSON (escaped and as raw
bytes) and in the query string, 1,000-character help-page answers, over-long queries, bodies over
the size limit, invalid keys, a channel the key may not use, and every ``BURST_EVERY_S`` seconds a
burst of ``--burst`` long answers at once. The innocent traffic goes on and is reported apart:
its errors and 5xx (goal 0) and p50/p99 of its short searches; the attacker's 4xx, 429 and 503
are expected, any other 5xx is a failure. Goal: RSS ``--settle`` seconds after the load is within
20 % of RSS before it.

    python -m bench.soak [--minutes 5] [--clients 8] [--attack] [--attack-clients 16] [--burst 64]
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from itertools import count, cycle
from urllib.parse import quote

import numpy as np

from bench.http_load import Call, answer_call, run_load, search_call
from bench.workload import query_mix
from evals.common import print_table
from indexer.settings import DEMO_INDEX
from kb.stores import Scope
from tests.servers import Server, create_server_key, throwaway_demo_server

CHANNELS = ("help_page", "contact_form", "chat", "chatbot", "email", "ticket")
CALLS_PER_ROUND = 200
LONG_QUERY_CHARS = 1000  # KB_MAX_QUERY_CHARS: the longest query the service accepts
OVERSIZED_BODY_BYTES = 9_000_000  # over KB_MAX_BODY_BYTES (8 MB)
SURROGATE = "\ud800"
SURROGATE_UTF8 = b"\xed\xa0\x80"  # its UTF-8 bytes, which strict UTF-8 forbids
BURST_EVERY_S = 15
RSS_SAMPLE_S = 0.5
MAX_RSS_GROWTH_AFTER_ATTACK = 0.2
STATUS_CLASSES = ("2xx", "4xx", "429", "503", "5xx", "no response")


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


class AttackTexts:
    """The attacker's texts: queries of the mix, and long texts joined from them, each long one
    numbered so that no cache answers it."""

    def __init__(self):
        self.queries = cycle(text for text, _ in query_mix())
        self.serial = count(1)

    def short(self) -> str:
        return next(self.queries)

    def long(self, length: int = LONG_QUERY_CHARS) -> str:
        """A text of exactly ``length`` characters."""
        joined = str(next(self.serial))
        while len(joined) < length:
            joined += " " + next(self.queries)
        return joined[:length]


def surrogate_answer_body(text: str) -> bytes:
    """An answer request whose query starts with a lone surrogate, escaped as JSON does it (``\\ud800``)."""
    return json.dumps({"query": f"{SURROGATE} {text}", "channel": "help_page"}).encode()


@cache
def oversized_body() -> bytes:
    """An answer request over the body size limit (built once)."""
    return b'{"query": "' + b"a" * OVERSIZED_BODY_BYTES + b'", "channel": "help_page"}'


# (kind, calls per attacker round, the call); every call goes with the tenant's public search key
ATTACKS: tuple[tuple[str, int, Callable[[AttackTexts], Call]], ...] = (
    ("long help_page answer", 16, lambda texts: answer_call(texts.long(), "help_page")),
    ("surrogate escape in JSON", 4, lambda texts: Call("POST", "/v1/answer", surrogate_answer_body(texts.short()))),
    ("surrogate bytes in JSON", 2, lambda texts: Call(
        "POST", "/v1/answer", surrogate_answer_body(texts.short()).replace(b"\\ud800", SURROGATE_UTF8))),
    ("surrogate bytes in query string", 2,
     lambda texts: Call("GET", f"/v1/search?q={quote(SURROGATE_UTF8)}{quote(texts.short())}")),
    ("over-long query", 2, lambda texts: answer_call(texts.long(100 * LONG_QUERY_CHARS), "help_page")),
    ("oversized body", 1, lambda texts: Call("POST", "/v1/answer", oversized_body())),
    ("invalid key", 4, lambda texts: Call("GET", search_call(texts.short()).path,
                                          api_key=f"kb_{secrets.token_urlsafe(32)}")),
    ("channel the key may not use", 2, lambda texts: answer_call(texts.short(), "email")),
)


def attack_round(texts: AttackTexts) -> list[tuple[str, Call]]:
    """One round of the attacker: every kind of ``ATTACKS`` as often as it says, interleaved.

    Returns:
        (kind, call) pairs.
    """
    spread = sorted((i / per_round, kind, make) for kind, per_round, make in ATTACKS for i in range(per_round))
    return [(kind, make(texts)) for _, kind, make in spread]


def burst_of_calls(texts: AttackTexts, size: int) -> list[tuple[str, Call]]:
    """``size`` long help-page answers, sent at once."""
    return [("long help_page answer, burst", answer_call(texts.long(), "help_page")) for _ in range(size)]


class BackgroundLoop:
    """A daemon thread that runs ``step`` until stopped."""

    def __init__(self, name: str):
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Stop after the step in flight."""
        self.stopping.set()
        self.thread.join()

    def step(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self.stopping.is_set():
            self.step()


class Attacker(BackgroundLoop):
    """Attack rounds from ``clients`` connections, and after a round once every ``BURST_EVERY_S``
    seconds a burst of ``burst`` long answers from as many connections, until stopped.

    Args:
        port: the server's port.
        public_key: the tenant's key with the ``search`` scope only.
        clients: connections of a round.
        burst: long answers (and connections) of a burst.
    """

    def __init__(self, port: int, public_key: str, clients: int, burst: int):
        super().__init__("soak-attacker")
        self.port, self.public_key, self.clients, self.burst = port, public_key, clients, burst
        self.texts = AttackTexts()
        self.outcomes: list[tuple[str, int]] = []
        self.last_burst = time.monotonic()

    def take(self) -> list[tuple[str, int]]:
        """(kind, status) of every attacker request answered since the last call."""
        with self.lock:
            taken, self.outcomes = self.outcomes, []
        return taken

    def step(self) -> None:
        self._send(attack_round(self.texts), self.clients)
        if time.monotonic() - self.last_burst >= BURST_EVERY_S and not self.stopping.is_set():
            self._send(burst_of_calls(self.texts, self.burst), self.burst)
            self.last_burst = time.monotonic()

    def _send(self, calls: list[tuple[str, Call]], clients: int) -> None:
        result = run_load(self.port, [call for _, call in calls], clients, self.public_key)
        with self.lock:
            self.outcomes += zip([kind for kind, _ in calls], result.statuses, strict=True)


class PeakRss(BackgroundLoop):
    """Samples the server's RSS every ``RSS_SAMPLE_S``; ``take`` gives the peak since the last take."""

    def __init__(self, server: Server):
        super().__init__("soak-rss")
        self.server = server
        self.peak = 0.0

    def take(self) -> float:
        """The highest RSS (MB) sampled since the last call (or now, when none was)."""
        now = self.server.memory_mb("VmRSS")
        with self.lock:
            peak, self.peak = max(self.peak, now), 0.0
        return peak

    def step(self) -> None:
        if not self.stopping.wait(RSS_SAMPLE_S):
            rss = self.server.memory_mb("VmRSS")
            with self.lock:
                self.peak = max(self.peak, rss)


@dataclass
class Minute:
    """What one minute of the soak saw."""

    number: int
    seconds: float
    innocent: list[tuple[Call, int, float]]  # (call, status, latency in ms)
    attacker: list[tuple[str, int]]  # (kind, status)
    rss_mb: float
    peak_rss_mb: float


@dataclass
class SoakReport:
    """The minutes, and the server's RSS before the load, at its peak and ``settle_s`` after it."""

    minutes: list[Minute]
    rss_before_mb: float
    rss_peak_mb: float
    rss_after_mb: float
    settle_s: float
    attacked: bool
    failures: list[str] = field(default_factory=list)


def soak(minutes: int, clients: int, attack_clients: int = 0, burst: int = 64, settle_s: float = 15,
         log=print) -> SoakReport:
    """Run the soak.

    Args:
        minutes: how long.
        clients: connections of the innocent traffic (a key with every scope, no rate limit).
        attack_clients: connections of the attacker (0: no attacker).
        burst: long answers of each of the attacker's bursts.
        settle_s: seconds to wait after the load before RSS is read again.

    Returns:
        The report.
    """
    with throwaway_demo_server(DEMO_INDEX) as (server, key):
        attacker = None
        if attack_clients:
            public_key = create_server_key(server, {Scope.SEARCH}, "public help-page key (soak attacker)")
            attacker = Attacker(server.port, public_key, attack_clients, burst)
        return _run(server, key, minutes, clients, attacker, settle_s, log)


def _run(server: Server, key: str, minutes: int, clients: int, attacker: Attacker | None, settle_s: float,
         log) -> SoakReport:
    queries = cycle(text for text, _ in query_mix())
    answer_ids: list[str] = []
    rss_before = server.memory_mb("VmRSS")
    sampler = PeakRss(server)
    sampler.start()
    if attacker:
        attacker.start()
    rows, round_number = [], 0
    for number in range(1, minutes + 1):
        innocent: list[tuple[Call, int, float]] = []
        started = time.perf_counter()
        while time.perf_counter() - started < 60:
            round_number += 1
            calls = round_of_calls(queries, answer_ids, round_number)
            result = run_load(server.port, calls, clients, key, keep=True)
            innocent += zip(calls, result.statuses, result.latencies_ms, strict=True)
            answer_ids = [body["answer_id"] for body in result.bodies if body and "answer_id" in body][-50:]
        if attacker and number == minutes:
            attacker.stop()
        minute = Minute(number, time.perf_counter() - started, innocent, attacker.take() if attacker else [],
                        server.memory_mb("VmRSS"), sampler.take())
        rows.append(minute)
        log(progress_line(minute))
    peak = max(minute.peak_rss_mb for minute in rows)
    time.sleep(settle_s)
    sampler.stop()
    report = SoakReport(rows, rss_before, peak, server.memory_mb("VmRSS"), settle_s, attacker is not None)
    report.failures = failures(report)
    return report


def is_short_search(call: Call) -> bool:
    return call.method == "GET" and call.path.startswith("/v1/search")


def status_class(status: int) -> str:
    """One of ``STATUS_CLASSES``; 0 (no response) is ``no response``."""
    if status == 0:
        return "no response"
    if status in (429, 503):
        return str(status)
    return f"{status // 100}xx"


def percentile_ms(latencies: list[float], q: float) -> str:
    return f"{np.percentile(latencies, q):.1f}" if latencies else "-"


def innocent_row(label: str, minutes: list[Minute]) -> list:
    """Requests, rate, errors, 5xx, p50/p99 of the short searches and p99 of all, over ``minutes``."""
    outcomes = [outcome for minute in minutes for outcome in minute.innocent]
    searches = [latency for call, _, latency in outcomes if is_short_search(call)]
    seconds = sum(minute.seconds for minute in minutes)
    return [label, len(outcomes), f"{len(outcomes) / seconds:.1f}", sum(not 200 <= s < 300 for _, s, _ in outcomes),
            sum(s >= 500 for _, s, _ in outcomes), percentile_ms(searches, 50), percentile_ms(searches, 99),
            percentile_ms([latency for _, _, latency in outcomes], 99)]


def attacker_row(label: str, outcomes: list[tuple[str, int]]) -> list:
    """Requests and their count per status class."""
    classes = Counter(status_class(status) for _, status in outcomes)
    return [label, len(outcomes), *(classes[name] for name in STATUS_CLASSES)]


def progress_line(minute: Minute) -> str:
    _, requests, rate, errors, errors_5xx, p50, p99, _ = innocent_row("", [minute])
    line = (f"minute {minute.number}: {requests} requests ({rate}/s), {errors} errors ({errors_5xx} 5xx), "
            f"short searches p50 {p50} ms, p99 {p99} ms, RSS {minute.rss_mb:.1f} MB (peak {minute.peak_rss_mb:.1f})")
    if minute.attacker:
        line += f"; attacker: {len(minute.attacker)} requests, " + ", ".join(
            f"{name} {n}" for name, n in Counter(status_class(s) for _, s in minute.attacker).most_common())
    return line


def failures(report: SoakReport) -> list[str]:
    """What missed its goal: innocent errors, attacker 5xx other than 503, RSS growth."""
    missed = []
    innocent_errors = sum(not 200 <= status < 300 for minute in report.minutes for _, status, _ in minute.innocent)
    if innocent_errors:
        missed.append(f"{innocent_errors} innocent requests failed (goal 0)")
    attacker_5xx = sum(status_class(status) == "5xx" for minute in report.minutes for _, status in minute.attacker)
    if attacker_5xx:
        missed.append(f"{attacker_5xx} attacker requests got a 5xx other than 503 (bad input must be a 4xx)")
    if report.attacked:
        if report.rss_after_mb > report.rss_before_mb * (1 + MAX_RSS_GROWTH_AFTER_ATTACK):
            missed.append(f"RSS {report.settle_s:.0f} s after the load is {report.rss_after_mb:.1f} MB, over "
                          f"{MAX_RSS_GROWTH_AFTER_ATTACK:.0%} above {report.rss_before_mb:.1f} MB before it")
    elif len(report.minutes) > 1:
        growth = report.minutes[-1].rss_mb / report.minutes[0].rss_mb - 1
        if growth >= 0.05:
            missed.append(f"RSS growth after the first minute {growth:+.1%} (goal < 5 %)")
    return missed


def print_report(report: SoakReport, clients: int, attack_clients: int, burst: int) -> None:
    """The per-minute tables (innocent traffic; the attacker's, by status class and by kind) and RSS."""
    minutes = report.minutes
    print_table(f"make soak — {len(minutes)} min, {clients} clients"
                + (f", attacker with {attack_clients} connections and bursts of {burst}" if report.attacked else "")
                + ": innocent traffic",
                ["minute", "requests", "req/s", "errors", "5xx", "search p50 ms", "search p99 ms", "all p99 ms",
                 "RSS MB", "peak MB"],
                [innocent_row(str(minute.number), [minute]) + [f"{minute.rss_mb:.1f}", f"{minute.peak_rss_mb:.1f}"]
                 for minute in minutes] + [innocent_row("total", minutes) + ["", f"{report.rss_peak_mb:.1f}"]])
    if report.attacked:
        print_table("attacker (public search key): responses by status", ["minute", "requests", *STATUS_CLASSES],
                    [attacker_row(str(minute.number), minute.attacker) for minute in minutes]
                    + [attacker_row("total", [outcome for minute in minutes for outcome in minute.attacker])])
        by_kind: dict[str, Counter] = {}
        for minute in minutes:
            for kind, status in minute.attacker:
                by_kind.setdefault(kind, Counter())[status] += 1
        print_table("attacker by kind (status: count; 0 = no response)", ["kind", "requests", "statuses"],
                    [[kind, sum(statuses.values()), ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))]
                     for kind, statuses in by_kind.items()])
    change = report.rss_after_mb / report.rss_before_mb - 1
    print(f"\nRSS before the load {report.rss_before_mb:.1f} MB, peak {report.rss_peak_mb:.1f} MB, "
          f"{report.settle_s:.0f} s after it {report.rss_after_mb:.1f} MB ({change:+.1%} against before)")
    print("\n".join(f"FAILED: {failure}" for failure in report.failures) or "all goals met")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8, help="connections of the innocent traffic")
    parser.add_argument("--attack", action="store_true", help="add the attacker (the tenant's public search key)")
    parser.add_argument("--attack-clients", type=int, default=16, help="the attacker's connections (with --attack)")
    parser.add_argument("--burst", type=int, default=64,
                        help=f"long answers sent at once every {BURST_EVERY_S} s (with --attack)")
    parser.add_argument("--settle", type=float, default=15, help="seconds after the load before RSS is read again")
    args = parser.parse_args(argv)
    attack_clients = args.attack_clients if args.attack else 0
    report = soak(args.minutes, args.clients, attack_clients, args.burst, args.settle)
    print_report(report, args.clients, attack_clients, args.burst)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
