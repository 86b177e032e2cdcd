"""What a request needs, loaded once at start: the model, the knowledge base, its index."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import faiss

from api.retrieval import Retriever
from api.settings import Settings
from indexer.build import build_index, index_is_current
from indexer.encoders import Encoder, create_encoder
from indexer.search import ArticleIndex
from indexer.settings import PROJECT_ROOT
from indexer.situations import SituationDetector
from kb.loader import load_articles
from kb.models import Article
from kb.templates import TemplateSet, load_templates

log = logging.getLogger("kb_api")
DEFAULT_TEMPLATES_KB = PROJECT_ROOT / "kb" / "demo"


@dataclass
class Services:
    settings: Settings
    encoder: Encoder
    articles: dict[str, Article]
    index: ArticleIndex
    retriever: Retriever
    templates: TemplateSet
    situations: SituationDetector


def templates_home(settings: Settings) -> Path:
    """The knowledge base's own templates, or the bundled ones when it has none."""
    if (settings.kb_dir / "templates").is_dir():
        return settings.kb_dir
    log.warning("%s has no templates folder: using the bundled reply templates of %s",
                settings.kb_dir, DEFAULT_TEMPLATES_KB)
    return DEFAULT_TEMPLATES_KB


def load_services(settings: Settings) -> Services:
    """Load the model and the knowledge base; build the index when missing or stale.

    Args:
        settings: the service settings.

    Returns:
        Ready services.
    """
    started = time.perf_counter()
    # The encoder gets the cores; FAISS searches a micro-batch in one call, on one thread.
    os.environ.setdefault("OMP_NUM_THREADS", str(settings.encoder_threads))
    faiss.omp_set_num_threads(1)
    encoder = create_encoder(settings.encoder, settings.model_dir, threads=settings.encoder_threads)
    articles = load_articles(settings.kb_dir)
    templates = load_templates(templates_home(settings))
    if not index_is_current(settings.index_dir, articles, encoder):
        log.warning("index at %s is missing or stale: building it from %s", settings.index_dir, settings.kb_dir)
        build_index(articles, encoder, settings.index_dir, show_progress=False)
    index = ArticleIndex.load(articles, settings.index_dir, encoder)
    situations = SituationDetector(templates, encoder, cache_dir=settings.index_dir)
    for warm_up in ("warm-up", "Where is my parcel? I ordered it two weeks ago"):  # first calls allocate
        index.search(warm_up, limit=1)
    retriever = Retriever(encoder, index, settings.batch_max, settings.batch_wait_ms, settings.cache_size)
    log.info("ready: %d articles, %d vectors, encoder %s in %.1f s", len(articles), index.backend.count(),
             encoder.name, time.perf_counter() - started)
    return Services(settings, encoder, {a.id: a for a in articles}, index, retriever, templates, situations)
