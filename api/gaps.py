"""Coverage gaps: the questions a knowledge base leaves unanswered, clustered by meaning across languages.

A question is *weak* when it was not answered, when its answer was marked not helpful, or when it was
answered with a confidence under the answer threshold plus :data:`LOW_CONFIDENCE_MARGIN`. Weak
questions that differ only in case and spacing count as one text; the :data:`MOST_TEXTS` most asked
texts are embedded with the service's model (``query:`` vectors, kept in the store: uncertain answers are
embedded in the background as they are logged, so a request mostly reads them). The e5
space holds all four languages, but each language sits off to one side of it: a question's vector is
first moved by its language's offset (the mean vector of the clustered questions of that language,
shrunk towards the mean of the demo knowledge base's example questions in it, a parallel set), so
questions cluster by topic rather than by language. The moved vectors are clustered by average-linkage
agglomerative clustering on cosine distance, cut at :data:`DISTANCE_THRESHOLD` (scikit-learn: no number
of clusters to guess, and the same input gives the same clusters). The threshold keeps a topic's
languages together; close but distinct topics then share a cluster (measured on sets of our own:
``python -m bench.gaps --tune`` and ``--held-out``). The nearest article is searched with the cluster's
centre in the model's own space.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

import numpy as np
from sklearn.cluster import AgglomerativeClustering

from api.analytics import normalised
from indexer.encoders import Encoder
from indexer.search import ArticleIndex
from indexer.settings import DEMO_KB
from kb.loader import load_articles
from kb.stores import AnswerRecord, AnswerRow, Store

log = logging.getLogger("kb_api")

LOW_CONFIDENCE_MARGIN = 0.2  # answered, but with a confidence under the answer threshold plus this: weak
MOST_TEXTS = 5000  # the most asked distinct texts one request clusters (the rest are left out, and counted)
DISTANCE_THRESHOLD = 0.95  # cosine distance at which two groups of questions stop being merged
REFERENCE_WEIGHT = 4  # pseudo-questions of the reference in each language's offset
REPRESENTATIVES = 5  # questions shown per cluster, the most central first


@dataclass
class WeakQuestion:
    """One weak question text in the period: how often it was asked, when and in which languages."""

    text: str  # as last asked
    last_asked: datetime
    count: int = 0
    first_half: int = 0  # asked in the first half of the period
    languages: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class NearestArticle:
    """The existing article closest to a cluster's centre."""

    article_id: str
    title: str
    score: float  # dense cosine between the cluster's centre and the article's best field


@dataclass(frozen=True)
class Gap:
    """A cluster of weak questions about one topic."""

    size: int  # questions asked, repeats counted
    first_half: int
    second_half: int
    languages: dict[str, int]
    questions: list[WeakQuestion]  # the most central first
    texts: int  # distinct texts in the cluster
    nearest_article: NearestArticle | None


@dataclass(frozen=True)
class Gaps:
    """The clusters of a period and what was left out of them."""

    weak_questions: int  # weak questions in the period, repeats counted
    clustered_texts: int
    left_out_texts: int  # distinct texts past MOST_TEXTS
    clusters: list[Gap]


def is_uncertain(record: AnswerRecord, answer_threshold: float) -> bool:
    """Not answered, or answered with a low confidence."""
    return not record.answered or record.confidence < answer_threshold + LOW_CONFIDENCE_MARGIN


def is_weak(row: AnswerRow, answer_threshold: float) -> bool:
    """Uncertain (:func:`is_uncertain`) or marked not helpful."""
    return is_uncertain(row, answer_threshold) or row.helpful is False


def weak_questions(rows: Iterable[AnswerRow], since: datetime, until: datetime, answer_threshold: float,
                   language: str | None = None, channel: str | None = None) -> dict[str, WeakQuestion]:
    """The weak questions among ``rows`` (answers of ``[since, until)``), per normalised text.

    Args:
        rows: logged answers, oldest first.
        language, channel: only answers of these when given.
    """
    middle = since + (until - since) / 2
    found: dict[str, WeakQuestion] = {}
    for row in rows:
        if (row.query is None or (language and row.language != language) or (channel and row.channel != channel)
                or not is_weak(row, answer_threshold)):
            continue
        question = found.setdefault(normalised(row.query), WeakQuestion(row.query, row.created_at))
        question.text, question.last_asked = row.query, row.created_at
        question.count += 1
        question.first_half += row.created_at < middle
        question.languages[row.language] += 1
    return found


