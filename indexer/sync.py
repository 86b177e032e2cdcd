"""Keep the derived index in step with the knowledge base it was built from.

The store is the source of truth; the index folder is a cache of it. At start the saved index is
reused and only the articles that changed since it was saved are embedded again (new and edited
ones upserted, deleted ones removed), so a restart after a day of edits or a crash costs seconds,
not a rebuild. An index that is missing, corrupt or of another model is rebuilt, with a log line.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from indexer.build import article_digest, build_index, saved_digests
from indexer.encoders import Encoder
from indexer.search import ArticleIndex
from kb.models import Article

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
        log.warning("index at %s is missing or of another model or format: building it", index_dir)
    build_index(articles, encoder, index_dir, show_progress=False)
    return ArticleIndex.load(articles, index_dir, encoder)
