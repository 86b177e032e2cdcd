"""Keep the derived index in step with the knowledge base it was built from.

The store is the source of truth; the index folder is a cache of it. At start the saved index is
reused and only the articles that changed since it was saved are embedded again (new and edited
ones upserted, deleted ones removed), so a restart after a day of edits or a crash costs seconds,
not a rebuild. An index that is missing, corrupt or of another model is rebuilt, with a log line.
With a shared backend (pgvector) the vectors live in the database instead: they are caught up
there, and each process reads who owns them (:func:`open_shared_index`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from indexer.backends import ArticleVectors, SharedVectorBackend
from indexer.build import INDEX_FORMAT, article_digest, article_entries, build_index, embed_entries, saved_digests
from indexer.encoders import Encoder
from indexer.search import ArticleIndex
from indexer.vector_sources import VectorSources, source_codes
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
            if changed or removed:
                for article in changed:
                    index.upsert(article)
                for article_id in removed:
                    index.remove(article_id)
                index.save(index_dir)
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
    if backend.claim_model(f"{encoder.vectors_fingerprint}/format-{INDEX_FORMAT}"):
        log.warning("shared index of %s was made with another model or index format: its vectors were dropped",
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
    return ArticleIndex([stored.article for stored in articles], sources, backend, encoder)
