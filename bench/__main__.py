"""``make bench``: the service's speed against the physical floor and a peer, in one run.

Prints a table of medians and ratios and writes ``build/bench/results.json``. Every
latency is also given as a ratio to the floor measured in the same run: one short
query encoded in-process plus the index search. Timings on a shared 2-core machine are
noisy; compare ratios, not single runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import faiss

from bench.http_load import Call, answer_call, run_load, search_call
from bench.workload import (
    BENCH_DIR,
    INDEX_DIR,
    INDEX_ROOT,
    KB_DIR,
    STORE_PATH,
    TENANT,
    bench_key,
    query_mix,
    scaled_index,
    scaled_kb,
)
from indexer.build import article_entries, build_index, embed_entries
from indexer.encoders import DEFAULT_ENCODER, create_encoder
from indexer.search import ArticleIndex
from indexer.settings import PROJECT_ROOT, default_model_dir
from kb.models import Article, Language
from tests.servers import Server

RESULTS = BENCH_DIR / "results.json"
THREADS = 2
BUILD_SAMPLE = 100  # articles in the build-throughput measurement
CLIENTS_BATCH = 16  # queries embedded together in the encoder-ceiling measurement


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def median_ms(function, items, warm_up: int = 10) -> float:
    """Median wall time of ``function(item)`` over ``items``, after a few untimed calls."""
    for item in items[:warm_up]:
        function(item)
    times = []
    for item in items:
        started = time.perf_counter()
        function(item)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def in_process(articles, encoder, mix) -> dict:
    """The floor, the BM25 baseline and the encoders, measured in this process."""
    index = ArticleIndex.load(articles, INDEX_DIR, encoder)
    sample = mix[:200]

    def floor_query(item):
        text, language = item
        index.search(text, 5, encoder.encode_queries([text])[0], language)

    batches = [[text for text, _ in sample[start:start + CLIENTS_BATCH]] for start in range(0, 160, CLIENTS_BATCH)]
    figures = {"floor_ms": median_ms(floor_query, sample),
               "floor_encode_ms": median_ms(lambda item: encoder.encode_queries([item[0]]), sample),
               # the encoder's best case under load: a full batch of concurrent queries, per query
               "encode_batch_ms": median_ms(lambda batch: encoder.encode_queries(batch, len(batch)), batches,
                                            warm_up=2) / CLIENTS_BATCH,
               "bm25_ms": median_ms(lambda item: index.lexical_scores(item[0], item[1]), sample)}
    first = encoder.primary  # e5's runtimes compared (python -m bench.second_encoder weighs the second encoder)
    for name in ("torch", "onnx", "onnx-int8"):
        other = first if name == first.name else create_encoder(name, threads=THREADS, second="none")
        figures[f"encode_ms_{name}"] = median_ms(lambda item: other.encode_queries([item[0]]), sample[:100])
    figures["update_visible_s"] = update_visible(index, articles[0])
    return figures


FRESH_QUERY = "may I bring my parrot when I collect my order in Kaunas"


def fresh_article(template: Article) -> Article:
    """A new four-language article (the template's, with an English text no other article has)."""
    english = template.variants[Language.EN]
    return replace(template, id="bench-fresh-article", variants={**template.variants, Language.EN: replace(
        english, title="Can I bring my parrot to the Kaunas pickup point?",
        questions=("parrot at the pickup point", "are pets allowed at pickup", "bring a bird to collect my order"))})


def update_visible(index: ArticleIndex, template: Article) -> float:
    """Seconds from starting the upsert of a new four-language article until a search finds it first."""
    fresh = fresh_article(template)
    started = time.perf_counter()
    index.upsert(fresh)
    found = index.search(FRESH_QUERY, 1, language=Language.EN)
    elapsed = time.perf_counter() - started
    if not found or found[0].article.id != fresh.id:
        raise RuntimeError("the upserted article was not found first")
    return elapsed


def write_visible_over_http(port: int, key: str, template: Article) -> float:
    """Seconds from sending ``PUT /v1/articles/{id}`` of a new four-language article until a
    ``GET /v1/search`` sent after the acknowledgement finds it first; the article is deleted again."""
    fresh = fresh_article(template)
    body = {name: value for name, value in fresh.as_mapping().items() if name != "id"}
    started = time.perf_counter()
    written = run_load(port, [Call("PUT", f"/v1/articles/{fresh.id}", body)], 1, key)
    found = run_load(port, [search_call(FRESH_QUERY)], 1, key, keep=True)
    elapsed = time.perf_counter() - started
    run_load(port, [Call("DELETE", f"/v1/articles/{fresh.id}")], 1, key)
    if written.errors or found.errors or found.bodies[0]["results"][0]["id"] != fresh.id:
        raise RuntimeError("the written article was not found first")
    return elapsed


def build_throughput(articles, encoder) -> dict:
    """Articles/s of a full index build of a sample, and its ratio to raw encoding of the same texts."""
    sample = articles[:BUILD_SAMPLE]
    entries = [entry for article in sample for entry in article_entries(article)]
    started = time.perf_counter()
    embed_entries(encoder, entries)
    encode_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        build_index(sample, encoder, Path(folder) / "index", show_progress=False)
        build_s = time.perf_counter() - started
    return {"build_articles_per_s": len(sample) / build_s, "encode_articles_per_s": len(sample) / encode_s,
            "build_ratio": encode_s / build_s, "build_texts": len(entries)}


def over_http(articles, mix, port: int, clients: int) -> dict:
    """The API under uvicorn: cold start, 1 and ``clients`` concurrent clients, cache hits, peak RSS."""
    texts = [text for text, _ in mix]
    key = bench_key(log)
    server = Server(port, {"KB_KB_DIR": str(KB_DIR), "KB_TENANT": TENANT, "KB_STORE_PATH": str(STORE_PATH),
                           "KB_INDEX_DIR": str(INDEX_ROOT), "KB_ENCODER": DEFAULT_ENCODER,
                           "KB_ENCODER_THREADS": str(THREADS), "KB_LOG_LEVEL": "WARNING"})
    log("starting the API server ...")
    cold_start = server.start()
    try:
        run_load(port, [search_call(f"warm up {i}") for i in range(20)], 1, key)
        runs = {
            "search_1c": run_load(port, [search_call(t) for t in texts[0:300]], 1, key),
            "answer_chat_1c": run_load(port, [answer_call(t, "chat") for t in texts[300:500]], 1, key),
            "answer_email_1c": run_load(port, [answer_call(t, "email") for t in texts[500:700]], 1, key),
            "search_16c": run_load(port, [search_call(t) for t in texts[700:1900]], clients, key),
            "answer_chat_16c": run_load(port, [answer_call(t, "chat") for t in texts[1900:2200]], clients, key),
            "cache": run_load(port, [search_call(texts[0])] * 300, 1, key),
        }
        write_visible = write_visible_over_http(port, key, articles[0])
        rss = server.peak_rss_mb()
    finally:
        server.stop()
    return {"runs": runs, "cold_start_s": cold_start, "rss_mb": rss, "write_visible_s": write_visible}


def txtai_peer(articles, mix, clients: int) -> dict | None:
    """txtai with the same model over the same articles (one text per article variant), in-process."""
    venv_python = BENCH_DIR / "txtai-venv" / "bin" / "python"
    subprocess.run(["bash", str(PROJECT_ROOT / "bench" / "txtai_venv.sh")], check=True)
    docs, queries = BENCH_DIR / "txtai-docs.jsonl", BENCH_DIR / "txtai-queries.jsonl"
    with open(docs, "w", encoding="utf-8") as handle:
        for article in articles:
            for language, variant in article.variants.items():
                handle.write(json.dumps({"id": f"{article.id}/{language.value}",
                                         "text": f"{variant.title}\n{variant.summary}"}, ensure_ascii=False) + "\n")
    with open(queries, "w", encoding="utf-8") as handle:
        for text, _ in mix[:300]:
            handle.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    log("txtai peer (builds its index once; reused while current) ...")
    output = subprocess.run(
        [str(venv_python), str(PROJECT_ROOT / "bench" / "txtai_peer.py"), "--model", str(default_model_dir()),
         "--docs", str(docs), "--queries", str(queries), "--index-dir", str(BENCH_DIR / "txtai-index"),
         "--threads", str(THREADS), "--clients", str(clients), "--rounds", "4"],
        check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000, help="size of the scaled knowledge base")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients of the loaded runs")
    parser.add_argument("--port", type=int, default=8765, help="loopback port of the server under test")
    parser.add_argument("--no-txtai", action="store_true", help="skip the txtai peer")
    args = parser.parse_args(argv)

    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    faiss.omp_set_num_threads(1)
    encoder = create_encoder(DEFAULT_ENCODER, threads=THREADS)
    articles = scaled_kb(args.articles, log)
    scaled_index(articles, encoder, log)
    mix = query_mix()
    log("in-process floor, encoders, BM25, incremental update ...")
    local = in_process(articles, encoder, mix)
    log("index build throughput ...")
    build = build_throughput(articles, encoder)
    http = over_http(articles, mix, args.port, args.clients)
    peer = None if args.no_txtai else txtai_peer(articles, mix, args.clients)
    results = summarise(local, build, http, peer, args, encoder.name)
    print_table(results, local, build, http, peer, args.clients)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nwritten: {RESULTS}")
    return 0 if results["errors"] == 0 else 1


def summarise(local, build, http, peer, args, encoder_name: str) -> dict:
    runs = http["runs"]
    return {
        "date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
        "articles": args.articles, "languages": 4, "encoder": encoder_name,
        "floor_ms": round(local["floor_ms"], 2),
        "search_p50_ms_1c": round(runs["search_1c"].percentile(50), 2),
        "answer_p50_ms_1c": round(runs["answer_chat_1c"].percentile(50), 2),
        "answer_email_p50_ms_1c": round(runs["answer_email_1c"].percentile(50), 2),
        "search_qps_1c": round(runs["search_1c"].requests_per_s, 1),
        "search_qps_16c": round(runs["search_16c"].requests_per_s, 1),
        "search_p99_ms_16c": round(runs["search_16c"].percentile(99), 2),
        "answer_qps_16c": round(runs["answer_chat_16c"].requests_per_s, 1),
        "cache_p50_ms": round(runs["cache"].percentile(50), 2),
        "errors": sum(run.errors for run in runs.values()),
        "build_ratio": round(build["build_ratio"], 3),
        "build_articles_per_s": round(build["build_articles_per_s"], 2),
        "update_visible_s": round(local["update_visible_s"], 3),
        "write_visible_s_http": round(http["write_visible_s"], 3),
        "bm25_ms": round(local["bm25_ms"], 2),
        "encode_ms": {name: round(local[f"encode_ms_{name}"], 2) for name in ("torch", "onnx", "onnx-int8")},
        "encode_batch_ms": round(local["encode_batch_ms"], 2),
        "txtai_search_p50_ms_1c": peer and peer["search_p50_ms_1c"],
        "txtai_qps_16c": peer and peer["qps_16c"],
        "rss_mb": round(http["rss_mb"], 1),
        "cold_start_s": round(http["cold_start_s"], 2),
    }


def print_table(results, local, build, http, peer, clients) -> None:
    floor = results["floor_ms"]
    runs = http["runs"]
    print(f"\nmake bench — {results['date']}, {results['machine']}, {results['articles']} articles × 4 languages, "
          f"encoder {results['encoder']}")
    print(f"floor (encode one query + index search, in-process): {floor:.2f} ms "
          f"(encode alone {local['floor_encode_ms']:.2f} ms)\n")
    print(f"{'measure':<34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'p50/floor':>9} {'errors':>6}")
    for name, label in (("search_1c", "GET /v1/search, 1 client"), ("answer_chat_1c", "POST /v1/answer chat, 1 client"),
                        ("answer_email_1c", "POST /v1/answer email, 1 client"),
                        ("search_16c", f"GET /v1/search, {clients} clients"),
                        ("answer_chat_16c", f"POST /v1/answer chat, {clients} clients"),
                        ("cache", "GET /v1/search, repeated (cache)")):
        run = runs[name]
        print(f"{label:<34} {run.percentile(50):>8.2f} {run.percentile(95):>8.2f} {run.percentile(99):>8.2f} "
              f"{run.requests_per_s:>8.1f} {run.percentile(50) / floor:>9.2f} {run.errors:>6}")
    if peer:
        print(f"{'txtai search (in-process), 1 client':<34} {peer['search_p50_ms_1c']:>8.2f} "
              f"{peer['search_p95_ms_1c']:>8.2f} {'':>8} {peer['search_qps_1c']:>8.1f} "
              f"{peer['search_p50_ms_1c'] / floor:>9.2f}")
        print(f"{f'txtai search, {clients} threads':<34} {peer['search_p50_ms_16c']:>8.2f} {'':>8} "
              f"{peer['search_p99_ms_16c']:>8.2f} {peer['qps_16c']:>8.1f} {peer['search_p50_ms_16c'] / floor:>9.2f}")
    print(f"{'BM25 alone (in-process)':<34} {local['bm25_ms']:>8.2f}")
    print("\nratios: search p50 / floor {:.2f} (target ≤ 1.3); answer p50 / floor {:.2f} (≤ 1.5); "
          "{} clients / 1 client throughput {:.2f} (≥ 3); p99 {} clients / floor {:.2f} (≤ 10); "
          "cache p50 / floor {:.2f} (≤ 0.2)".format(
              results["search_p50_ms_1c"] / floor, results["answer_p50_ms_1c"] / floor, clients,
              results["search_qps_16c"] / results["search_qps_1c"], clients, results["search_p99_ms_16c"] / floor,
              results["cache_p50_ms"] / floor))
    if peer:
        print("vs txtai: latency {:.2f}× (ours / theirs, lower is better), throughput {:.2f}× (ours / theirs)".format(
            results["search_p50_ms_1c"] / peer["search_p50_ms_1c"], results["search_qps_16c"] / peer["qps_16c"]))
    print("encoders, one short query: " + ", ".join(f"{name} {ms:.2f} ms" for name, ms in results["encode_ms"].items()))
    ceiling = 1000 / results["encode_batch_ms"]
    print(f"encoder ceiling: {CLIENTS_BATCH} queries embedded together take {results['encode_batch_ms']:.2f} ms each "
          f"(on all {THREADS} cores), so at most {ceiling:.0f} req/s = "
          f"{ceiling / results['search_qps_1c']:.2f} × the 1-client throughput, before any HTTP or search work")
    print(f"index build: {build['build_articles_per_s']:.2f} articles/s ({build['build_texts']} texts of "
          f"{BUILD_SAMPLE} articles), raw encode {build['encode_articles_per_s']:.2f} articles/s, "
          f"ratio {build['build_ratio']:.2f} (≥ 0.8); one article upsert searchable in {results['update_visible_s']:.3f} s")
    print(f"over HTTP: PUT of a new four-language article -> acknowledged -> found first by a search: "
          f"{results['write_visible_s_http']:.3f} s")
    print(f"cold start (process start -> /readyz): {results['cold_start_s']:.2f} s; peak RSS {results['rss_mb']:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
