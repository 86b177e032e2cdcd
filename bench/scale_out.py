"""``make bench`` (second part): the PostgreSQL + pgvector deployment, measured here.

* Backends at 10,000 and 100,000 vectors: the same real field vectors (the first fields of the
  scaled bench KB, embedded once and cached) in FAISS and in pgvector, searched with the ``query:``
  vectors of 200 benchmark queries: median latency for the service's 256 candidates, recall of the
  exact top 10, load time, and pgvector's bytes on disk per vector (vectors per GB).
* Replicas: API throughput on the demo KB with 1 and with 2 API processes on one PostgreSQL,
  the same total number of clients, and how long a write through one replica takes to be found
  through the other.

A throwaway PostgreSQL with pgvector is started for the run (``tests/postgres.py``) and stopped after.

    python -m bench.scale_out [--sizes 10000,100000] [--clients 16]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import faiss
import httpx
import numpy as np
import psycopg

from bench.http_load import Call, run_load
from bench.workload import BENCH_DIR, query_mix, scaled_kb
from indexer.backends import create_backend
from indexer.build import article_entries, embed_entries
from indexer.encoders import DEFAULT_ENCODER, create_encoder
from kb.stores import Scope, create_store
from tests.postgres import PostgresServer
from tests.servers import Server, free_port

RESULTS = BENCH_DIR / "scale-out.json"
VECTORS_CACHE = BENCH_DIR / "scale-out-vectors.npy"
ARTICLES = 10_000  # the scaled KB of make bench; its first fields give the vectors
THREADS = 2
CANDIDATES = 256  # what the service asks the backend for (indexer.search.CANDIDATE_VECTORS)
QUERIES = 200
SEED = 20261130


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_vectors(count: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` real field vectors of the scaled knowledge base (embedded once, then cached), and the
    ``query:`` vectors of the first :data:`QUERIES` benchmark queries."""
    # e5's field alone: the backends are compared on one field, as before the second encoder (the second
    # field is searched the same way; python -m bench.second_encoder weighs what it adds)
    encoder = create_encoder(DEFAULT_ENCODER, threads=THREADS, second="none")
    cached = np.load(VECTORS_CACHE) if VECTORS_CACHE.is_file() else np.zeros((0, encoder.dim), dtype=np.float32)
    if len(cached) < count:
        entries = [entry for article in scaled_kb(ARTICLES, log) for entry in article_entries(article)][:count]
        log(f"embedding {len(entries):,} field texts of the scaled KB (once; cached in {VECTORS_CACHE})")
        done = [0]

        def progress(batch: int) -> None:
            done[0] += batch
            if done[0] % 10_000 < batch:
                log(f"  {done[0]:,} of {len(entries):,}")

        cached = embed_entries(encoder, entries, progress)
        VECTORS_CACHE.parent.mkdir(parents=True, exist_ok=True)
        np.save(VECTORS_CACHE, cached)
    queries = encoder.encode_queries([text for text, _ in query_mix()[:QUERIES]])
    return cached[:count], np.asarray(queries, dtype=np.float32)


