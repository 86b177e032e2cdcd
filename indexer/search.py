"""The query path: embed the question, search the vectors and the lexical index, fuse, rank articles."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.backends import ArticleVectors, VectorBackend, create_backend
from indexer.build import (
    OWNERS_FILE,
    VECTORS_FILE,
    article_entries,
    embed_entries,
    lexical_index,
    lexical_text,
    publish_index,
    stage_index,
)
from indexer.encoders import Encoder
from indexer.fusion import Fusion, fuse
from indexer.lexical import BM25, tokenize, verbatim_terms
from indexer.synonyms import Synonyms
from indexer.vector_sources import VectorSources, source_codes
from kb.filters import ArticleFilter
from kb.language import UnsupportedLanguageError, detect_language
from kb.models import Article, Language

# How many nearest field vectors to aggregate into article scores.
CANDIDATE_VECTORS = 256
# Chinese and Japanese share Han words (注文, 配送), so all their terms match each other;
# English and Lithuanian share the Latin script, so names; any two languages share codes and numbers.
SCRIPTS = {Language.EN: "latin", Language.LT: "latin", Language.JA: "han", Language.ZH: "han"}
SHARED_VOCABULARY = {Language.JA: {Language.JA, Language.ZH}, Language.ZH: {Language.JA, Language.ZH}}
LANGUAGE_CODES = {language: code for code, language in enumerate(Language)}


@dataclass(frozen=True)
class ArticleHit:
    """An article ranked for a query, with the field and language that matched best.

    ``score`` is the dense cosine of the best field (it feeds the confidence);
    ``rank_score`` is the fused score the ranking uses; ``pinned``: first because a pin put it there
    (its scores stay its own: 0 when it was not even among the dense candidates).
    """

    article: Article
    score: float
    rank_score: float
    language: Language
    field: str
    pinned: bool = False


class ArticleIndex:
    """A searchable knowledge base: field vectors, a lexical index, the articles.

    Articles can be added, replaced and removed in place (:meth:`upsert`, :meth:`remove`); a process
    following another's writes to a shared backend takes them in with :meth:`take_in_shared` and
    :meth:`remove_locally`. ``version`` counts those changes, so callers can key caches on it.

    Args:
        articles: the knowledge base.
        sources: which article field each vector id was made from.
        backend: the vector backend holding the field vectors.
        encoder: the model the vectors were made with.
        fusion: how dense and lexical scores are combined.
        lexical: the articles' lexical index as :func:`indexer.build.lexical_index` makes it
            (built here when None).
    """

    def __init__(self, articles: list[Article], sources: VectorSources, backend: VectorBackend, encoder: Encoder,
                 fusion: Fusion = Fusion(), lexical: tuple[list[tuple[str, Language]], BM25] | None = None):
        if not backend.shared and backend.count() != sources.live_count():
            raise ValueError(f"{backend.count()} vectors but {sources.live_count()} sources")
        self.encoder = encoder
        self.articles = {article.id: article for article in articles}
        self.sources = sources
        self.backend = backend
        self.fusion = fusion
        self.version = 0
        self._lock = threading.Lock()
        # one lexical document per article language: all its fields together
        self.lexical_docs, self.lexical = lexical or lexical_index(articles)
        self._lexical_positions: dict[str, list[int]] = {}
        for position, (article_id, _) in enumerate(self.lexical_docs):
            self._lexical_positions.setdefault(article_id, []).append(position)
        self._lexical_languages = np.array([LANGUAGE_CODES[lang] for _, lang in self.lexical_docs], dtype=np.int8)

    @classmethod
    def load(cls, articles: list[Article], index_dir: Path, encoder: Encoder, fusion: Fusion = Fusion()):
        """Open an index folder written by :func:`indexer.build.write_index`.

        Args:
            articles: the knowledge base now; articles the saved index lacks or holds in an older
                form are caught up by the caller (see :func:`indexer.sync.open_index`).

        Raises:
            OSError, ValueError, RuntimeError: a file is missing or corrupt.
        """
        manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
        backend = create_backend(manifest["backend"], encoder.dims)
        backend.load(index_dir / VECTORS_FILE)
        documents = [(a, Language(lang)) for a, lang in json.loads((index_dir / "lexical.json").read_text("utf-8"))]
        lexical = BM25.load(index_dir / "lexical.npz")
        if lexical.size != len(documents):
            raise ValueError(f"{index_dir}: {lexical.size} lexical documents but {len(documents)} listed")
        return cls(articles, VectorSources.load(index_dir / OWNERS_FILE), backend, encoder, fusion, (documents, lexical))

    def save(self, index_dir: Path) -> None:
        """Write the index as it is now (vectors, their sources, lexical index, article digests), atomically;
        searches wait only while its files are staged, not while they are checksummed and flushed."""
        with self._lock:
            staging, manifest = stage_index(index_dir, self.encoder, self.backend, self.sources, self.lexical_docs,
                                            self.lexical, list(self.articles.values()))
        publish_index(staging, index_dir, manifest)

    def nearest(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The nearest field vectors of each query vector, in one backend call.

        Args:
            vectors: (n, dim) query vectors (with two fields: both side by side).

        Returns:
            (scores, ids) as :meth:`indexer.backends.VectorBackend.search` returns them: (n, k) best first,
            or, with two fields, (n, m, 2) scores of the candidates either field found; id -1 pads.
        """
        return self.backend.search(np.ascontiguousarray(vectors, dtype=np.float32), CANDIDATE_VECTORS)

    def nearest_by_first(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`nearest`, for vectors of the first field only (e5's), ranked by it alone.

        Returns:
            (scores, ids), each (n, k), best first.
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(self.backend.dims) == 1:
            return self.nearest(vectors)
        padding = np.zeros((len(vectors), sum(self.backend.dims[1:])), dtype=np.float32)
        scores, ids = self.nearest(np.hstack([vectors, padding]))
        first = np.where(ids >= 0, scores[..., 0], -np.inf)
        order = np.argsort(-first, axis=1, kind="stable")[:, :CANDIDATE_VECTORS]
        return np.take_along_axis(first, order, 1), np.take_along_axis(ids, order, 1)

    def dense_scores(self, scores: np.ndarray, ids: np.ndarray, language: Language | None) -> tuple[np.ndarray,
                                                                                                  np.ndarray]:
        """One query's neighbours as one dense score per entry, best first: the backend's scores, or with
        two fields both weighed for the query's and each entry's language (:class:`indexer.fusion.FieldFusion`).

        Args:
            scores: the query's row of :meth:`nearest`'s scores.
            ids: its row of ids.
            language: the query's language.

        Returns:
            (scores, ids), best first.
        """
        if scores.ndim == 1:
            return scores, ids
        known = (ids >= 0) & (ids < len(self.sources))
        ids = ids[known]
        combined = self.fusion.fields.combine(scores[known], language, self.sources.languages[ids])
        order = np.argsort(-combined, kind="stable")
        return combined[order], ids[order]

    def search(self, query: str, limit: int = 5, vector: np.ndarray | None = None,
               language: Language | None = None,
               neighbours: tuple[np.ndarray, np.ndarray] | None = None,
               allowed: ArticleFilter | None = None, synonyms: Synonyms | None = None,
               pinned: Sequence[str] = ()) -> list[ArticleHit]:
        """Rank articles for a question: dense similarity fused with the lexical signal.

        Args:
            query: the customer's text.
            limit: how many articles to return.
            vector: the query's ``query:`` embedding when the caller already has it.
            language: the query's language (detected here when None); variants in languages that
                do not share its words are matched lexically only on what translations keep
                verbatim (codes and numbers; names too within one script).
            neighbours: the query's row of :meth:`nearest` when the caller searched in a batch.
            allowed: only articles this filter allows are ranked (None: all).
            synonyms: the tenant's synonym groups, applied to the lexical signal.
            pinned: articles pinned for this query, in pin order: the first that exists and ``allowed``
                lets through comes first, whatever its scores.

        Returns:
            Articles by descending ``rank_score`` (a pinned one first).
        """
        if language is None:
            language = _detected_language(query)
        if neighbours is None:
            if vector is None:
                vector = self.encoder.encode_queries([query])[0]
            scores, ids = self.nearest(vector.reshape(1, -1))
            neighbours = scores[0], ids[0]
        with self._lock:  # a concurrent upsert or remove waits until this ranking is done
            best = {article_id: (score, language, field) for article_id, score, language, field
                    in self.sources.best_per_article(*self.dense_scores(*neighbours, language))
                    if allowed is None or allowed.allows(self.articles[article_id])}
            lexical = self.lexical_scores(query, language, best, synonyms)
            fused = fuse({article_id: score for article_id, (score, _, _) in best.items()}, lexical, self.fusion)
            ranked = sorted(fused, key=fused.get, reverse=True)
            pin = next((article_id for article_id in pinned if article_id in self.articles
                        and (allowed is None or allowed.allows(self.articles[article_id]))), None)
            if pin is None:
                return [ArticleHit(self.articles[article_id], best[article_id][0], fused[article_id],
                                   *best[article_id][1:]) for article_id in ranked[:limit]]
            article = self.articles[pin]
            score, matched_language, field = best.get(pin, (0.0, article.variant_for(language or Language.EN).language,
                                                            "pin"))
            return [ArticleHit(article, score, fused.get(pin, 0.0), matched_language, field, pinned=True)] + [
                ArticleHit(self.articles[article_id], best[article_id][0], fused[article_id], *best[article_id][1:])
                for article_id in ranked if article_id != pin][:limit - 1]

    def upsert(self, article: Article, seq: int = 0) -> bool:
        """Add an article, or replace the one with its id; searchable when this returns.

        Args:
            article: the new or changed article (its fields are embedded here).
            seq: the number of this version's change in the store's change feed (a shared backend
                keeps the newest; others ignore it).

        Returns:
            False when a shared backend already holds a later version (the change feed brings it).
        """
        entries = article_entries(article)
        vectors = embed_entries(self.encoder, entries)
        documents = lexical_documents(article)
        if not self.backend.shared:
            self._swap_in(article, documents, lambda: self.backend.add(self.sources.extend(entries), vectors))
            return True
        languages, fields = source_codes(entries)
        [ids] = self.backend.put_articles([ArticleVectors(article.id, seq, languages, fields, vectors)])
        if ids is None:
            return False
        self._swap_in(article, documents, lambda: self.sources.assign(ids, [article.id] * len(ids), languages, fields))
        return True

    def take_in_shared(self, article: Article, seq: int) -> bool:
        """Take in an article another process wrote, whose vectors it put in the shared backend
        (a backend of this process only embeds the article here, as :meth:`upsert` does).

        Args:
            article: the article as stored.
            seq: the number of its change in the store's change feed.

        Returns:
            False when the backend does not hold the vectors of exactly that change (yet).
        """
        if not self.backend.shared:
            return self.upsert(article, seq)
        found = self.backend.article_vectors(article.id)
        if found is None or found.seq != seq:
            return False
        self._swap_in(article, lexical_documents(article), lambda: self.sources.assign(
            found.ids, [article.id] * len(found.ids), found.languages, found.fields))
        return True

    def remove(self, article_id: str, seq: int = 0) -> bool:
        """Take an article out of the index (a shared backend drops its vectors for every process).

        Args:
            article_id: the article.
            seq: the number of the deletion in the store's change feed (shared backends).

        Returns:
            False when there was no such article.
        """
        if self.backend.shared:
            self.backend.delete_article(article_id, seq)
        return self.remove_locally(article_id)

    def remove_locally(self, article_id: str) -> bool:
        """Take an article out of this process's index only (another process deleted it from the
        shared backend; a backend of this process drops its vectors too).

        Returns:
            False when there was no such article.
        """
        with self._lock:
            found = article_id in self.articles
            self._drop(article_id)
            self.version += found
            return found

    def _swap_in(self, article: Article, documents: list[tuple[Language, list[str]]],
                 place_vectors: Callable[[], None]) -> None:
        """Replace an article, in one step for concurrent searches: drop the old version, let
        ``place_vectors`` record the new vectors' sources, index the lexical ``documents``."""
        with self._lock:
            self._drop(article.id)
            place_vectors()
            positions = []
            for language, terms in documents:
                positions.append(self.lexical.add(terms))
                self.lexical_docs.append((article.id, language))
            self._lexical_positions[article.id] = positions
            self._lexical_languages = np.append(
                self._lexical_languages, np.array([LANGUAGE_CODES[lang] for lang, _ in documents], dtype=np.int8))
            self.articles[article.id] = article
            self.version += 1

    def _drop(self, article_id: str) -> None:
        ids = self.sources.vectors_of(article_id)
        if len(ids):
            if not self.backend.shared:
                self.backend.remove(ids)
            self.sources.remove(ids)
        for position in self._lexical_positions.pop(article_id, []):
            self.lexical.remove(position)
        self.articles.pop(article_id, None)

    def lexical_scores(self, query: str, language: Language | None = None,
                       candidates: Iterable[str] | None = None, synonyms: Synonyms | None = None) -> dict[str, float]:
        """Lexical match per article (best over its languages) in [0, 1]: its BM25 score as a share of
        the most the query could score; articles without a match are left out.

        Args:
            query: the customer's text.
            language: the query's language; None matches every variant on all terms.
            candidates: score only these articles (the dense candidates of a search); None scores all.
            synonyms: the tenant's synonym groups: an article's share is its best over the query and its
                variants (:meth:`indexer.synonyms.Synonyms.variants`, a synonym weighted as the term it stands for).
        """
        terms = tokenize(query)
        bound = self.lexical.upper_bound(terms) or 1.0
        if candidates is None:
            positions = np.arange(len(self.lexical_docs))
        else:
            positions = np.array([p for a in candidates for p in self._lexical_positions.get(a, ())], dtype=np.int64)
        scores = self.lexical.scores(terms)[positions] / bound
        for variant in synonyms.variants(terms, language) if synonyms is not None else ():
            swapped = self.lexical.scores(variant.kept)
            for own, synonym in variant.swaps:
                swapped += self.lexical.scores(list(synonym)) * (self.lexical.upper_bound(list(own))
                                                                  / self.lexical.upper_bound(list(synonym)))
            scores = np.maximum(scores, swapped[positions] / bound)
        if language is not None:
            codes, codes_and_names = verbatim_terms(query, terms)
            other_script = self.lexical.scores(codes)[positions] / bound if codes else 0.0
            same_script = self.lexical.scores(codes_and_names)[positions] / bound if codes_and_names else 0.0
            languages = self._lexical_languages[positions]
            shared_vocabulary = np.isin(languages, [LANGUAGE_CODES[lang]
                                                    for lang in SHARED_VOCABULARY.get(language, {language})])
            shared_script = np.isin(languages, [LANGUAGE_CODES[lang] for lang in Language
                                                if SCRIPTS[lang] == SCRIPTS[language]])
            scores = np.where(shared_vocabulary, scores, np.where(shared_script, same_script, other_script))
        best: dict[str, float] = {}
        for position, score in zip(positions[scores > 0].tolist(), scores[scores > 0].tolist()):
            article_id = self.lexical_docs[position][0]
            best[article_id] = max(best.get(article_id, 0.0), score)
        return best


def lexical_documents(article: Article) -> list[tuple[Language, list[str]]]:
    """The article's lexical documents, one per language: its terms (tokenised outside the index lock)."""
    return [(language, tokenize(lexical_text(variant), (language.value,)))
            for language, variant in article.variants.items()]


def _detected_language(query: str) -> Language | None:
    try:
        return detect_language(query).language
    except UnsupportedLanguageError:
        return None
