"""``python -m bench.second_encoder``: what the second encoder (USE-m) costs, e5 alone against e5 + USE-m in one run.

Both on the same scaled knowledge base (:mod:`bench.workload`), by default 1,000 articles × 4 languages: the
main table's 10,000 would take the pair's index about half an hour more to embed (240,000 texts through
USE-m, one at a time). Each configuration has its own index of it under ``build/bench/second-encoder/<n>-articles/``
(built once, reused while current) and a server of its own, started with ``KB_SECOND_ENCODER=none`` or the
default, over the same store. For each:

* the floor: one short query encoded in-process plus the index search (as ``make bench``'s), and the
  query's encoding alone;
* ``GET /v1/search`` with one client: the two servers are called in turn, each call followed by a floor
  sample of both configurations in-process (the order alternating), so that a shared machine's drift hits
  both alike; p50 and p95, p50 over the floor sampled in the same window, and the paired ratio (the
  median over calls of a call's time over the floor taken right after it);
* ``GET /v1/search`` with ``--clients`` clients: throughput and p99 (the servers one after the other);
* the build: embedding the texts of :data:`BUILD_ARTICLES` articles in batches as an index build does, the
  configurations in turn batch by batch (ms per text); and the whole index build of the scaled KB, as its
  manifest recorded it (in this run, or the run that built it);
* cold start (process start -> ``/readyz``) and the server's peak RSS.

Prints a table and writes ``build/bench/second-encoder.json``. Timings on a shared 2-core machine are noisy:
compare the ratios of one run, and only runs where other processes took ~0 cores (reported).

    python -m bench.second_encoder [--articles 1000] [--queries 300] [--clients 16]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import faiss

from bench.__main__ import THREADS, median_ms
from bench.emails import PAUSE_S, Group, OtherLoad, Probe, figures, log
from bench.http_load import LoadResult, run_load, search_call
from bench.workload import BENCH_DIR, TENANT, bench_key, query_mix, scaled_index, scaled_kb
from indexer.backends.faiss import IVF_MIN_VECTORS
from indexer.build import article_entries, embed_entries
from indexer.encoders import DEFAULT_ENCODER, Encoder, create_encoder
from indexer.search import ArticleIndex
from indexer.vector_sources import Entry
from tests.servers import Server

RESULTS = BENCH_DIR / "second-encoder.json"
# each configuration: its label and the server's KB_SECOND_ENCODER
CONFIGS = {"e5": "none", "e5+use-m": "use-m"}
GOAL = 1.3  # issue 25: search p50 ≤ 1.3 × the new floor (the pair's)
BUILD_ARTICLES = 20  # articles whose texts the build-cost measurement embeds
BUILD_BATCH = 32  # texts per batch, as indexer.build.embed_entries takes them


def the_encoders() -> dict[str, Encoder]:
    """e5 alone and the pair, sharing one e5 session (as each server has one)."""
    pair = create_encoder(DEFAULT_ENCODER, threads=THREADS, second="use-m")
    return {"e5": pair.primary, "e5+use-m": pair}


def work_dir(articles: int) -> Path:
    """Where the scaled KB of ``articles`` articles, its store and both configurations' indexes live (a folder
    per size: a store keeps the articles it was first seeded with)."""
    return BENCH_DIR / "second-encoder" / f"{articles}-articles"


def index_root(folder: Path, label: str) -> Path:
    return folder / f"indexes-{label}"


def embedding_in_turn(encoders: dict[str, Encoder], entries: list[Entry]) -> dict[str, float]:
    """Ms per text of embedding ``entries`` as an index build does, the encoders in turn batch by batch (the order
    alternating), so that a shared machine's drift hits each alike."""
    labels = list(encoders)
    spent = dict.fromkeys(labels, 0.0)
    for number, start in enumerate(range(0, len(entries), BUILD_BATCH)):
        for label in labels if number % 2 == 0 else labels[::-1]:
            began = time.perf_counter()
            embed_entries(encoders[label], entries[start:start + BUILD_BATCH])
            spent[label] += time.perf_counter() - began
    return {label: 1000 * seconds / len(entries) for label, seconds in spent.items()}


