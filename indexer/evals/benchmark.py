"""The public retrieval benchmark in ``../shared/eval/`` through our encoder and vector backend.

Each query is searched only among the documents of its ``kb`` (see the
benchmark's README). Documents get the ``passage: `` prompt, queries the
``query: `` prompt; exact inner-product search in the FAISS backend.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from indexer.backends import create_backend
from indexer.evals.common import print_table
from indexer.settings import PROJECT_ROOT

BENCHMARK_DIR = PROJECT_ROOT.parent / "shared" / "eval"


def read_jsonl(path: Path, sources: set[str]) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        rows = (json.loads(line) for line in handle)
        return [row for row in rows if row["source"] in sources]


def evaluate_source(encoder, source: str, benchmark_dir: Path = BENCHMARK_DIR) -> list[dict]:
    """R@1, R@5 and MRR@10 of dense search for every task and direction of one source.

    Args:
        encoder: the model.
        source: a benchmark source name, e.g. ``bitext-cs``.
        benchmark_dir: the benchmark folder.

    Returns:
        One row per (task, query language, kb language):
        ``{"source", "task", "query_lang", "kb_lang", "n", "r1", "r5", "mrr10"}``.
    """
    docs = read_jsonl(benchmark_dir / "docs.jsonl", {source})
    queries = read_jsonl(benchmark_dir / "queries.jsonl", {source})
    docs_by_kb = defaultdict(list)
    for doc in docs:
        docs_by_kb[doc["kb"]].append(doc)
    groups = defaultdict(list)
    for query in queries:
        groups[(query["task"], query["lang"], query["kb"])].append(query)
    rows = []
    for (task, query_lang, kb), members in sorted(groups.items()):
        pool = docs_by_kb[kb]
        backend = create_backend("faiss", encoder.dim)
        backend.add(np.arange(len(pool)), encoder.encode_passages([d["text"] for d in pool]))
        _, ids = backend.search(encoder.encode_queries([q["query"] for q in members]), 10)
        position = {d["doc_id"]: i for i, d in enumerate(pool)}
        ranks = []
        for query, found in zip(members, ids):
            hits = np.flatnonzero(found == position[query["gold_doc_id"]])
            ranks.append(int(hits[0]) + 1 if hits.size else None)
        n = len(ranks)
        rows.append({
            "source": source, "task": task, "query_lang": query_lang, "kb_lang": pool[0]["lang"], "n": n,
            "r1": sum(r == 1 for r in ranks) / n,
            "r5": sum(r is not None and r <= 5 for r in ranks) / n,
            "mrr10": sum(1 / r for r in ranks if r is not None) / n,
        })
    return rows


def print_rows(title: str, rows: list[dict]) -> None:
    print_table(title, ["source", "task", "direction", "n", "R@1", "R@5", "MRR@10"],
                [[r["source"], r["task"], f"{r['query_lang']}->{r['kb_lang']}", r["n"], r["r1"], r["r5"],
                  r["mrr10"]] for r in rows])
