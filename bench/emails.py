"""``python -m bench.emails``: whole customer emails through ``POST /v1/answer``, against the floor.

The floor is the one of ``make bench``: one short query encoded in-process plus the index search (here
on the demo index the server under test serves), the median of 200 queries before the server starts
and 200 after it stopped. A few floor queries also follow each one-client HTTP call (the server idle
then): the "paired" ratio is the median over calls of the call's time over the floor taken right after
it, which slow changes in what else runs on a shared machine touch less (the run also reports the
cores other processes took). Over loopback HTTP against a real server on the demo KB (a throwaway
store):

* a short chat question, one client;
* the four bench emails of ``tests/data/emails/bench.yaml`` (en and lt about 2,500 characters of the
  customer's own text in four paragraphs, ja and zh the same content in about 1,000), with greeting,
  signature and a quoted earlier reply, one client, cold: every variant sent has new numbers and
  dates in every sentence, so no segment is in the server's caches (checked before the run); after
  the first calls of each, the encoder alone on the same texts in-process (the email's own floor);
* the same emails repeated (every segment cached: what is left is reading the message, the searches'
  cache hits and composing the reply);
* growth: the English email at 4, 8 and 16 paragraphs (about 2,500, 5,000 and 10,000 characters),
  one client, cold, in milliseconds per 1,000 characters, per text embedded and per 100 tokens;
* ``--clients`` concurrent email clients (the four emails in turn, cold): errors by status, p50,
  p99, throughput and the server's RSS before and after.

Prints a table and writes ``build/bench/emails.json``. Timings on a shared 2-core machine are noisy;
compare the ratios to the floor, not single runs, and only runs where other processes took ~0 cores.

    python -m bench.emails [--reps 30] [--growth-reps 15] [--clients 16] [--calls 160] [--env KB_X=1]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import cycle
from pathlib import Path

import faiss
import numpy as np
import yaml

from api import pipeline
from api.schemas import AnswerRequest
from bench.http_load import Call, LoadResult, answer_call, run_load, search_call
from bench.workload import BENCH_DIR, query_mix
from indexer.encoders import DEFAULT_ENCODER, create_encoder
from indexer.search import ArticleIndex
from indexer.settings import DEMO_INDEX, DEMO_KB, PROJECT_ROOT
from kb.loader import load_articles
from tests.servers import throwaway_demo_server

EMAILS = PROJECT_ROOT / "tests" / "data" / "emails" / "bench.yaml"
RESULTS = BENCH_DIR / "emails.json"
THREADS = 2
LANGUAGES = ("en", "lt", "ja", "zh")
GROWTH = (1, 2, 4)  # the English email at 4, 8 and 16 paragraphs
GOAL = 6.0  # a four-paragraph email at p50 ≤ 6 × the floor
SEED = 20261202
SLOT = re.compile(r"\{(order|date|time|eur|n4)(?::(\w+))?\}")
# Each slot's values: a range of integers (a day of 2026, a minute of 8:00-21:59, ...); the most variants one
# email family can have is the smallest range (365 days).
RANGES = {"order": range(100_000, 1_000_000), "date": range(365), "time": range(8 * 60, 22 * 60),
          "eur": range(12, 400), "n4": range(1000, 10_000)}
MAX_VARIANTS = min(len(values) for values in RANGES.values())
PAUSE_S = 0.02
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def format_slot(kind: str, value: int, language: str) -> str:
    if kind == "order":
        return f"BC-{value}"
    if kind == "time":
        return f"{value // 60}:{value % 60:02d}"
    if kind == "date":
        day = date(2026, 1, 1) + timedelta(days=value)
        return {"en": f"{day.day} {MONTHS[day.month - 1]}", "lt": day.isoformat()}.get(
            language, f"{day.month}月{day.day}日")
    return str(value)


@dataclass
class Family:
    """One bench email and its variants: each variant fills every slot with a value no earlier variant
    of the family had in that place, so each of its sentences is new text.

    Args:
        language: en, lt, ja or zh.
        spec: the email's entry in ``bench.yaml``.
    """

    language: str
    spec: dict
    sent: int = 0
    values: dict = field(default_factory=dict)

    def __post_init__(self):
        self.paragraphs = [*self.spec["paragraphs"], *self.spec.get("more", [])]

    def next(self, paragraphs: int = 4) -> tuple[str, str]:
        """The next variant with the first ``paragraphs`` paragraphs.

        Returns:
            The message body (greeting, paragraphs, signature, quoted reply) and its subject.
        """
        if self.sent >= MAX_VARIANTS:
            raise ValueError(f"more than {MAX_VARIANTS} variants of the {self.language} email")
        if paragraphs > len(self.paragraphs):
            raise ValueError(f"the {self.language} email has only {len(self.paragraphs)} paragraphs")
        variant, self.sent = self.sent, self.sent + 1
        places = iter(range(10**6))  # an unlabelled slot's key is its place in the family's text

        def fill(match: re.Match) -> str:
            kind, label = match.groups()
            key = (kind, label or next(places))
            if key not in self.values:  # the same permutation of the slot's values for every variant
                stream = random.Random(f"{SEED}/{self.language}/{key}")
                self.values[key] = stream.sample(RANGES[kind], MAX_VARIANTS)
            return format_slot(kind, self.values[key][variant], self.language)

        subject = SLOT.sub(fill, self.spec["subject"])
        own = [SLOT.sub(fill, paragraph) for paragraph in self.paragraphs]
        body = "\n\n".join([self.spec["greeting"], *own[:paragraphs], self.spec["signature"], self.spec["quote"]])
        return body, subject


def email_call(body: str, subject: str) -> Call:
    return Call("POST", "/v1/answer", {"query": body, "channel": "email", "subject": subject})


@dataclass(frozen=True)
class Reading:
    """What the server reads of a message: its size, the customer's own text, and the texts it embeds."""

    chars: int
    own_chars: int
    texts: list[str]
    tokens: int