def cluster_labels(vectors: np.ndarray, threshold: float = DISTANCE_THRESHOLD) -> np.ndarray:
    """A cluster number per L2-normalised vector (average linkage, cosine distance cut at ``threshold``)."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    clustering = AgglomerativeClustering(n_clusters=None, distance_threshold=threshold, metric="cosine",
                                         linkage="average")
    return clustering.fit_predict(vectors)


def find_gaps(questions: dict[str, WeakQuestion], vectors: Callable[[list[WeakQuestion]], np.ndarray],
              offsets: LanguageOffsets, nearest: Callable[[np.ndarray], list[NearestArticle | None]], limit: int,
              most_texts: int = MOST_TEXTS) -> Gaps:
    """Cluster weak questions by meaning, largest clusters first.

    Args:
        questions: :func:`weak_questions`.
        vectors: the L2-normalised vectors of some of them.
        offsets: the languages' offsets.
        nearest: the nearest existing article to each of some L2-normalised vectors.
        limit: how many clusters to return.
        most_texts: the most asked texts clustered.
    """
    ranked = sorted(questions.items(), key=lambda item: (-item[1].count, item[0]))
    kept = [question for _, question in ranked[:most_texts]]
    clusters = []
    if kept:
        raw = vectors(kept)
        moved = offsets.across_languages(raw, [question.languages.most_common(1)[0][0] for question in kept])
        labels = cluster_labels(moved)
        for label in np.unique(labels):
            members = np.flatnonzero(labels == label)
            weights = np.array([kept[i].count for i in members], dtype=np.float32)
            clusters.append((members, _unit(weights @ raw[members]), _unit(weights @ moved[members])))
        # largest first; ties by the text of the cluster's most asked question
        clusters.sort(key=lambda cluster: (-sum(kept[i].count for i in cluster[0]),
                                           normalised(kept[cluster[0][0]].text)))
        clusters = clusters[:limit]
    articles = nearest(np.array([centre for _, centre, _ in clusters], dtype=np.float32)) if clusters else []
    gaps = [_gap([kept[i] for i in members], moved[members] @ centre, article)
            for (members, _, centre), article in zip(clusters, articles)]
    return Gaps(sum(question.count for question in questions.values()), len(kept), len(ranked) - len(kept), gaps)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / (np.linalg.norm(vector) or 1.0)


def _gap(members: list[WeakQuestion], centrality: np.ndarray, article: NearestArticle | None) -> Gap:
    languages = Counter()
    for question in members:
        languages.update(question.languages)
    central = sorted(range(len(members)), key=lambda i: (-round(float(centrality[i]), 6), normalised(members[i].text)))
    size, first_half = sum(q.count for q in members), sum(q.first_half for q in members)
    return Gap(size, first_half, size - first_half, dict(sorted(languages.items())),
               [members[i] for i in central[:REPRESENTATIVES]], len(members), article)


class LanguageOffsets:
    """Each language's offset in the model's space, from the example questions of a reference knowledge base
    (embedded on first use), and vectors moved by them.

    Args:
        encode: the model's ``encode_queries``.
        reference: the knowledge base whose example questions give the languages' offsets (a parallel set).
    """

    def __init__(self, encode: Callable[[list[str]], np.ndarray], reference: Path = DEMO_KB):
        self.encode = encode
        self.reference = reference

    @cached_property
    def offsets(self) -> dict[str, np.ndarray]:
        """Each language's mean question vector over the reference's example questions."""
        questions: dict[str, list[str]] = {}
        for article in load_articles(self.reference):
            for language, variant in article.variants.items():
                questions.setdefault(language.value, []).extend(variant.questions)
        return {language: self.encode(texts).mean(axis=0) for language, texts in sorted(questions.items())}

    def across_languages(self, vectors: np.ndarray, languages: list[str]) -> np.ndarray:
        """The vectors moved by their language's offset and L2-normalised again.

        A language's offset is the mean of its vectors here, shrunk towards the reference's mean by
        :data:`REFERENCE_WEIGHT` pseudo-questions (a language with few questions here is moved by the
        reference's offset, not onto its own questions; a language without a reference only by its mean)."""
        moved = vectors.copy()
        codes = np.array(languages)
        for language in sorted(set(languages)):
            mine = codes == language
            reference, weight = self.offsets.get(language), REFERENCE_WEIGHT
            if reference is None:
                reference, weight = 0.0, 0
            moved[mine] -= (vectors[mine].sum(axis=0) + weight * reference) / (mine.sum() + weight)
        return moved / np.maximum(np.linalg.norm(moved, axis=1, keepdims=True), 1e-12)


class GapVectors:
    """The vectors of weak question texts, kept in the store per tenant and model.

    Answers logged as uncertain are offered as they are written (:meth:`offer`) and embedded by a
    background thread, so a dashboard's request reads vectors instead of embedding them; what it still
    lacks (answers marked not helpful later, a log from before) is embedded then and stored.

    Args:
        encoder: the service's model.
        store: where the vectors are kept.
        answer_threshold: the service's answer threshold (what counts as uncertain).
        cached: a text's vector when the query path has it at hand (the embedder's cache), else None.
        reference: the knowledge base giving the languages' offsets.
    """

    def __init__(self, encoder: Encoder, store: Store, answer_threshold: float,
                 cached: Callable[[str], np.ndarray | None] | None = None, reference: Path = DEMO_KB):
        self.encode = encoder.encode_queries
        self.cached = cached or (lambda text: None)
        self.model = encoder.vectors_fingerprint
        self.store = store
        self.answer_threshold = answer_threshold
        self.offsets = LanguageOffsets(self.encode, reference)
        self._queue: queue.Queue[list[AnswerRecord] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="gap-vectors", daemon=True)
        self._thread.start()

    def vectors(self, tenant: str, questions: list[WeakQuestion]) -> np.ndarray:
        """The questions' L2-normalised ``query:`` vectors, those not stored yet embedded and stored."""
        keys = [normalised(question.text) for question in questions]
        known = self.store.question_vectors.get(tenant, self.model, keys)
        missing = {key: question for key, question in zip(keys, questions) if key not in known}
        if missing:
            known.update(self._embed(tenant, {key: (question.text, question.last_asked)
                                              for key, question in missing.items()}))
        return np.array([np.frombuffer(known[key], dtype=np.float32) for key in keys])

    def offer(self, records: list[AnswerRecord]) -> None:
        """Queue the uncertain ones of answers just logged, to be embedded in the background."""
        uncertain = [record for record in records
                     if record.query is not None and is_uncertain(record, self.answer_threshold)]
        if uncertain:
            self._queue.put(uncertain)

    def wait(self) -> None:
        """Return once what was offered so far is stored."""
        self._queue.join()

    def close(self) -> None:
        """Stop the background thread (what is queued is dropped: a request embeds it when needed)."""
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while (records := self._queue.get()) is not None:
            try:
                per_tenant: dict[str, dict[str, tuple[str, datetime]]] = {}
                for record in records:
                    texts = per_tenant.setdefault(record.tenant, {})
                    key = normalised(record.query)
                    if key not in texts or texts[key][1] < record.created_at:
                        texts[key] = (record.query, record.created_at)
                for tenant, texts in per_tenant.items():
                    known = self.store.question_vectors.get(tenant, self.model, list(texts))
                    # a text asked again keeps its vector and takes the later moment
                    self.store.question_vectors.put(tenant, self.model, {
                        key: (vector, texts[key][1]) for key, vector in known.items()})
                    self._embed(tenant, {key: text for key, text in texts.items() if key not in known})
            except Exception:  # the service goes on; a gaps request embeds what is missing
                log.exception("could not embed %d logged questions for coverage gaps", len(records))
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _embed(self, tenant: str, texts: dict[str, tuple[str, datetime]]) -> dict[str, bytes]:
        """Embed and store texts (``text_key`` -> its text and when it was asked); their vectors by key."""
        if not texts:
            return {}
        vectors = {key: self.cached(text) for key, (text, _) in texts.items()}
        missing = [key for key, vector in vectors.items() if vector is None]
        if missing:
            vectors.update(zip(missing, self.encode([texts[key][0] for key in missing])))
        embedded = {key: np.asarray(vector, dtype=np.float32).tobytes() for key, vector in vectors.items()}
        self.store.question_vectors.put(tenant, self.model, {key: (embedded[key], texts[key][1]) for key in texts})
        return embedded


def nearest_articles(index: ArticleIndex) -> Callable[[np.ndarray], list[NearestArticle | None]]:
    """The nearest article of a tenant's index to each vector (any visibility: the admin sees them all), titled
    in the language of the field that matched."""

    def nearest(vectors: np.ndarray) -> list[NearestArticle | None]:
        scores, ids = index.nearest_by_first(vectors)
        found = []
        for row_scores, row_ids in zip(scores, ids):
            best = [hit for hit in index.sources.best_per_article(row_scores, row_ids) if hit[0] in index.articles]
            if not best:
                found.append(None)
                continue
            article_id, score, language, _ = best[0]
            variants = index.articles[article_id].variants
            title = (variants.get(language) or next(iter(variants.values()))).title
            found.append(NearestArticle(article_id, title, round(score, 4)))
        return found

    return nearest
