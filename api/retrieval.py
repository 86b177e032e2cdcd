"""The retrieval step of a request: query embedding and article search, batched and cached.

Concurrent requests are embedded together (the process's :class:`api.embedding.QueryEmbedder`,
shared by every tenant) and then searched together in the tenant's index (see
:mod:`api.batching`), in stages with worker threads of their own: while one batch is being ranked
(one core), the next is already being embedded (the encoder's threads), so under load neither
stage waits for the other. A bounded LRU cache remembers whole retrievals of the current index
version and relevance controls (synonyms and pins, :mod:`indexer.controls`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import faiss
import numpy as np

from api.batching import MicroBatcher
from api.cache import LockedLRUCache
from api.embedding import QueryEmbedder
from indexer.controls import AppliedControls, LiveControls
from indexer.search import ArticleHit, ArticleIndex
from kb.filters import ArticleFilter
from kb.models import Language


@dataclass(frozen=True)
class Retrieval:
    """A query's embedding and its ranked articles."""

    vector: np.ndarray
    hits: list[ArticleHit]


@dataclass(frozen=True)
class _Search:
    query: str
    vector: np.ndarray
    language: Language | None
    limit: int
    allowed: ArticleFilter | None
    controls: AppliedControls
    pinned: tuple[str, ...]


class Retriever:
    """Embeds (through the shared embedder) and then searches a tenant's queries in micro-batches.

    Args:
        embedder: the process's query embedder.
        index: the tenant's searchable knowledge base.
        controls: the tenant's relevance controls (None: none).
        max_batch: most queries searched in one call.
        cache_size: retrievals remembered.
    """

    def __init__(self, embedder: QueryEmbedder, index: ArticleIndex, controls: LiveControls | None = None,
                 max_batch: int = 32, cache_size: int = 4096):
        self.embedder = embedder
        self.index = index
        self.controls = controls
        # OpenMP thread counts are per thread: FAISS in the worker must be told, not only the main thread
        self.searching = MicroBatcher(self._search_batch, max_batch, thread_setup=lambda: faiss.omp_set_num_threads(1))
        self.results = LockedLRUCache(cache_size)

    async def retrieve(self, query: str, language: Language | None, limit: int,
                       allowed: ArticleFilter | None = None, tokens: int | None = None,
                       admitted: bool = False) -> Retrieval:
        """The query's vector and its ``limit`` best articles among those ``allowed`` lets through
        (searching with ``language``'s lexical rules and the tenant's synonyms; a pinned article first).

        Args:
            tokens: the query's embedding cost when already counted.
            admitted: its tokens are already held (:meth:`api.embedding.QueryEmbedder.admit`).

        Raises:
            Overloaded: the embedder's lane for this query is full.
        """
        controls = self.controls.current if self.controls is not None else AppliedControls()
        key = (query, language, limit, allowed, self.index.version, controls.version)
        cached = self.results.get(key)
        if cached is None:
            vector = await self.embedder.embed(query, tokens, admitted)
            search = _Search(query, vector, language, limit, allowed, controls, controls.pinned(query, language))
            cached = Retrieval(vector, await self.searching.submit(search))
            self.results.put(key, cached)
        return cached

    def _search_batch(self, searches: Sequence[_Search]) -> list[list[ArticleHit]]:
        scores, ids = self.index.nearest(np.stack([search.vector for search in searches]))
        return [self.index.search(search.query, search.limit, search.vector, search.language,
                                  neighbours=(scores[i], ids[i]), allowed=search.allowed,
                                  synonyms=search.controls.synonyms, pinned=search.pinned)
                for i, search in enumerate(searches)]

    async def close(self) -> None:
        await self.searching.close()