def reader(encoder):
    """``api.pipeline.read`` as the server calls it, with this process's tokenizer for the costs."""

    def read(call: Call) -> Reading:
        reading = pipeline.read(AnswerRequest(**call.body).to_message(), encoder.count_tokens)
        return Reading(len(call.body["query"]), len(reading.message.text),
                       [segment.text for segment in reading.searched], reading.tokens)
    return read


@dataclass
class Plan:
    """Every call of the run, built (and read) before the server starts; groups of calls by name."""

    warm_up: list[Call]
    cold: dict[str, list[Call]]  # per language (en, lt, ja, zh), the four-paragraph email
    warm: dict[str, list[Call]]  # per language, one variant of ``cold`` sent again and again
    growth: dict[str, list[Call]]  # "en×1", "en×2", "en×4": the English email at 4, 8 and 16 paragraphs
    concurrent: list[Call]
    readings: dict[str, list[Reading]] = field(default_factory=dict)  # of each call of cold and growth


def make_plan(emails: dict, reps: int, growth_reps: int, warm_reps: int, calls: int, paragraphs: int = 4) -> Plan:
    """The run's calls; the concurrent ones are the four emails in turn, or with ``paragraphs`` over 4 the
    English one that long."""
    families = {language: Family(language, emails[language]) for language in LANGUAGES}
    warm_up = [email_call(*families[language].next()) for language in LANGUAGES for _ in range(2)]
    warm_up += [email_call(*families["en"].next(4 * size)) for size in GROWTH[1:]]
    cold = {language: [email_call(*families[language].next()) for _ in range(reps)] for language in LANGUAGES}
    warm = {language: [cold[language][0]] * warm_reps for language in LANGUAGES}
    growth = {f"en×{size}": [email_call(*families["en"].next(4 * size)) for _ in range(growth_reps)]
              for size in GROWTH}
    concurrent = [email_call(*families[LANGUAGES[i % len(LANGUAGES)]].next()) if paragraphs == 4
                  else email_call(*families["en"].next(paragraphs)) for i in range(calls)]
    return Plan(warm_up, cold, warm, growth, concurrent)


