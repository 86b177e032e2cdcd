"""What a request needs, loaded once at start: the model, the store, each tenant's index.

A tenant's index is opened on its first request, in a worker thread (catching up with the store may
embed many articles), so the event loop, ``/healthz`` and other tenants never wait for it; each
tenant opens on its own. Its writes are checkpointed to the saved index in the background, so a
restart embeds again only what was written since the last checkpoint.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import faiss

from api.analytics import AnswerLog
from api.cache import StoreReads
from api.cors import AllowedOrigins
from api.embedding import QueryEmbedder
from api.gaps import GapVectors
from api.ratelimit import RateLimiter
from api.retrieval import Retriever
from api.settings import Settings
from indexer.backends import create_backend
from indexer.checkpoint import Checkpointer
from indexer.controls import LiveControls
from indexer.encoders import Encoder, ModelMissingError, create_encoder
from indexer.encoders.base import unloadable_model_hint
from indexer.follow import ChangeFollower
from indexer.search import ArticleIndex
from indexer.settings import DEMO_KB
from indexer.situations import SituationDetector
from indexer.sync import open_index, open_shared_index
from kb.loader import KBFormatError, load_articles
from kb.stores import Store, StoreUnavailableError, UnknownTenantError, create_store
from kb.templates import TemplateSet, template_documents, template_set

log = logging.getLogger("kb_api")
DEFAULT_TEMPLATES_KB = DEMO_KB
STORED_TEMPLATES = Path("templates")  # where error messages place a stored template


@dataclass
class TenantKnowledgeBase:
    """One tenant's searchable knowledge base, reply templates and situation detector.

    Writes go to the store first and then to the index (or templates), one at a time
    (``write_lock``), so the index never applies two versions of an article out of order; the
    ``follower`` takes in the writes other replicas make, under the same lock.
    """

    tenant: str
    index: ArticleIndex
    retriever: Retriever
    index_dir: Path
    templates: TemplateSet
    situations: SituationDetector
    follower: ChangeFollower
    write_lock: threading.Lock
    checkpointer: Checkpointer | None  # None when the vectors live in a shared backend (pgvector)
    controls: LiveControls  # synonyms and pins, polled with the change feed


@dataclass
class AnswerService:
    """The running service of this process: settings, encoder, store, the open tenants' knowledge bases,
    rate limiter, and the thread following other replicas' writes (see :func:`load_answer_service`)."""

    settings: Settings
    encoder: Encoder
    store: Store
    default_templates: dict[str, dict]  # every tenant's templates, unless it stored its own
    answer_log: AnswerLog
    embedder: QueryEmbedder
    gap_vectors: GapVectors  # the weak questions' vectors for coverage gaps
    open_tenants: dict[str, TenantKnowledgeBase] = field(default_factory=dict)
    rate_limiter: RateLimiter = field(default_factory=RateLimiter)
    opening: set[str] = field(default_factory=set)  # tenants whose index is being opened (caught up) now
    _opening_locks: dict[str, threading.Lock] = field(default_factory=dict)
    _locks_lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    keys: StoreReads = field(init=False)  # live API keys by secret, read off the event loop (see api.auth)
    origins: AllowedOrigins = field(init=False)  # the origins each tenant allows (CORS)
    links: StoreReads = field(init=False)  # each tenant's article URL pattern, read off the event loop

    def __post_init__(self):
        self.keys = StoreReads(self.store.keys.find, self.settings.access_cache_s, keep=lambda key: key is not None)
        self.origins = AllowedOrigins(self.store, self.settings.access_cache_s)
        self.links = StoreReads(self.store.links.pattern, self.settings.access_cache_s)
        threading.Thread(target=self._follow, name="change-follower", daemon=True).start()

    def tenant_kb(self, tenant: str) -> TenantKnowledgeBase:
        """The tenant's index, opened (and caught up with the store) on first use; blocks while it
        opens, so call it from a worker thread (or use :meth:`open`).

        Raises:
            UnknownTenantError: no such tenant in the store.
        """
        if tenant in self.open_tenants:
            return self.open_tenants[tenant]
        with self._locks_lock:
            lock = self._opening_locks.setdefault(tenant, threading.Lock())
        with lock:  # one opening per tenant; other tenants open meanwhile
            if tenant not in self.open_tenants:
                if tenant not in self.store.tenants():
                    raise UnknownTenantError(f"no tenant '{tenant}'")
                self.opening.add(tenant)
                try:
                    self.open_tenants[tenant] = open_tenant_kb(self, tenant)
                finally:
                    self.opening.discard(tenant)
            return self.open_tenants[tenant]

    async def open(self, tenant: str) -> TenantKnowledgeBase:
        """:meth:`tenant_kb` for the event loop: an unopened tenant is opened in a worker thread."""
        if tenant in self.open_tenants:
            return self.open_tenants[tenant]
        return await asyncio.to_thread(self.tenant_kb, tenant)

    @property
    def default(self) -> TenantKnowledgeBase:
        """The tenant the service was started for (``KB_TENANT``)."""
        return self.tenant_kb(self.settings.tenant)

    def close(self) -> None:
        """Stop following other replicas' writes, checkpoint every index, close the backends and the store."""
        self._stopping.set()
        for tenant_kb in self.open_tenants.values():
            if tenant_kb.checkpointer is not None:
                tenant_kb.checkpointer.save_if_changed()
            tenant_kb.index.backend.close()
        self.answer_log.close()
        self.gap_vectors.close()
        self.store.close()

    def _follow(self) -> None:
        """Poll every open tenant's change feed and relevance controls, and checkpoint indexes whose writes are due, until the
        service stops; an unreachable store is logged once per outage and retried."""
        unreachable = False
        while not self._stopping.wait(self.settings.follow_interval_s):
            try:
                for tenant_kb in list(self.open_tenants.values()):
                    tenant_kb.follower.poll()
                    tenant_kb.controls.poll()
                    if tenant_kb.checkpointer is not None:
                        tenant_kb.checkpointer.save_if_due()
            except StoreUnavailableError as error:
                if not unreachable:
                    log.warning("cannot read the change feed (retrying): %s", error)
                unreachable = True
            except Exception:  # a bug must not end following for the life of the process
                log.exception("applying other replicas' article writes failed (retrying)")
            else:
                if unreachable:
                    log.info("change feed readable again")
                unreachable = False