def searches_in_turn(ports: dict[str, int], key: str, probes: dict[str, Probe], texts: list[str]) -> dict[str, Group]:
    """One keep-alive client per server sends each text to every server in turn, and after each round each
    configuration's floor is sampled in-process once (the order of the servers and of the floors alternating)."""
    labels = list(ports)
    latencies = {label: [] for label in labels}
    statuses = {label: [] for label in labels}
    floors = {label: [] for label in labels}
    connections = {label: http.client.HTTPConnection("127.0.0.1", port, timeout=60) for label, port in ports.items()}
    headers = {"Authorization": f"Bearer {key}"}
    try:
        for number, text in enumerate(texts):
            order = labels if number % 2 == 0 else labels[::-1]
            for label in order:
                started = time.perf_counter()
                connections[label].request("GET", search_call(text).path, headers=headers)
                response = connections[label].getresponse()
                response.read()
                latencies[label].append((time.perf_counter() - started) * 1000)
                statuses[label].append(response.status)
            time.sleep(PAUSE_S)  # the servers' encoder threads stop spinning before the probes start
            for label in order:
                floors[label].append(probes[label].floor_once())
            time.sleep(PAUSE_S)
    finally:
        for connection in connections.values():
            connection.close()
    return {label: Group(LoadResult(latencies[label], sum(latencies[label]) / 1000, statuses[label]), floors[label], [])
            for label in labels}