def check_cold(plan: Plan, read) -> None:
    """Read every call as the server will; fail when a text embedded by one cold call is also embedded
    by another (it would be a cache hit, not the cold path the bench claims to measure)."""
    seen: Counter = Counter()
    cold_calls = [*plan.warm_up, *[c for calls in [*plan.cold.values(), *plan.growth.values()] for c in calls],
                  *plan.concurrent]
    readings = {id(call): read(call) for call in cold_calls}
    for call in cold_calls:
        seen.update(set(readings[id(call)].texts))
    repeated = [text for text, times in seen.items() if times > 1]
    if repeated:
        raise ValueError(f"{len(repeated)} texts are embedded by more than one cold call, e.g. {repeated[0]!r}: "
                         "give that sentence a slot in bench.yaml")
    for name, calls in [*plan.cold.items(), *plan.growth.items()]:
        plan.readings[name] = [readings[id(call)] for call in calls]


def timed_ms(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return (time.perf_counter() - started) * 1000


class Probe:
    """In-process work done between the one-client HTTP calls (the server idle), so that its medians and the
    calls' share their time window on a shared machine: the floor (one short query encoded plus the index
    search, as ``make bench``'s), and the encoder alone on an email's texts (the email's own floor).

    Args:
        index: the demo index the server serves too.
        encoder: the server's model, in this process.
        queries: short queries with their language.
        per_call: floor queries after each call.
    """

    def __init__(self, index: ArticleIndex, encoder, queries: list, per_call: int = 3):
        self.index = index
        self.encoder = encoder
        self.queries = cycle(queries)
        self.per_call = per_call
        self.floor_ms: list[float] = []

    def floor_once(self) -> float:
        text, language = next(self.queries)
        return timed_ms(lambda: self.index.search(text, 5, self.encoder.encode_queries([text])[0], language))

    def floor(self, count: int | None = None) -> list[float]:
        """``count`` (or ``per_call``) floor samples, also kept in ``floor_ms``."""
        samples = [self.floor_once() for _ in range(count or self.per_call)]
        self.floor_ms += samples
        return samples

    def encode(self, texts: list[str]) -> float:
        """The encoder alone on ``texts``, in batches of up to 32 (as the server's short lane takes them)."""
        return timed_ms(self.encoder.encode_queries, texts, 32)


def interleaved(groups: dict) -> list[tuple[str, int, Call]]:
    """The calls of every group taken in turn (so slow drift of a shared machine hits each alike), each with
    its group and its place in the group."""
    return [(name, place, call) for place, round_ in enumerate(zip(*groups.values()))
            for name, call in zip(groups, round_)]


@dataclass
class Group:
    """A group's one-client calls, and for each the floor right after it (the median of the probe's samples)
    and, for the first calls, the encoder alone on its texts."""

    run: LoadResult
    floors: list[float]
    encode: list[float]

    def paired(self, reference: list[float]) -> float:
        """The median over calls of latency / ``reference`` (the floor or the encoder after the same call):
        a ratio that slow changes in the machine's other load touch less than p50 / a run-wide median."""
        return statistics.median(ms / ref for ms, ref in zip(self.run.latencies_ms, reference))


def sequential(port: int, key: str, groups: dict[str, list[Call]], probe: Probe,
               readings: dict[str, list[Reading]] | None = None, paired: int = 0) -> dict[str, Group]:
    """One client on one keep-alive connection sends the groups' calls in turn; after each, the probe takes
    floor samples, and for the first ``paired`` calls of each group times the encoder alone on the call's
    texts (``readings``)."""
    results = {name: ([], [], [], [], [], []) for name in groups}  # latencies, seconds, statuses, bodies, floors, encode
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    try:
        for name, place, call in interleaved(groups):
            latencies, seconds, statuses, bodies, floors, encode = results[name]
            started = time.perf_counter()
            connection.request(call.method, call.path, body=json.dumps(call.body).encode(), headers=headers)
            response = connection.getresponse()
            payload = response.read()
            elapsed = time.perf_counter() - started
            latencies.append(elapsed * 1000)
            seconds.append(elapsed)
            statuses.append(response.status)
            bodies.append(json.loads(payload) if response.status == 200 else None)
            time.sleep(PAUSE_S)  # the server's encoder threads stop spinning before the probe's start
            floors.append(statistics.median(probe.floor()))
            if readings and place < paired:
                encode.append(probe.encode(readings[name][place].texts))
            time.sleep(PAUSE_S)  # and the probe's before the next call
    finally:
        connection.close()
    return {name: Group(LoadResult(latencies, sum(seconds), statuses, bodies), floors, encode)
            for name, (latencies, seconds, statuses, bodies, floors, encode) in results.items()}


def figures(run: LoadResult | Group, floor: float) -> dict:
    """Percentiles, throughput and errors of a run, and p50 over the run's floor (for a one-client group
    also the paired ratios: per call, over the floor and the encoder timed right after it)."""
    group = run if isinstance(run, Group) else None
    run = group.run if group else run
    paired = {}
    if group:
        paired["paired_over_floor"] = round(group.paired(group.floors), 2)
        if group.encode:
            paired["paired_over_encode"] = round(group.paired(group.encode), 2)
    return {"p50_ms": round(run.percentile(50), 2), "p95_ms": round(run.percentile(95), 2),
            "p99_ms": round(run.percentile(99), 2), "requests_per_s": round(run.requests_per_s, 2),
            "p50_over_floor": round(run.percentile(50) / floor, 2), **paired, "errors": run.errors,
            "statuses": dict(sorted(Counter(run.statuses).items()))}


def sizes(readings: list[Reading], encode_ms: list[float]) -> dict:
    """The medians of a family's variants: message and own characters, texts embedded, tokens; and of the
    encoder alone on its texts."""
    return {"chars": int(statistics.median(r.chars for r in readings)),
            "own_chars": int(statistics.median(r.own_chars for r in readings)),
            "texts": int(statistics.median(len(r.texts) for r in readings)),
            "tokens": int(statistics.median(r.tokens for r in readings)),
            "encode_ms": round(statistics.median(encode_ms), 2)}


def answered_only(run: LoadResult) -> dict:
    """p50 and p99 of the calls that got a 200 (a run with refusals has its quick 503s in the percentiles)."""
    ok = [ms for ms, status in zip(run.latencies_ms, run.statuses) if status == 200]
    return {"ok_p50_ms": round(float(np.percentile(ok, 50)), 2), "ok_p99_ms": round(float(np.percentile(ok, 99)), 2)
            } if ok else {}


def concerns(bodies: list) -> dict:
    """What the replies found: concerns per reply (median), how many replies answered every concern, and the
    articles of the first reply's concerns."""
    bodies = [body for body in bodies if body]
    if not bodies:
        return {}
    return {"concerns": statistics.median(len(body["concerns"]) for body in bodies),
            "answered": sum(body["answered"] for body in bodies), "replies": len(bodies),
            "articles": [concern["article"]["id"] if concern["answered"] else None
                         for concern in bodies[0]["concerns"]]}


class OtherLoad:
    """The CPU other processes took while a phase ran: the machine's busy time less this process's and the
    servers', in cores (0 on a quiet machine; the bench's own figures are only as good as this is low)."""

    def __init__(self, *server_pids: int):
        self.pids = (*server_pids, os.getpid())
        self.started = self._read()

    @staticmethod
    def _busy_and_total() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(value) for value in stat.readline().split()[1:]]
        return sum(ticks) - ticks[3] - ticks[4], sum(ticks)  # less idle and iowait

    def _read(self) -> tuple[int, int, int]:
        ours = 0
        for pid in self.pids:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            ours += sum(int(value) for value in fields[11:15])  # utime, stime and their waited-for children's
        return (*self._busy_and_total(), ours)

    def cores(self) -> float:
        """Cores other processes used on average since the start (or the last call), and start again."""
        now = self._read()
        busy, total, ours = (b - a for a, b in zip(self.started, now))
        self.started = now
        return round(max(0, busy - ours) / max(total, 1) * (os.cpu_count() or 1), 2)