def backend_sizes(database: PostgresServer, sizes: list[int]) -> list[dict]:
    """Search latency, recall and size of both backends at each size."""
    rows = []
    for size in sizes:
        stored, queries = bench_vectors(size)
        exact = faiss.IndexFlatIP(stored.shape[1])
        exact.add(stored)
        truth = exact.search(queries, 10)[1]
        for name in ("faiss", "pgvector"):
            started = time.perf_counter()
            dsn = database.create_database(f"size{size}")
            backend = create_backend(name, stored.shape[1], dsn, f"size-{size}")
            if name == "faiss":  # in one go, as an index build does (from 50,000 vectors: an inverted file)
                backend.add(np.arange(size), stored)
            else:  # COPY in slices: no giant transaction
                for start in range(0, size, 5000):
                    backend.add(np.arange(start, min(size, start + 5000)), stored[start:start + 5000])
            load_s = time.perf_counter() - started
            for query in queries[:20]:  # warm caches and connections
                backend.search(query[None, :], CANDIDATES)
            latencies, found = [], []
            for query in queries:
                began = time.perf_counter()
                ids = backend.search(query[None, :], CANDIDATES)[1][0]
                latencies.append((time.perf_counter() - began) * 1000)
                found.append(ids[:10])
            recall = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))
            row = {"backend": name, "vectors": size, "search_p50_ms": round(statistics.median(latencies), 2),
                   "search_p95_ms": round(float(np.percentile(latencies, 95)), 2), "recall_at_10": round(recall, 3),
                   "load_s": round(load_s, 1)}
            if name == "pgvector":  # the table with its HNSW and key indexes, on disk
                with psycopg.connect(dsn) as connection:
                    on_disk = connection.execute("SELECT pg_total_relation_size('kb_vectors')").fetchone()[0]
                row["bytes_per_vector"] = round(on_disk / size)
            else:  # in memory: the float32 vector and its id
                row["bytes_per_vector"] = stored.shape[1] * 4 + 8
            row["vectors_per_gb"] = round(2**30 / row["bytes_per_vector"])
            backend.close()
            log(f"  {name} at {size:,} vectors: {json.dumps(row)}")
            rows.append(row)
    return rows


