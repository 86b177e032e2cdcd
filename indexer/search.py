"""The query path: embed the question, search the vectors and the lexical index, fuse, rank articles."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.backends import VectorBackend, create_backend
from indexer.build import Entry
from indexer.embeddings import Encoder
from indexer.fusion import Fusion, fuse
from indexer.lexical import BM25, tokenize
from kb.models import Article, ArticleVariant, Language

# How many nearest field vectors to aggregate into article scores.
CANDIDATE_VECTORS = 256


@dataclass(frozen=True)
class ArticleHit:
    """An article ranked for a query, with the field and language that matched best.

    ``score`` is the dense cosine of the best field (it feeds the confidence);
    ``rank_score`` is the fused score the ranking uses.
    """

    article: Article
    score: float
    rank_score: float
    language: Language
    field: str


class ArticleIndex:
    """A searchable knowledge base: field vectors, a lexical index, the articles.

    Args:
        articles: the knowledge base.
        entries: what each vector id is (``entries[i]`` is vector ``i``).
        backend: the vector backend holding the field vectors.
        encoder: the model the vectors were made with.
        fusion: how dense and lexical scores are combined.
    """

    def __init__(self, articles: list[Article], entries: list[Entry], backend: VectorBackend, encoder: Encoder,
                 fusion: Fusion = Fusion()):
        if backend.count() != len(entries):
            raise ValueError(f"{backend.count()} vectors but {len(entries)} entries")
        self.encoder = encoder
        self.articles = {article.id: article for article in articles}
        self.entries = entries
        self.backend = backend
        self.fusion = fusion
        # one lexical document per article language: all its fields together
        self.lexical_docs = [(a.id, lang) for a in articles for lang in a.variants]
        self.lexical = BM25([
            tokenize(_all_text(self.articles[article_id].variants[lang]), (lang.value,))
            for article_id, lang in self.lexical_docs
        ])

    @classmethod
    def load(cls, articles: list[Article], index_dir: Path, encoder: Encoder, fusion: Fusion = Fusion()):
        """Open an index folder written by :func:`indexer.build.build_index`."""
        manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
        entries = [Entry(**e) for e in json.loads((index_dir / "entries.json").read_text(encoding="utf-8"))]
        backend = create_backend(manifest["backend"], encoder.dim)
        backend.load(index_dir / "vectors.faiss")
        return cls(articles, entries, backend, encoder, fusion)

    def search(self, query: str, limit: int = 5, vector: np.ndarray | None = None) -> list[ArticleHit]:
        """Rank articles for a question: dense similarity fused with the lexical signal.

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
        dense = self._dense_scores(scores[0], ids[0])
        lexical = self.lexical_scores(query)
        fused = fuse({article_id: score for article_id, (score, _) in dense.items()}, lexical, self.fusion)
        hits = [ArticleHit(self.articles[article_id], dense[article_id][0], fused[article_id],
                           Language(dense[article_id][1].language), dense[article_id][1].field)
                for article_id in dense]
        hits.sort(key=lambda hit: hit.rank_score, reverse=True)
        return hits[:limit]

    def _dense_scores(self, scores: np.ndarray, ids: np.ndarray) -> dict[str, tuple[float, Entry]]:
        """Per article: the score of its best-matching field and that field's entry."""
        dense: dict[str, tuple[float, Entry]] = {}
        for score, vector_id in zip(scores, ids):  # best first: an article's first hit is its best
            if vector_id < 0:
                continue
            entry = self.entries[vector_id]
            if entry.article_id in self.articles and entry.article_id not in dense:
                dense[entry.article_id] = (float(score), entry)
        return dense

    def lexical_scores(self, query: str) -> dict[str, float]:
        """Lexical match per article (best over its languages) in [0, 1]: its BM25 score as a share of
        the most the query could score; articles without a match are left out."""
        best: dict[str, float] = {}
        terms = tokenize(query)
        scores = self.lexical.scores(terms) / (self.lexical.upper_bound(terms) or 1.0)
        for position in np.flatnonzero(scores):
            article_id = self.lexical_docs[position][0]
            best[article_id] = max(best.get(article_id, 0.0), float(scores[position]))
        return best


def _all_text(variant: ArticleVariant) -> str:
    return "\n".join([variant.title, *variant.questions, variant.summary, variant.body])
