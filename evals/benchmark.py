"""The public retrieval benchmark in ``../shared/eval/``, through our own index and search path.

Every ``kb`` of the benchmark becomes a knowledge base of one-field articles
(the document text as the body) indexed exactly as the service indexes articles
(``passage:`` vectors in the FAISS backend beside the BM25 index) and searched
with :meth:`indexer.search.ArticleIndex.search`, the call the API makes. Each
query is searched only among the documents of its ``kb``. Embeddings are cached
under ``build/eval/cache`` (keyed by model, prompt and text).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals.cache import EmbeddingCache
from evals.common import print_table
from indexer.backends import create_backend
from indexer.build import article_entries, embed_entries
from indexer.fusion import Fusion
from indexer.search import ArticleIndex
from indexer.settings import PROJECT_ROOT
from indexer.vector_sources import VectorSources
from kb.language import detect_language
from kb.models import Article, ArticleVariant, Language

BENCHMARK_DIR = PROJECT_ROOT.parent / "shared" / "eval"
CACHE_DIR = PROJECT_ROOT / "build" / "eval" / "cache"
SOURCES = ("gnome-help", "mozilla-privacy-faq", "bitext-cs", "banking77", "flores", "ntrex",
           "tatoeba-lit", "tatoeba-jpn", "tatoeba-cmn")
# Training data of the adapted model (python -m training.adapt): not held out, so not run by default.
TRAINING_SOURCES = ("ntrex", "tatoeba-lit", "tatoeba-jpn", "tatoeba-cmn")
HELD_OUT_SOURCES = tuple(s for s in SOURCES if s not in TRAINING_SOURCES)
# The methods compared on every row; "hybrid" is what the service uses.
METHODS = {"lexical": None, "dense": Fusion("dense"), "hybrid": Fusion()}


@dataclass
class Row:
    source: str
    task: str
    query_lang: str
    kb_lang: str
    n: int
    scores: dict[str, dict[str, float]]  # method -> r1 / r5 / mrr10

    def as_json(self) -> dict:
        ours = self.scores["hybrid"]
        return {"source": self.source, "task": self.task, "query_lang": self.query_lang, "kb_lang": self.kb_lang,
                "n": self.n, "r1": ours["r1"], "r5": ours["r5"], "mrr10": ours["mrr10"],
                "dense_r1": self.scores["dense"]["r1"], "lexical_r1": self.scores["lexical"]["r1"]}


def read_jsonl(path: Path, sources: set[str]) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        rows = (json.loads(line) for line in handle)
        return [row for row in rows if row["source"] in sources]


def kb_index(docs: list[dict], cache: EmbeddingCache) -> ArticleIndex:
    """An ArticleIndex over benchmark documents, each an article with the text as its body."""
    articles = [Article(id=d["doc_id"], category=d["source"], tags=(), variants={
        Language(d["lang"]): ArticleVariant(Language(d["lang"]), title="", summary="", body=d["text"], questions=())})
        for d in docs]
    entries = [entry for article in articles for entry in article_entries(article)]
    backend = create_backend("faiss", cache.dim)
    backend.add(np.arange(len(entries)), embed_entries(cache, entries))
    return ArticleIndex(articles, VectorSources.of_entries(entries), backend, cache.encoder)


def ranks_for(index: ArticleIndex, queries: list[dict], vectors: np.ndarray, method: str) -> list[int | None]:
    """Rank (1-based, within the top 10) of each query's gold document, None when outside.

    The query's language is detected as the service detects it, not read from the benchmark."""
    ranks = []
    for query, vector in zip(queries, vectors):
        language = detect_language(query["query"]).language
        if METHODS[method] is None:
            lexical = index.lexical_scores(query["query"], language)
            ranked = sorted(lexical, key=lexical.get, reverse=True)[:10]
        else:
            index.fusion = METHODS[method]
            ranked = [hit.article.id for hit in index.search(query["query"], 10, vector)]
        ranks.append(ranked.index(query["gold_doc_id"]) + 1 if query["gold_doc_id"] in ranked else None)
    return ranks


def metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks)
    return {"r1": sum(r == 1 for r in ranks) / n,
            "r5": sum(r is not None and r <= 5 for r in ranks) / n,
            "mrr10": sum(1 / r for r in ranks if r is not None) / n}


def evaluate(encoder, sources: list[str], benchmark_dir: Path = BENCHMARK_DIR, log=print) -> list[Row]:
    """Evaluate the listed sources; one row per (source, task, query language, kb)."""
    wanted = set(sources)
    docs = read_jsonl(benchmark_dir / "docs.jsonl", wanted)
    queries = read_jsonl(benchmark_dir / "queries.jsonl", wanted)
    docs_by_kb = defaultdict(list)
    for doc in docs:
        docs_by_kb[doc["kb"]].append(doc)
    groups = defaultdict(list)
    for query in queries:
        groups[(query["source"], query["task"], query["lang"], query["kb"])].append(query)
    cache = EmbeddingCache(CACHE_DIR, encoder)
    rows, indexes = [], {}
    for (source, task, query_lang, kb), members in sorted(groups.items()):
        started = time.perf_counter()
        if kb not in indexes:
            indexes[kb] = kb_index(docs_by_kb[kb], cache)
        vectors = cache.encode([q["query"] for q in members], "query")
        scores = {method: metrics(ranks_for(indexes[kb], members, vectors, method)) for method in METHODS}
        rows.append(Row(source, task, query_lang, docs_by_kb[kb][0]["lang"], len(members), scores))
        log(f"  {source} {query_lang}->{kb}: {len(members)} queries in {time.perf_counter() - started:.1f} s")
    return rows


def print_rows(title: str, rows: list[Row]) -> None:
    print_table(title, ["source", "task", "direction", "n", "lexical R@1", "dense R@1", "R@1", "R@5", "MRR@10"],
                [[r.source, r.task, f"{r.query_lang}->{r.kb_lang}", r.n, r.scores["lexical"]["r1"],
                  r.scores["dense"]["r1"], r.scores["hybrid"]["r1"], r.scores["hybrid"]["r5"],
                  r.scores["hybrid"]["mrr10"]] for r in rows])
