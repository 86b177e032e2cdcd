"""Keep the derived index in step with the knowledge base it was built from.

The store is the source of truth; the index folder is a cache of it. At start the saved index is
reused and only the articles that changed since it was saved are embedded again (new and edited
ones upserted, deleted ones removed), so a restart after a day of edits or a crash costs seconds,
not a rebuild. An index that is missing, corrupt or of another model is rebuilt, with a log line.
With a shared backend (pgvector) the vectors live in the database instead: they are caught up
there, and each process reads who owns them (:func:`open_shared_index`). An index made before the
second encoder (or with another second model) keeps its e5 vectors: only its second field is embedded
(:func:`fill_second_field`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from indexer.backends import ArticleVectors, SharedVectorBackend
from indexer.build import (
    INDEX_FORMAT,
    article_digest,
    article_entries,
    build_index,
    embed_entries,
    saved_digests,
    second_field_state,
)
from indexer.encoders import Encoder
from indexer.search import ArticleIndex
from indexer.vector_sources import REMOVED, VectorSources, source_codes
from kb.models import Article
from kb.stores import StoredArticle

log = logging.getLogger(__name__)


def open_index(articles: list[Article], encoder: Encoder, index_dir: Path) -> ArticleIndex:
    """The index of ``articles``, from what is saved in ``index_dir`` where possible.

    Args:
        articles: the knowledge base now.
        encoder: the model.
        index_dir: the index folder (written back when anything was caught up or rebuilt).

    Returns:
        An index of exactly these articles.
    """
    started = time.perf_counter()
    saved = saved_digests(index_dir, articles, encoder)
    if saved is not None:
        try:
            index = ArticleIndex.load(articles, index_dir, encoder)
        except (OSError, ValueError, RuntimeError) as error:
            log.warning("index at %s is unreadable (%s): rebuilding it from the knowledge base", index_dir, error)
        else:
            changed = [article for article in articles if saved.get(article.id) != article_digest(article)]
            current = {article.id for article in articles}
            removed = [article_id for article_id in saved if article_id not in current]
            for article in changed:
                index.upsert(article)
            for article_id in removed:
                index.remove(article_id)
            filled, state = 0, second_field_state(index_dir, encoder)
            if state != "current":
                filled = fill_second_field(index, everything=state == "stale")
                log.warning("index at %s: the second encoder's field filled in place (%d vectors, %.1f s)",
                            index_dir, filled, time.perf_counter() - started)
            if changed or removed or filled:
                index.save(index_dir)
            if changed or removed:
                log.warning("index at %s caught up with the knowledge base: %d articles embedded again, %d removed "
                            "(%.1f s)", index_dir, len(changed), len(removed), time.perf_counter() - started)
            return index
    else:
        log.warning("index at %s is missing, torn or of another model or format: building it", index_dir)
    build_index(articles, encoder, index_dir, show_progress=False)
    return ArticleIndex.load(articles, index_dir, encoder)


def open_shared_index(articles: list[StoredArticle], encoder: Encoder, backend: SharedVectorBackend,
                      batch_articles: int = 64) -> ArticleIndex:
    """The index of ``articles`` over a backend other processes share (pgvector).

    The backend is caught up first: vectors of another model are dropped, articles whose vectors are
    missing or older than their stored version are embedded and written, vectors of articles no longer stored are dropped. Processes
    starting together may both do it; the backend keeps one copy per article change. The sources
    of every vector are then read from the backend and the lexical index is built from the articles.

    Args:
        articles: the tenant's articles as stored, with their change numbers.
        encoder: the model.
        backend: the tenant's shared vectors.
        batch_articles: articles embedded and written per transaction while catching up.

    Returns:
        An index of these articles.
    """
    started = time.perf_counter()
    fingerprints = encoder.field_fingerprints
    if backend.claim_model(f"{fingerprints[0]}/format-{INDEX_FORMAT}"):
        log.warning("shared index of %s was made with another model or index format: its vectors were dropped",
                    backend.tenant)
    if len(fingerprints) > 1 and backend.claim_model(fingerprints[1], field=1):
        log.warning("shared index of %s: its second field was made with another model (or none): filling it",
                    backend.tenant)
    applied = backend.applied()
    stale = [stored for stored in articles if applied.get(stored.article.id) != stored.seq]
    current = {stored.article.id for stored in articles}
    removed = [article_id for article_id in applied if article_id not in current]
    for start in range(0, len(stale), batch_articles):
        batch = []
        for stored in stale[start:start + batch_articles]:
            entries = article_entries(stored.article)
            batch.append(ArticleVectors(stored.article.id, stored.seq, *source_codes(entries),
                                        embed_entries(encoder, entries)))
        backend.put_articles(batch)
        log.info("shared index of %s: %d of %d articles embedded", backend.tenant, start + len(batch), len(stale))
    for article_id in removed:
        backend.delete_article(article_id, applied[article_id])
    if stale or removed:
        log.warning("shared index of %s caught up with the store: %d articles embedded, %d removed (%.1f s)",
                    backend.tenant, len(stale), len(removed), time.perf_counter() - started)
    sources = VectorSources.of_entries([])
    sources.assign(*backend.vector_sources())
    index = ArticleIndex([stored.article for stored in articles], sources, backend, encoder)
    if len(fingerprints) > 1:
        filled = fill_second_field(index)
        if filled:
            log.warning("shared index of %s: %d vectors of the second field embedded (%.1f s)", backend.tenant,
                        filled, time.perf_counter() - started)
    return index


def fill_second_field(index: ArticleIndex, everything: bool = False, batch_articles: int = 64) -> int:
    """Embed the second encoder's field of entries that lack it, from their articles' texts; their e5 vectors
    stay as they are.

    Args:
        index: an index whose encoder is a pair (:class:`indexer.encoders.pair.EncoderPair`).
        everything: fill every entry (its second field was made with another model), not only empty ones.
        batch_articles: articles written to the backend at a time (a shared one: per transaction).

    Returns:
        How many vectors were embedded.
    """
    backend, sources = index.backend, index.sources
    live = np.flatnonzero(sources.articles != REMOVED)
    wanted = live if everything else np.intersect1d(backend.missing_from_field(1), live)
    article_ids = sorted({sources.article_ids[number] for number in sources.articles[wanted].tolist()}
                         & set(index.articles))
    done = 0
    for start in range(0, len(article_ids), batch_articles):
        ids, entries = [], []
        for article_id in article_ids[start:start + batch_articles]:
            own = sources.vectors_of(article_id)  # ascending: the order its entries were embedded in
            made_from = article_entries(index.articles[article_id])
            if len(made_from) != len(own):
                log.warning("article %s has %d vectors for %d texts: embedding it again", article_id, len(own),
                            len(made_from))
                index.upsert(index.articles[article_id])
                continue
            chosen = np.isin(own, wanted)
            ids.extend(own[chosen].tolist())
            entries.extend(entry for entry, keep in zip(made_from, chosen) if keep)
        if ids:
            backend.fill_field(1, np.array(ids, dtype=np.int64), embed_entries(index.encoder.second, entries))
            done += len(ids)
        log.info("second field: %d of %d articles", min(start + batch_articles, len(article_ids)), len(article_ids))
    return done
