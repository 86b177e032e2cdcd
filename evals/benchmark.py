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
from indexer.fusion import FieldFusion, Fusion
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
# The methods compared on every row; "hybrid" is what the service uses (with two encoders: both, fused).
METHODS = {"lexical": None, "dense": Fusion("dense"), "hybrid": Fusion()}
# With two encoders, each alone too: the same vectors, the second weighed 0 or 1 for every pair of languages
# (a query whose language is unknown is e5's alone either way).
FIRST_ALONE = FieldFusion()
SECOND_ALONE = FieldFusion({(query.value, entry.value): 1.0 for query in Language for entry in Language})
PAIR_METHODS = {"e5 dense": Fusion("dense", fields=FIRST_ALONE), "use-m dense": Fusion("dense", fields=SECOND_ALONE),
                "e5 hybrid": Fusion(fields=FIRST_ALONE)}


@dataclass
class Row:
    source: str
    task: str
    query_lang: str
    kb_lang: str
    n: int
    scores: dict[str, dict[str, float]]  # method -> r1 / r5 / mrr10

    def as_json(self) -> dict:
        """The service's (hybrid) figures, and R@1 of every other method (``e5_dense_r1``…)."""
        ours = self.scores["hybrid"]
        return {"source": self.source, "task": self.task, "query_lang": self.query_lang, "kb_lang": self.kb_lang,
                "n": self.n, "r1": ours["r1"], "r5": ours["r5"], "mrr10": ours["mrr10"],
                **{f"{method.replace(' ', '_').replace('-', '')}_r1": scores["r1"]
                   for method, scores in self.scores.items() if method != "hybrid"}}

    def lost_queries(self) -> int:
        """How many more queries the service's ranking misses than e5's alone (negative: fewer)."""
        return round((self.scores["e5 hybrid"]["r1"] - self.scores["hybrid"]["r1"]) * self.n)


def read_jsonl(path: Path, sources: set[str]) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        rows = (json.loads(line) for line in handle)
        return [row for row in rows if row["source"] in sources]


def kb_index(docs: list[dict], cache: EmbeddingCache) -> ArticleIndex:
    """An ArticleIndex over benchmark documents, each an article with the text as its body."""
    articles = [Article(id=d["doc_id"], category=d["source"], tags=(), variants={
        Language(d["lang"]): ArticleVariant(Language(d["lang"]), title="", summary="", body=d["text"], questions=())})
        for d in docs]
    return articles_index(articles, cache)


def articles_index(articles: list[Article], cache: EmbeddingCache) -> ArticleIndex:
    """An ArticleIndex over ``articles`` as the service indexes them (every field of every variant,
    one vector field per model of the encoder), embedded through ``cache``."""
    entries = [entry for article in articles for entry in article_entries(article)]
    backend = create_backend("faiss", cache.encoder.dims)
    backend.add(np.arange(len(entries)), embed_entries(cache, entries))
    return ArticleIndex(articles, VectorSources.of_entries(entries), backend, cache.encoder)


def remember_lexical_scores(index: ArticleIndex) -> None:
    """Make ``index`` score each query lexically once (per language, and for all articles or its dense
    candidates): a query's dense candidates are the same articles whatever the fusion, so are their lexical
    scores, and comparing fusions reruns only the dense part of :meth:`ArticleIndex.search`."""
    if hasattr(index, "lexical_memo"):
        return
    index.lexical_memo, lexical_scores = {}, index.lexical_scores

    def remembered(query, language=None, candidates=None, synonyms=None):
        key = (query, language, candidates is None, synonyms is None)
        if key not in index.lexical_memo:
            index.lexical_memo[key] = lexical_scores(query, language, candidates, synonyms)
        return index.lexical_memo[key]

    index.lexical_scores = remembered


def methods_for(encoder) -> dict[str, Fusion | None]:
    """The methods compared: :data:`METHODS`, and with two encoders :data:`PAIR_METHODS` too."""
    return METHODS | (PAIR_METHODS if len(encoder.dims) > 1 else {})


def ranks_for(index: ArticleIndex, queries: list[dict], vectors: np.ndarray,
              methods: dict[str, Fusion | None]) -> dict[str, list[int | None]]:
    """Per method (None: lexical alone), the rank (1-based, within the top 10) of each query's gold document,
    None when outside; the vector index is searched once for all methods.

    The query's language is detected as the service detects it, not read from the benchmark."""
    ranks = {method: [] for method in methods}
    remember_lexical_scores(index)
    scores, ids = index.nearest(vectors)
    for i, query in enumerate(queries):
        language = detect_language(query["query"]).language
        for method, fusion in methods.items():
            if fusion is None:
                lexical = index.lexical_scores(query["query"], language)
                ranked = sorted(lexical, key=lexical.get, reverse=True)[:10]
            else:
                index.fusion = fusion
                ranked = [hit.article.id for hit in index.search(query["query"], 10, language=language,
                                                                   neighbours=(scores[i], ids[i]))]
            ranks[method].append(ranked.index(query["gold_doc_id"]) + 1 if query["gold_doc_id"] in ranked else None)
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
        ranks = ranks_for(indexes[kb], members, vectors, methods_for(encoder))
        scores = {method: metrics(method_ranks) for method, method_ranks in ranks.items()}
        rows.append(Row(source, task, query_lang, docs_by_kb[kb][0]["lang"], len(members), scores))
        log(f"  {source} {query_lang}->{kb}: {len(members)} queries in {time.perf_counter() - started:.1f} s")
    return rows


def print_rows(title: str, rows: list[Row]) -> None:
    """One line per row: R@1 of every method (with two encoders: e5's, USE-m's and the fused, side by side
    and how many queries the service's ranking loses against e5's alone), then the service's R@5 and MRR@10."""
    if rows and "e5 hybrid" in rows[0].scores:
        print_table(title, ["source", "task", "direction", "n", "lexical", "e5 dense", "USE-m dense", "fused dense",
                            "e5 hybrid", "R@1", "lost", "R@5", "MRR@10"],
                    [[r.source, r.task, f"{r.query_lang}->{r.kb_lang}", r.n, r.scores["lexical"]["r1"],
                      r.scores["e5 dense"]["r1"], r.scores["use-m dense"]["r1"], r.scores["dense"]["r1"],
                      r.scores["e5 hybrid"]["r1"], r.scores["hybrid"]["r1"], r.lost_queries(),
                      r.scores["hybrid"]["r5"], r.scores["hybrid"]["mrr10"]] for r in rows])
        return
    print_table(title, ["source", "task", "direction", "n", "lexical R@1", "dense R@1", "R@1", "R@5", "MRR@10"],
                [[r.source, r.task, f"{r.query_lang}->{r.kb_lang}", r.n, r.scores["lexical"]["r1"],
                  r.scores["dense"]["r1"], r.scores["hybrid"]["r1"], r.scores["hybrid"]["r5"],
                  r.scores["hybrid"]["mrr10"]] for r in rows])