def templates_home(settings: Settings) -> Path:
    """The knowledge base's own templates, or the bundled ones when it has none."""
    if (settings.kb_dir / "templates").is_dir():
        return settings.kb_dir
    log.warning("%s has no templates folder: using the bundled reply templates of %s",
                settings.kb_dir, DEFAULT_TEMPLATES_KB)
    return DEFAULT_TEMPLATES_KB


def seed_tenant(store: Store, tenant: str, kb_dir: Path) -> int:
    """Create ``tenant`` with the articles of ``kb_dir`` when the store does not have it yet.

    Returns:
        How many articles were imported (0 when the tenant existed).
    """
    if tenant in store.tenants():
        return 0
    articles = load_articles(kb_dir)
    store.ensure_tenant(tenant)
    for article in articles:
        store.articles.put(tenant, article)
    log.info("tenant %s created with the %d articles of %s", tenant, len(articles), kb_dir)
    return len(articles)


def open_tenant_kb(services: AnswerService, tenant: str) -> TenantKnowledgeBase:
    """Open a tenant's index (from its folder, or from the shared pgvector tables), caught up with
    the store, its change follower, and its templates."""
    settings = services.settings
    index_dir = settings.index_dir / tenant
    # read first: a write made meanwhile is applied twice, not missed
    seen = services.store.articles.last_change(tenant)
    stored = services.store.articles.list(tenant)[0]
    write_lock = threading.Lock()
    if settings.vector_backend == "pgvector":
        backend = create_backend("pgvector", services.encoder.dims, settings.store_dsn, tenant,
                                 read_dsn=settings.store_read_dsn)
        index = open_shared_index(stored, services.encoder, backend)
        checkpointer = None
    else:
        index = open_index([article.article for article in stored], services.encoder, index_dir)
        checkpointer = Checkpointer(index, index_dir, write_lock, settings.checkpoint_interval_s)
    follower = ChangeFollower(services.store, tenant, index, seen, {article.article.id: article.seq
                                                                   for article in stored}, write_lock)
    controls = LiveControls(services.store, tenant)
    retriever = Retriever(services.embedder, index, controls, settings.batch_max, settings.cache_size)
    templates = template_set(tenant_template_documents(services, tenant), STORED_TEMPLATES)
    return TenantKnowledgeBase(tenant, index, retriever, index_dir, templates, situation_detector(services, templates),
                               follower, write_lock, checkpointer, controls)