# (API processes, encoder threads each) on this machine's cores
LAYOUTS = ((1, THREADS), (2, THREADS), (2, THREADS // 2))
QUERIES_PER_LAYOUT = 700


def replicas(database: PostgresServer, clients: int, folder: Path) -> dict:
    """Search throughput of 1 and 2 API processes on one PostgreSQL (demo KB, ``clients`` in all,
    split evenly), and the time from a write through one replica to a hit through the other."""
    env = {"KB_STORE": "postgres", "KB_STORE_DSN": database.create_database("replicas"),
           "KB_VECTOR_BACKEND": "pgvector", "KB_INDEX_DIR": str(folder / "index"), "KB_LOG_LEVEL": "WARNING",
           "KB_ENCODER": DEFAULT_ENCODER}
    texts = [text for text, _ in query_mix()]
    rows, key, visible = [], None, None
    for number, (processes, threads) in enumerate(LAYOUTS):
        servers = [Server(free_port(), {**env, "KB_ENCODER_THREADS": str(threads)}) for _ in range(processes)]
        try:
            for server in servers:
                server.start(timeout=600)
            if key is None:  # the first start created the demo tenant
                store = create_store("postgres", env["KB_STORE_DSN"])
                key, _ = store.keys.create("demo", set(Scope), "make bench", rate_per_minute=0)
                store.close()
            for server in servers:
                run_load(server.port, [Call("GET", f"/v1/search?q=warm+up+{i}") for i in range(20)], 1, key)
            # distinct queries in each layout: a query a server answered before would be a cache hit
            calls = [Call("GET", f"/v1/search?q={quote(text)}&limit=5")
                     for text in texts[number * QUERIES_PER_LAYOUT:(number + 1) * QUERIES_PER_LAYOUT]]
            results = []
            workers = [threading.Thread(target=lambda s=s, part=part: results.append(
                run_load(s.port, part, clients // processes, key)))
                for s, part in zip(servers, [calls[i::processes] for i in range(processes)])]
            started = time.perf_counter()
            for thread in workers:
                thread.start()
            for thread in workers:
                thread.join()
            seconds = time.perf_counter() - started
            latencies = [x for result in results for x in result.latencies_ms]
            rows.append({"processes": processes, "encoder_threads": threads,
                         "qps": round(len(latencies) / seconds, 1),
                         "p99_ms": round(float(np.percentile(latencies, 99)), 1),
                         "errors": sum(result.errors for result in results)})
            log(f"  {json.dumps(rows[-1])}")
            if processes == 2 and visible is None:
                visible = write_to_other_replica(servers, key)
        finally:
            for server in servers:
                server.stop()
    return {"clients": clients, "layouts": rows, "errors": sum(row["errors"] for row in rows),
            "write_to_other_replica_s": visible}


def write_to_other_replica(servers: list[Server], key: str, rounds: int = 5) -> float:
    """Median time from a PUT acknowledged by one replica to the article ranking first on the other."""
    headers = {"Authorization": f"Bearer {key}"}
    times = []
    for round_ in range(rounds):
        article = {"category": "delivery", "tags": ["bikes"], "variants": {"en": {
            "title": f"Bike rack number {round_} at the pickup point", "summary": "Park bicycles at the rack.",
            "body": "Bicycles may be left at the bike rack next to the pickup point.",
            "questions": [f"where is bike rack number {round_}", f"bike rack {round_} location",
                          f"can I leave my bicycle at rack {round_}"]}}}
        base = [f"http://127.0.0.1:{server.port}" for server in servers]
        httpx.put(f"{base[0]}/v1/articles/bike-rack-{round_}", json=article, headers=headers).raise_for_status()
        started = time.perf_counter()
        while True:
            results = httpx.get(f"{base[1]}/v1/search", params={"q": f"where is bike rack number {round_}", "limit": 1},
                                headers=headers).json()["results"]
            if results and results[0]["id"] == f"bike-rack-{round_}":
                break
            if time.perf_counter() - started > 30:
                raise RuntimeError("the other replica never found the article")
            time.sleep(0.01)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_out", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="vector counts of the backend comparison")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients in all (split over replicas)")
    args = parser.parse_args(argv)
    faiss.omp_set_num_threads(1)  # as in the service: one search thread, the cores go to the encoder
    folder = Path(tempfile.mkdtemp(prefix="kb-bench-pg-"))
    database = PostgresServer(Path(tempfile.mkdtemp(prefix="kb-bench-pg-data-")), free_port())
    database.start()
    try:
        log("backends at each size (loading pgvector builds its HNSW graph as rows arrive) ...")
        sizes = backend_sizes(database, [int(size) for size in args.sizes.split(",")])
        log("replicas on one PostgreSQL ...")
        scale = replicas(database, args.clients, folder)
    finally:
        database.stop()
        for path in (folder, database.folder):
            shutil.rmtree(path, ignore_errors=True)
    print(f"\nbackends, real field vectors of the scaled KB, {CANDIDATES} candidates per query, one query at a time")
    print(f"{'backend':<10} {'vectors':>9} {'p50 ms':>8} {'p95 ms':>8} {'recall@10':>10} {'load s':>8} "
          f"{'bytes/vec':>10} {'vectors/GB':>11}")
    for row in sizes:
        print(f"{row['backend']:<10} {row['vectors']:>9,} {row['search_p50_ms']:>8.2f} {row['search_p95_ms']:>8.2f} "
              f"{row['recall_at_10']:>10.3f} {row['load_s']:>8.1f} {row['bytes_per_vector']:>10,} "
              f"{row['vectors_per_gb']:>11,}")
    print(f"\nAPI on PostgreSQL + pgvector, demo KB, GET /v1/search, {scale['clients']} clients in all "
          f"(split over the processes), {os.cpu_count()} cores")
    print(f"{'API processes':<14} {'encoder threads':>16} {'req/s':>8} {'p99 ms':>8} {'vs 1':>6} {'errors':>7}")
    single = scale["layouts"][0]["qps"]
    for row in scale["layouts"]:
        print(f"{row['processes']:<14} {row['encoder_threads']:>16} {row['qps']:>8.1f} {row['p99_ms']:>8.1f} "
              f"{row['qps'] / single:>6.2f} {row['errors']:>7}")
    print(f"PUT on one replica -> found first on the other: {scale['write_to_other_replica_s']:.3f} s (median of 5)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"backends": sizes, "replicas": scale}, indent=2), encoding="utf-8")
    print(f"\nwritten: {RESULTS}")
    return 0 if scale["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
