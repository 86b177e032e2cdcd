"""The retrieval step of a request: query embedding and article search, batched and cached.

Concurrent requests are embedded together and then searched together (see :mod:`api.batching`),
in two stages with a worker thread each: while one batch is being ranked (one core), the next
is already being embedded (the encoder's threads), so under load neither stage waits for the
other. Two bounded LRU caches remember query embeddings (search boxes resend the same prefixes
and questions) and whole retrievals of the current index version.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import faiss
import numpy as np

from api.batching import MicroBatcher
from indexer.encoders import Encoder
from indexer.search import ArticleHit, ArticleIndex
from kb.filters import ArticleFilter
from kb.models import Language


class LRUCache:
    """A bounded, thread-safe mapping that forgets the least recently used key first.

    Args:
        size: most entries kept; 0 disables the cache.
    """

    def __init__(self, size: int):
        self.size = size
        self.hits = self.misses = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        """The value for ``key``, or None."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
            return None

    def put(self, key: Hashable, value) -> None:
        """Remember ``value``, forgetting the oldest entry when full."""
        if not self.size:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


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


class Retriever:
    """Embeds and then searches queries in micro-batches, through the caches.

    Args:
        encoder: the model.
        index: the searchable knowledge base.
        max_batch: most queries embedded (or searched) in one call.
        max_wait_ms: how long a batch waits for company once its first query arrived.
        cache_size: entries of each LRU cache (query embeddings, retrievals).
    """

    def __init__(self, encoder: Encoder, index: ArticleIndex, max_batch: int = 32, max_wait_ms: float = 0.0,
                 cache_size: int = 4096):
        self.encoder = encoder
        self.index = index
        self.encoding = MicroBatcher(self._encode_batch, max_batch, max_wait_ms)
        # OpenMP thread counts are per thread: FAISS in the worker must be told, not only the main thread
        self.searching = MicroBatcher(self._search_batch, max_batch, thread_setup=lambda: faiss.omp_set_num_threads(1))
        self.vectors = LRUCache(cache_size)
        self.results = LRUCache(cache_size)

    async def retrieve(self, query: str, language: Language | None, limit: int,
                       allowed: ArticleFilter | None = None) -> Retrieval:
        """The query's vector and its ``limit`` best articles among those ``allowed`` lets through
        (searching with ``language``'s lexical rules)."""
        key = (query, language, limit, allowed, self.index.version)
        cached = self.results.get(key)
        if cached is None:
            vector = self.vectors.get(query)
            if vector is None:
                vector = await self.encoding.submit(query)
                self.vectors.put(query, vector)
            cached = Retrieval(vector, await self.searching.submit(_Search(query, vector, language, limit, allowed)))
            self.results.put(key, cached)
        return cached

    def _encode_batch(self, queries: Sequence[str]) -> list[np.ndarray]:
        unique = list(dict.fromkeys(queries))
        vectors = dict(zip(unique, self.encoder.encode_queries(unique, batch_size=len(unique))))
        return [vectors[query] for query in queries]

    def _search_batch(self, searches: Sequence[_Search]) -> list[list[ArticleHit]]:
        scores, ids = self.index.nearest(np.stack([search.vector for search in searches]))
        return [self.index.search(search.query, search.limit, search.vector, search.language,
                                  neighbours=(scores[i], ids[i]), allowed=search.allowed)
                for i, search in enumerate(searches)]

    async def close(self) -> None:
        await self.encoding.close()
        await self.searching.close()
