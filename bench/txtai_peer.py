"""Peer benchmark: txtai search over the same local e5 model, measured in-process.

Run with the txtai virtualenv (``bench/txtai_venv.sh``)::

    build/bench/txtai-venv/bin/python bench/txtai_peer.py --model build/models/multilingual-e5-small \
        --docs docs.jsonl --queries queries.jsonl --index-dir build/bench/txtai-index

The index (exact faiss ``IDMap,Flat`` like ours, no content store) is reused while its stamp (docs file hash + model path) matches.
Progress goes to stderr; the last stdout line is a JSON object with the figures.
"""

from __future__ import annotations

import os

# Offline: the model is a local folder. Quiet: transformers' load report and progress bars.
for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS"):
    os.environ.setdefault(name, "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import argparse
import hashlib
import itertools
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
from txtai import Embeddings

LIMIT = 5
WARMUP = 20
# e5 prompts: txtai prepends instructions["query"] to searches and instructions["data"] to indexed text.
INSTRUCTIONS = {"query": "query: ", "data": "passage: "}


def log(message: str) -> None:
    """Print a progress message to stderr."""
    print(message, file=sys.stderr, flush=True)


def read_jsonl(path: Path) -> list[dict]:
    """Read one JSON object per non-blank line."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def stamp_of(docs: Path, model: Path) -> str:
    """Hash of the docs file's bytes and the model folder's path."""
    digest = hashlib.sha256(docs.read_bytes())
    digest.update(str(model.resolve()).encode("utf-8"))
    return digest.hexdigest()


def load_or_build(model: Path, docs: Path, index_dir: Path) -> tuple[Embeddings, float | None, int]:
    """Load the saved index when its stamp matches, else build and save it.

    Returns:
        the embeddings, build seconds (None when reused) and the number of indexed docs.
    """
    stamp_file = index_dir / "peer-stamp.txt"
    stamp = stamp_of(docs, model)
    embeddings = Embeddings()
    if stamp_file.is_file() and stamp_file.read_text().strip() == stamp and embeddings.exists(str(index_dir)):
        embeddings.load(str(index_dir))
        log(f"reusing index in {index_dir}")
        return embeddings, None, embeddings.count()

    rows = read_jsonl(docs)
    embeddings = Embeddings(
        path=str(model), method="meanpooling", backend="faiss", content=False, gpu=False,
        instructions=INSTRUCTIONS,
        # exact search like ours: txtai would switch to an approximate IVF index above 5,000 rows
        faiss={"components": "IDMap,Flat"},
    )
    log(f"indexing {len(rows)} docs with {model}")
    start = time.perf_counter()
    embeddings.index((row["id"], row["text"], None) for row in rows)
    build_s = time.perf_counter() - start
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp_file.unlink(missing_ok=True)
    embeddings.save(str(index_dir))
    stamp_file.write_text(stamp + "\n")
    log(f"built in {build_s:.1f} s, saved to {index_dir}")
    return embeddings, build_s, len(rows)


def timed_search(embeddings: Embeddings, text: str) -> float:
    """Run one search and return its latency in milliseconds."""
    start = time.perf_counter()
    embeddings.search(text, LIMIT)
    return (time.perf_counter() - start) * 1000


def sequential(embeddings: Embeddings, queries: list[str]) -> dict:
    """One client: every query in turn, after WARMUP searches."""
    for text in itertools.islice(itertools.cycle(queries), WARMUP):
        embeddings.search(text, LIMIT)
    start = time.perf_counter()
    latencies = [timed_search(embeddings, text) for text in queries]
    wall = time.perf_counter() - start
    return {
        "search_p50_ms_1c": round(float(np.percentile(latencies, 50)), 2),
        "search_p95_ms_1c": round(float(np.percentile(latencies, 95)), 2),
        "search_qps_1c": round(len(queries) / wall, 2),
    }


def concurrent(embeddings: Embeddings, queries: list[str], clients: int, rounds: int) -> dict:
    """`clients` threads sharing len(queries) * rounds searches; wall-clock throughput."""
    total = len(queries) * rounds
    with ThreadPoolExecutor(max_workers=clients) as pool:
        start = time.perf_counter()
        latencies = list(pool.map(lambda i: timed_search(embeddings, queries[i % len(queries)]), range(total)))
        wall = time.perf_counter() - start
    return {
        "search_p50_ms_16c": round(float(np.percentile(latencies, 50)), 2),
        "search_p99_ms_16c": round(float(np.percentile(latencies, 99)), 2),
        "qps_16c": round(total / wall, 2),
    }


def main() -> None:
    """Parse arguments, build or load the index, measure, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="local sentence-transformers folder")
    parser.add_argument("--docs", type=Path, required=True, help='JSONL of {"id", "text"}')
    parser.add_argument("--queries", type=Path, required=True, help='JSONL of {"text"}')
    parser.add_argument("--index-dir", type=Path, required=True, help="where the txtai index is saved")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads")
    parser.add_argument("--rounds", type=int, default=4, help="passes over the queries in the concurrent run")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    embeddings, build_s, docs = load_or_build(args.model, args.docs, args.index_dir)
    queries = [row["text"] for row in read_jsonl(args.queries)]

    log(f"1 client: {len(queries)} queries after {WARMUP} warm-up searches")
    result = sequential(embeddings, queries)
    log(f"{args.clients} clients: {len(queries) * args.rounds} searches")
    result |= concurrent(embeddings, queries, args.clients, args.rounds)
    result |= {
        "build_s": None if build_s is None else round(build_s, 2),
        "docs": docs,
        "queries": len(queries),
        "txtai_version": version("txtai"),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