def run_http(plan: Plan, mix, probe: Probe, args, env: dict[str, str]) -> dict:
    """Every HTTP measurement, on one throwaway demo server (``env``: more of its settings)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    with throwaway_demo_server(DEMO_INDEX, {"KB_ENCODER": DEFAULT_ENCODER, "KB_ENCODER_THREADS": str(THREADS), **env},
                               BENCH_DIR / "emails-server.log") as (server, key):
        port = server.port
        log("warming up ...")
        run_load(port, [search_call(f"warm up {i}") for i in range(20)], 1, key)
        run_load(port, plan.warm_up, 1, key)
        others = OtherLoad(server.process.pid)
        log("short chat questions, 1 client ...")
        chat = sequential(port, key, {"chat": [answer_call(text, "chat") for text, _ in mix[200:400]]}, probe)
        log(f"emails, 1 client, cold ({sum(map(len, plan.cold.values()))} calls) ...")
        cold = sequential(port, key, plan.cold, probe, plan.readings, args.paired)
        log("emails, 1 client, repeated ...")
        warm = sequential(port, key, plan.warm, probe)
        log(f"growth, 1 client, cold ({sum(map(len, plan.growth.values()))} calls) ...")
        growth = sequential(port, key, plan.growth, probe, plan.readings, args.paired)
        other_cores = {"one_client": others.cores()}
        rss_before = {"peak_mb": server.peak_rss_mb(), "now_mb": server.memory_mb("VmRSS")}
        log(f"emails, {args.clients} clients, cold ({len(plan.concurrent)} calls) ...")
        loaded = run_load(port, plan.concurrent, args.clients, key, keep=True)
        other_cores["concurrent"] = others.cores()
        rss_after = {"peak_mb": server.peak_rss_mb(), "now_mb": server.memory_mb("VmRSS")}
        time.sleep(args.settle)
        rss_after["settled_mb"] = server.memory_mb("VmRSS")
    return {"chat": chat["chat"], "cold": cold, "warm": warm,
            "growth": growth, "loaded": loaded, "rss_before": rss_before, "rss_after": rss_after,
            "other_cores": other_cores}


def summarise(plan: Plan, measured: dict, floors: dict, args) -> dict:
    floor = floors["alone_ms"]
    loaded = measured["loaded"]
    growth = {}
    for name, group in measured["growth"].items():
        shape = sizes(plan.readings[name], group.encode)
        p50 = group.run.percentile(50)
        growth[f"{4 * int(name.split('×')[1])} paragraphs"] = {
            **shape, **figures(group, floor),
            "ms_per_1000_own_chars": round(p50 / shape["own_chars"] * 1000, 2),
            "ms_per_text": round(p50 / shape["texts"], 2), "ms_per_100_tokens": round(p50 / shape["tokens"] * 100, 2),
            "replies": concerns(group.run.bodies)}
    emails = {language: {**sizes(plan.readings[language], group.encode), **figures(group, floor),
                         "replies": concerns(group.run.bodies)}
              for language, group in measured["cold"].items()}
    return {
        "date": date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
        "kb": "demo", "encoder": DEFAULT_ENCODER, "encoder_threads": THREADS,
        "floor_ms": round(floor, 2), "floor_ms_interleaved": round(floors["interleaved_ms"], 2),
        "floor_samples_interleaved": floors["samples"],
        "floor_ms_before": round(floors["before_ms"], 2), "floor_ms_after": round(floors["after_ms"], 2),
        "goal_p50_over_floor": GOAL, "other_processes_cores": measured["other_cores"],
        "chat_1c": figures(measured["chat"], floor),
        "emails_1c_cold": emails,
        "emails_1c_repeated": {language: figures(run, floor) for language, run in measured["warm"].items()},
        "growth_en_1c_cold": growth,
        "emails_concurrent": {"clients": args.clients, "calls": len(plan.concurrent),
                              "emails": "en, lt, ja, zh in turn" if args.concurrent_paragraphs == 4
                              else f"en, {args.concurrent_paragraphs} paragraphs", **figures(loaded, floor),
                              **answered_only(loaded), "replies": concerns(loaded.bodies)},
        "rss_before": {name: round(mb, 1) for name, mb in measured["rss_before"].items()},
        "rss_after": {name: round(mb, 1) for name, mb in measured["rss_after"].items()},
    }


def print_table(results: dict) -> None:
    floor = results["floor_ms"]
    print(f"\nemail bench — {results['date']}, {results['machine']}, demo KB, encoder {results['encoder']} "
          f"({results['encoder_threads']} threads)" + "".join(f", {name}={value}"
                                                            for name, value in results["server_env"].items()))
    print(f"floor (encode one short query + index search, in-process): {floor:.2f} ms, median of 400 with no "
          f"server running ({results['floor_ms_before']:.2f} ms before the HTTP runs, {results['floor_ms_after']:.2f}"
          f" ms after); {results['floor_ms_interleaved']:.2f} ms, median of {results['floor_samples_interleaved']} "
          "taken between the 1-client calls")
    others = results["other_processes_cores"]
    print(f"other processes on the machine meanwhile: {others['one_client']:.2f} cores during the 1-client runs, "
          f"{others['concurrent']:.2f} during the concurrent run (of {os.cpu_count()})\n")
    print(f"{'measure':<34} {'chars':>6} {'own':>6} {'texts':>5} {'tokens':>6} {'encode':>7} {'p50 ms':>8} "
          f"{'p95 ms':>8} {'p99 ms':>8} {'req/s':>6} {'p50/floor':>9} {'paired':>6} {'errors':>6}")

    def row(label, run, shape=None):
        shape = shape or {}
        print(f"{label:<34} {shape.get('chars', ''):>6} {shape.get('own_chars', ''):>6} {shape.get('texts', ''):>5} "
              f"{shape.get('tokens', ''):>6} {shape.get('encode_ms', ''):>7} {run['p50_ms']:>8.2f} "
              f"{run['p95_ms']:>8.2f} {run['p99_ms']:>8.2f} {run['requests_per_s']:>6.1f} "
              f"{run['p50_over_floor']:>9.2f} {run.get('paired_over_floor', ''):>6} {run['errors']:>6}")

    row("chat, short question, 1 client", results["chat_1c"])
    for language, run in results["emails_1c_cold"].items():
        row(f"email {language}, 1 client, cold", run, run)
    for language, run in results["emails_1c_repeated"].items():
        row(f"email {language}, 1 client, repeated", run)
    for label, run in results["growth_en_1c_cold"].items():
        row(f"email en, {label}, cold", run, run)
    concurrent = results["emails_concurrent"]
    row(f"emails, {concurrent['clients']} clients, cold" + ("" if concurrent["emails"].startswith("en, lt")
                                                            else f" ({concurrent['emails']})"), concurrent)
    print("chars: the whole message; own: the customer's own text read from it; texts: those the server embeds and "
          "searches (as api.pipeline.read picks them); encode: the encoder alone on those "
          "texts in-process, ms (median, timed between the calls); paired: the median over calls of the call's "
          "time over the floor taken right after it")

    print(f"\n{'growth (en, 1 client, cold)':<28} {'own chars':>9} {'texts':>5} {'tokens':>6} {'p50 ms':>8} "
          f"{'ms/1k chars':>11} {'ms/text':>8} {'ms/100 tok':>10} {'/encode':>10}")
    for label, run in results["growth_en_1c_cold"].items():
        print(f"{label:<28} {run['own_chars']:>9} {run['texts']:>5} {run['tokens']:>6} {run['p50_ms']:>8.1f} "
              f"{run['ms_per_1000_own_chars']:>11.1f} {run['ms_per_text']:>8.2f} {run['ms_per_100_tokens']:>10.2f} "
              f"{run['paired_over_encode']:>10.2f}")

    four = results["emails_1c_cold"]
    worst = max(max(run["p50_over_floor"], run["paired_over_floor"]) for run in four.values())
    print("\nfour-paragraph email p50 / floor (paired): " + ", ".join(
        f"{lang} {run['p50_over_floor']:.1f} ({run['paired_over_floor']:.1f})" for lang, run in four.items())
        + f"; goal ≤ {results['goal_p50_over_floor']:.0f}: "
        + ("met" if worst <= results["goal_p50_over_floor"] else "NOT met") + "; time / encoder alone (paired): "
        + ", ".join(f"{lang} {run['paired_over_encode']:.2f}" for lang, run in four.items()))
    print(f"{concurrent['clients']} clients, {concurrent['calls']} emails: {concurrent['errors']} errors "
          f"(statuses {concurrent['statuses']}), {concurrent['requests_per_s']:.2f} requests/s; the answered ones "
          f"p50 {concurrent.get('ok_p50_ms', float('nan')):.0f} ms, p99 {concurrent.get('ok_p99_ms', float('nan')):.0f} ms")
    before, after = results["rss_before"], results["rss_after"]
    print(f"server RSS: before the concurrent run {before['now_mb']:.0f} MB (peak so far {before['peak_mb']:.0f}); "
          f"peak during it {after['peak_mb']:.0f} MB; after it {after['now_mb']:.0f} MB, "
          f"{after['settled_mb']:.0f} MB settled")
    for language, run in results["emails_1c_cold"].items():
        replies = run["replies"]
        if replies:
            print(f"{language}: {replies['concerns']:g} concerns per reply, {replies['answered']}/{replies['replies']} "
                  f"replies answered every concern; first reply: {replies['articles']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.emails", description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=30, help="cold variants per four-paragraph email, 1 client")
    parser.add_argument("--growth-reps", type=int, default=15, help="cold variants per size of the growth family")
    parser.add_argument("--warm-reps", type=int, default=20, help="repeats of one variant per email")
    parser.add_argument("--paired", type=int, default=10,
                        help="cold calls per group followed by the encoder alone on the same texts in-process")
    parser.add_argument("--clients", type=int, default=16, help="concurrent email clients")
    parser.add_argument("--calls", type=int, default=160, help="emails sent by the concurrent clients")
    parser.add_argument("--concurrent-paragraphs", type=int, default=4, choices=range(4, 17), metavar="4..16",
                        help="over 4: the concurrent clients send the English email with this many paragraphs")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before RSS is read after the load")
    parser.add_argument("--env", action="append", default=[], metavar="KB_NAME=VALUE",
                        help="a setting of the server under test, e.g. KB_QUEUE_TOKENS=32768 (repeatable)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the figures are written")
    args = parser.parse_args(argv)
    env = dict(item.split("=", 1) for item in args.env)

    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    faiss.omp_set_num_threads(1)
    encoder = create_encoder(DEFAULT_ENCODER, threads=THREADS)
    emails = yaml.safe_load(EMAILS.read_text(encoding="utf-8"))
    plan = make_plan(emails, args.reps, args.growth_reps, args.warm_reps, args.calls, args.concurrent_paragraphs)
    log("reading every email as the server will (no text embedded by two cold calls) ...")
    check_cold(plan, reader(encoder))
    mix = query_mix()
    index = ArticleIndex.load(load_articles(DEMO_KB), DEMO_INDEX, encoder)
    probe = Probe(index, encoder, mix[:200])
    log("in-process floor ...")
    probe.floor(10)  # warm-up
    probe.floor_ms.clear()
    before = probe.floor(200)
    probe.floor_ms.clear()
    measured = run_http(plan, mix, probe, args, env)
    floors = {"interleaved_ms": statistics.median(probe.floor_ms), "samples": len(probe.floor_ms),
              "before_ms": statistics.median(before)}
    log("in-process floor again ...")
    after = probe.floor(200)
    floors.update(after_ms=statistics.median(after), alone_ms=statistics.median(before + after))
    results = {**summarise(plan, measured, floors, args), "server_env": env}
    print_table(results)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nwritten: {args.results}")
    errors = results["chat_1c"]["errors"] + results["emails_concurrent"]["errors"] + sum(
        run["errors"] for group in ("emails_1c_cold", "emails_1c_repeated", "growth_en_1c_cold")
        for run in results[group].values())
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