def over_http(folder: Path, probes: dict[str, Probe], texts: list[str], loaded_texts: list[str], port: int,
              clients: int) -> dict:
    """Both servers over the KB in ``folder``: cold starts, ``texts`` searched by one client in turn, then
    ``loaded_texts`` by ``clients`` clients on each; peak RSS."""
    key = bench_key(log, folder / "store.sqlite3", folder / "kb")
    servers = {label: Server(port + number, {
        "KB_KB_DIR": str(folder / "kb"), "KB_TENANT": TENANT, "KB_STORE_PATH": str(folder / "store.sqlite3"),
        "KB_INDEX_DIR": str(index_root(folder, label)), "KB_ENCODER": DEFAULT_ENCODER, "KB_SECOND_ENCODER": second,
        "KB_ENCODER_THREADS": str(THREADS), "KB_LOG_LEVEL": "WARNING"}) for number, (label, second)
        in enumerate(CONFIGS.items())}
    cold_start = {}
    try:
        for label, server in servers.items():
            log(f"starting the API server, {label} ...")
            cold_start[label] = server.start()
        ports = {label: server.port for label, server in servers.items()}
        for port_ in ports.values():
            run_load(port_, [search_call(f"warm up {i}") for i in range(20)], 1, key)
        for probe in probes.values():
            probe.floor(10)  # warm-up
        others = OtherLoad(*(server.process.pid for server in servers.values()))
        log(f"GET /v1/search, 1 client, {len(texts)} queries to each server in turn, floors between ...")
        one_client = searches_in_turn(ports, key, probes, texts)
        other_cores = {"one_client": others.cores()}
        log(f"GET /v1/search, {clients} clients ...")
        loaded = {label: run_load(port_, [search_call(text) for text in loaded_texts], clients, key)
                  for label, port_ in ports.items()}
        other_cores["loaded"] = others.cores()
        rss = {label: server.peak_rss_mb() for label, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    return {"one_client": one_client, "loaded": loaded, "cold_start_s": cold_start, "rss_mb": rss,
            "other_cores": other_cores}


def summarise(args, folder: Path, vectors: int, local: dict, build: dict, http: dict) -> dict:
    configs = {}
    for label in CONFIGS:
        group = http["one_client"][label]
        floor = statistics.median(group.floors)
        manifest = json.loads((index_root(folder, label) / TENANT / "manifest.json").read_text(encoding="utf-8"))
        configs[label] = {
            "floor_ms": round(floor, 2), "encode_ms": round(local[label], 2),
            "search_1c": figures(group, floor),
            "search_loaded": figures(http["loaded"][label], floor),
            "build_ms_per_text": round(build["ms_per_text"][label], 2),
            "index_build_s": manifest["build_seconds"], "index_built_in_this_run": label in build["built"],
            "cold_start_s": round(http["cold_start_s"][label], 2), "rss_mb": round(http["rss_mb"][label], 1)}
    pair = configs["e5+use-m"]
    return {
        "date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
        "articles": args.articles, "languages": 4, "vectors_per_field": vectors,
        "search": "exact" if vectors < IVF_MIN_VECTORS else "inverted file", "queries_1c": args.queries,
        "clients": args.clients, "build_texts": build["texts"],
        "configs": configs, "other_processes_cores": http["other_cores"],
        "goal": {"search_p50_over_new_floor": pair["search_1c"]["p50_over_floor"], "target": GOAL,
                 "met": pair["search_1c"]["p50_over_floor"] <= GOAL},
    }


ROWS = (  # label, how to read it from a configuration's figures, format
    ("floor: encode one query + search, ms", lambda c: c["floor_ms"], ".2f"),
    ("  encode one query alone, ms", lambda c: c["encode_ms"], ".2f"),
    ("GET /v1/search, 1 client, p50 ms", lambda c: c["search_1c"]["p50_ms"], ".2f"),
    ("GET /v1/search, 1 client, p95 ms", lambda c: c["search_1c"]["p95_ms"], ".2f"),
    ("  p50 / floor", lambda c: c["search_1c"]["p50_over_floor"], ".2f"),
    ("  paired: median of call / floor", lambda c: c["search_1c"]["paired_over_floor"], ".2f"),
    ("GET /v1/search, {clients} clients, req/s", lambda c: c["search_loaded"]["requests_per_s"], ".1f"),
    ("GET /v1/search, {clients} clients, p99 ms", lambda c: c["search_loaded"]["p99_ms"], ".1f"),
    ("build: embedding, ms per text ({texts} texts)", lambda c: c["build_ms_per_text"], ".2f"),
    ("index build of the scaled KB, s ({built})", lambda c: c["index_build_s"], ".1f"),
    ("cold start, s", lambda c: c["cold_start_s"], ".2f"),
    ("peak RSS of the server, MB", lambda c: c["rss_mb"], ".0f"),
)


def print_table(results: dict) -> None:
    configs = results["configs"]
    e5, pair = configs["e5"], configs["e5+use-m"]
    print(f"\nthe second encoder's cost — {results['date']}, {results['machine']}, {results['articles']:,} articles × 4 "
          f"languages ({results['vectors_per_field']:,} vectors per field, {results['search']} search), one run")
    print(f"\n{'':<44} {'e5 alone':>10} {'e5 + USE-m':>11} {'pair / e5':>10}")
    for label, read, spec in ROWS:
        built = "this run" if all(c["index_built_in_this_run"] for c in configs.values()) else "as recorded"
        label = label.format(clients=results["clients"], texts=f"{results['build_texts']:,}", built=built)
        first, second = read(e5), read(pair)
        ratio = f"{second / first:>10.2f}" if first else ""
        print(f"{label:<44} {first:>10{spec}} {second:>11{spec}} {ratio}")
    cores = results["other_processes_cores"]
    print(f"\nother processes took {cores['one_client']:.2f} cores during the one-client run, "
          f"{cores['loaded']:.2f} during the loaded one (0 on a quiet machine)")
    goal = results["goal"]
    print(f"goal: search p50 ≤ {goal['target']} × the new floor (the pair's): p50 / floor "
          f"{goal['search_p50_over_new_floor']:.2f} (paired {pair['search_1c']['paired_over_floor']:.2f}) — "
          f"{'met' if goal['met'] else 'not met'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.second_encoder", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1_000, help="size of the scaled knowledge base")
    parser.add_argument("--queries", type=int, default=300, help="one-client searches sent to each server")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients of the loaded run")
    parser.add_argument("--port", type=int, default=8775, help="loopback port of the first server (the next: +1)")
    args = parser.parse_args(argv)

    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    faiss.omp_set_num_threads(1)
    encoders = the_encoders()
    folder = work_dir(args.articles)
    articles = scaled_kb(args.articles, log, folder / "kb")
    built = set()
    for label, encoder in encoders.items():
        index_dir = index_root(folder, label) / TENANT
        manifest = index_dir / "manifest.json"
        before = manifest.stat().st_mtime if manifest.is_file() else None
        scaled_index(articles, encoder, log, index_dir)
        if manifest.stat().st_mtime != before:
            built.add(label)
    mix = query_mix()
    indexes = {label: ArticleIndex.load(articles, index_root(folder, label) / TENANT, encoder)
               for label, encoder in encoders.items()}
    log("encoding one query alone ...")
    local = {label: median_ms(lambda item, encoder=encoder: encoder.encode_queries([item[0]]), mix[:200])
             for label, encoder in encoders.items()}
    entries = [entry for article in articles[:BUILD_ARTICLES] for entry in article_entries(article)]
    log(f"embedding {len(entries)} texts as a build does, the configurations in turn ...")
    build = {"ms_per_text": embedding_in_turn(encoders, entries), "texts": len(entries), "built": built}
    probes = {label: Probe(indexes[label], encoder, mix[:200], per_call=1) for label, encoder in encoders.items()}
    texts = [text for text, _ in mix]
    http = over_http(folder, probes, texts[:args.queries], texts[args.queries:args.queries + 600], args.port,
                     args.clients)
    results = summarise(args, folder, indexes["e5"].backend.count(), local, build, http)
    print_table(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nwritten: {RESULTS}")
    errors = sum(config[run]["errors"] for config in results["configs"].values() for run in ("search_1c", "search_loaded"))
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