def tenant_template_documents(services: AnswerService, tenant: str) -> dict[str, dict]:
    """The tenant's template mappings: the defaults, overridden by the ones it stored that are valid.

    A stored template that today's rules refuse (one saved before a rule existed, say) is left out with
    a log line, and the default serves in its place until the tenant stores a valid one.
    """
    documents = dict(services.default_templates)
    for stored in services.store.templates.list(tenant):
        candidate = {**documents, stored.name: stored.document}
        try:
            template_set(candidate, STORED_TEMPLATES)
        except KBFormatError as error:
            log.warning("tenant %s: its stored template %s is not valid (%s); the default serves until a valid "
                        "one is stored", tenant, stored.name, error)
            continue
        documents = candidate
    return documents


def situation_detector(services: AnswerService, templates: TemplateSet) -> SituationDetector:
    """The detector of these templates' triggers (their centroids cached beside the indexes)."""
    return SituationDetector(templates, services.encoder.primary, cache_dir=services.settings.index_dir)


def load_encoder(settings: Settings) -> Encoder:
    """The model, loaded and tried on one query.

    Raises:
        ModelMissingError: the model folder is missing, incomplete or unreadable; the message says
            how to fix it.
    """
    # The encoder gets the cores; FAISS searches a micro-batch in one call, on one thread.
    os.environ.setdefault("OMP_NUM_THREADS", str(settings.encoder_threads))
    faiss.omp_set_num_threads(1)
    try:
        encoder = create_encoder(settings.encoder, settings.model_dir, threads=settings.encoder_threads)
        encoder.encode_queries(["model check"])
    except ModelMissingError:
        raise
    except Exception as error:  # a corrupt file fails in onnxruntime, tokenizers or safetensors, each its own way
        raise ModelMissingError(f"the model at {settings.model_dir} cannot be loaded ({type(error).__name__}: "
                                f"{str(error)[:200]}): {unloadable_model_hint(settings.model_dir)}") from error
    return encoder


def load_answer_service(settings: Settings, encoder: Encoder | None = None) -> AnswerService:
    """Load the model, the store and the default tenant's index (built or caught up as needed).

    Args:
        settings: the service settings.
        encoder: the model when already loaded (see :func:`load_encoder`).

    Returns:
        The ready service.
    """
    started = time.perf_counter()
    encoder = encoder or load_encoder(settings)
    store = create_store(settings.store, settings.store_location)
    seed_tenant(store, settings.tenant, settings.kb_dir)
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    home = templates_home(settings)
    defaults = template_documents(home)
    template_set(defaults, home / "templates")  # the defaults must be valid on their own, errors naming their files
    embedder = QueryEmbedder(encoder, settings.short_query_tokens, settings.batch_max, settings.long_batch_tokens,
                             settings.queue_tokens, settings.batch_wait_ms, settings.cache_size)
    gap_vectors = GapVectors(encoder.primary, store, settings.answer_threshold,
                             cached=lambda text: None if (vector := embedder.vectors.get(text)) is None
                             else encoder.primary_part(vector))
    services = AnswerService(settings, encoder, store, defaults,
                             AnswerLog(store, settings.query_retention_days, on_written=gap_vectors.offer), embedder,
                             gap_vectors)
    index = services.default.index
    for warm_up in ("warm-up", "Where is my parcel? I ordered it two weeks ago"):  # first calls allocate
        index.search(warm_up, limit=1)
    log.info("ready: tenant %s, %d articles, %d vectors, encoder %s in %.1f s", settings.tenant,
             len(index.articles), index.backend.count(), encoder.name, time.perf_counter() - started)
    return services
