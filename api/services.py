"""What a request needs, loaded once at start: the model, the knowledge base, its index."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

from api.settings import Settings
from indexer.build import build_index, index_is_current
from indexer.embeddings import Encoder
from indexer.search import ArticleIndex
from kb.loader import load_articles
from kb.models import Article

log = logging.getLogger("kb_api")


@dataclass
class Services:
    settings: Settings
    encoder: Encoder
    articles: dict[str, Article]
    index: ArticleIndex


def load_services(settings: Settings) -> Services:
    """Load the model and the knowledge base; build the index when missing or stale.

    Args:
        settings: the service settings.

    Returns:
        Ready services.
    """
    started = time.perf_counter()
    os.environ.setdefault("OMP_NUM_THREADS", str(settings.torch_threads))
    encoder = Encoder(settings.model_dir, threads=settings.torch_threads)
    articles = load_articles(settings.kb_dir)
    if not index_is_current(settings.index_dir, articles, settings.model_dir):
        log.warning("index at %s is missing or stale: building it from %s", settings.index_dir, settings.kb_dir)
        build_index(articles, encoder, settings.index_dir, show_progress=False)
    index = ArticleIndex(articles, settings.index_dir, encoder)
    index.search("warm-up", limit=1)
    log.info("ready: %d articles, %d vectors in %.1f s", len(articles), index.backend.count(),
             time.perf_counter() - started)
    return Services(settings, encoder, {a.id: a for a in articles}, index)
