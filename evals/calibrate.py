"""Fit the confidence model (``python -m evals.calibrate``) and print its coefficients, and what each answer
threshold keeps and refuses with them and with those in use (the score feature is the dense score the index
ranks by: with the second encoder, the fused one).

Positives and hard cases: every example question of the demo knowledge base, searched in an
index built without that question's half of the questions (two folds); label 1 when the top
article is the question's own. Negatives: FLORES sentences and gnome-help titles (all four
languages) searched in the full demo index; label 0. None of this is test data.
"""

from __future__ import annotations

import json
import random

import numpy as np

from evals.benchmark import BENCHMARK_DIR, CACHE_DIR
from evals.cache import EmbeddingCache
from evals.common import DEMO_KB, demo_index
from indexer.backends import create_backend
from indexer.build import article_entries, embed_entries
from indexer.confidence import COEFFICIENTS, DEFAULT_ANSWER_THRESHOLD, features
from indexer.search import ArticleIndex
from indexer.vector_sources import VectorSources
from kb.loader import load_articles
from kb.models import Article

NEGATIVES_PER_LANGUAGE = 150
LANGUAGES = ("en", "ja", "zh", "lt")


def fold_index(articles: list[Article], held_out: set[tuple[str, str, str]], cache: EmbeddingCache) -> ArticleIndex:
    """The demo index without the held-out (article, language, question) entries, embedded through ``cache``."""
    entries = [e for a in articles for e in article_entries(a)
               if not (e.field == "question" and (e.article_id, e.language, e.text) in held_out)]
    backend = create_backend("faiss", cache.encoder.dims)
    backend.add(np.arange(len(entries)), embed_entries(cache, entries))
    return ArticleIndex(articles, VectorSources.of_entries(entries), backend, cache.encoder)


def collect(full: ArticleIndex) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels: held-out KB questions (1 when answered right) and off-topic negatives (0).

    Args:
        full: the demo knowledge base's complete index.
    """
    cache = EmbeddingCache(CACHE_DIR, full.encoder)
    articles = load_articles(DEMO_KB)
    questions = [(a.id, lang.value, q) for a in articles for lang, v in a.variants.items() for q in v.questions]
    random.Random(0).shuffle(questions)  # noqa: S311 (a seeded split, not security)
    x, y = [], []
    for fold in (questions[::2], questions[1::2]):
        index = fold_index(articles, set(fold), cache)
        vectors = cache.encode_queries([q for _, _, q in fold])
        for (article_id, _, question), vector in zip(fold, vectors):
            hits = index.search(question, limit=3, vector=vector)
            x.append(features(hits))
            y.append(int(hits[0].article.id == article_id))
    with open(BENCHMARK_DIR / "queries.jsonl", encoding="utf-8") as handle:
        pools = {(s, lang): [] for s in ("flores", "gnome-help") for lang in LANGUAGES}
        for line in handle:
            row = json.loads(line)
            key = (row["source"], row["lang"])
            if key in pools and len(pools[key]) < NEGATIVES_PER_LANGUAGE:
                pools[key].append(row["query"])
    negatives = [q for texts in pools.values() for q in texts]
    for question, vector in zip(negatives, cache.encode_queries(negatives)):
        x.append(features(full.search(question, limit=3, vector=vector)))
        y.append(0)
    return np.array(x), np.array(y)


def fit_logistic(x: np.ndarray, y: np.ndarray, steps: int = 20000, rate: float = 0.5,
                 balanced: bool = True) -> np.ndarray:
    """Gradient-descent logistic regression.

    Args:
        balanced: weigh the two classes equally (a service sees mostly answerable questions, so the
            many easy negatives must not set the prior); False: every example alike.

    Returns:
        (intercept, *weights) for raw features.
    """
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    sample = np.where(y == 1, 0.5 / y.sum(), 0.5 / (1 - y).sum()) if balanced else np.full(len(y), 1 / len(y))
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= rate * (z.T @ (sample * (p - y)) + 1e-4 * w)
        b -= rate * float((sample * (p - y)).sum())
    weights = w / std
    return np.concatenate([[b - float((w * mean / std).sum())], weights])


def print_thresholds(title: str, coefficients, x: np.ndarray, y: np.ndarray) -> None:
    """What each answer threshold keeps and refuses on ``x``, ``y`` with these coefficients."""
    p = 1 / (1 + np.exp(-(coefficients[0] + x @ np.asarray(coefficients[1:]))))
    print(f"\n{title}: COEFFICIENTS = (" + ", ".join(f"{c:.2f}" for c in coefficients) + ")")
    print(f"training accuracy at 0.5: {((p >= 0.5) == y).mean():.3f}")
    print("threshold  right answers kept  wrong/off-topic refused")
    for threshold in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6):
        print(f"{threshold:9.1f}  {(p[y == 1] >= threshold).mean():18.3f}  {(p[y == 0] < threshold).mean():23.3f}")


def main() -> int:
    x, y = collect(demo_index())
    print(f"examples: {len(y)} ({int(y.sum())} right top answers, {int((1 - y).sum())} wrong or off-topic); "
          f"the answer threshold in use: {DEFAULT_ANSWER_THRESHOLD}")
    print_thresholds("In use (indexer/confidence.py)", COEFFICIENTS, x, y)
    print_thresholds("Fitted now", fit_logistic(x, y), x, y)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
