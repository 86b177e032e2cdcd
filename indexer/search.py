"""The query path: embed the question, search the vectors, rank articles."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.backends import create_backend
from indexer.build import Entry
from indexer.embeddings import Encoder
from indexer.lexical import BM25, tokenize
from kb.models import Article, Language

# How many nearest field vectors to aggregate into article scores.
CANDIDATE_VECTORS = 256
# Weight of the lexical score (BM25, scaled to [0, 1] per query) added to the
# dense cosine when ranking; the dense cosine alone feeds the confidence.
LEXICAL_WEIGHT = 0.05


@dataclass(frozen=True)
class ArticleHit:
    """An article ranked for a query, with the field and language that matched best.

    ``score`` is the dense cosine of the best field; ``rank_score`` adds the lexical signal.
    """

    article: Article
    score: float
    rank_score: float
    language: Language
    field: str


class ArticleIndex:
    """A loaded index of one knowledge base.

    Args:
        articles: the knowledge base.
        index_dir: a folder written by :func:`indexer.build.build_index`.
        encoder: the model the index was built with.
    """

    def __init__(self, articles: list[Article], index_dir: Path, encoder: Encoder):
        manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
        self.encoder = encoder
        self.articles = {article.id: article for article in articles}
        self.entries = [Entry(**e) for e in json.loads((index_dir / "entries.json").read_text(encoding="utf-8"))]
        self.backend = create_backend(manifest["backend"], encoder.dim)
        self.backend.load(index_dir / "vectors.faiss")
        if self.backend.count() != len(self.entries):
            raise ValueError(f"{index_dir}: {self.backend.count()} vectors but {len(self.entries)} entries")
        # one lexical document per article language: all its fields together
        self.lexical_docs = [(a.id, lang) for a in articles for lang in a.variants]
        self.lexical = BM25([
            tokenize(_all_text(self.articles[article_id].variants[lang]), (lang.value,))
            for article_id, lang in self.lexical_docs
        ])

    def search(self, query: str, limit: int = 5, vector: np.ndarray | None = None) -> list[ArticleHit]:
        """Rank articles for a question: dense similarity plus a lexical signal.

        Args:
            query: the customer's text.
            limit: how many articles to return.
            vector: the query's ``query:`` embedding when the caller already has it.

        Returns:
            Articles by descending ``rank_score``.
        """
        if vector is None:
            vector = self.encoder.encode_queries([query])[0]
        scores, ids = self.backend.search(vector.reshape(1, -1), CANDIDATE_VECTORS)
        dense: dict[str, tuple[float, Entry]] = {}
        for score, vector_id in zip(scores[0], ids[0]):
            if vector_id < 0:
                continue
            entry = self.entries[vector_id]
            if entry.article_id in self.articles and entry.article_id not in dense:
                dense[entry.article_id] = (float(score), entry)  # best first: first hit is the best
        lexical = self._lexical_scores(query)
        top_lexical = max(lexical.values(), default=0.0) or 1.0
        hits = [
            ArticleHit(self.articles[article_id], score,
                       score + LEXICAL_WEIGHT * lexical.get(article_id, 0.0) / top_lexical,
                       Language(entry.language), entry.field)
            for article_id, (score, entry) in dense.items()
        ]
        hits.sort(key=lambda hit: hit.rank_score, reverse=True)
        return hits[:limit]

    def _lexical_scores(self, query: str) -> dict[str, float]:
        best: dict[str, float] = {}
        for (article_id, _), score in zip(self.lexical_docs, self.lexical.scores(tokenize(query))):
            best[article_id] = max(best.get(article_id, 0.0), score)
        return best


def _all_text(variant) -> str:
    return "\n".join([variant.title, *variant.questions, variant.summary, variant.body])
