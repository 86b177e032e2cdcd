"""The retrieval step of a request: query embedding and article search, batched and cached.

Concurrent requests are embedded and searched together (see :mod:`api.batching`); two bounded
LRU caches remember query embeddings (search boxes resend the same prefixes and questions)
and whole retrievals of the current index version.
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
class _Request:
    query: str
    language: Language | None
    limit: int


class Retriever:
    """Embeds and searches queries in micro-batches, through the caches.

    Args:
        encoder: the model.
        index: the searchable knowledge base.
        max_batch: most queries embedded in one call.
        max_wait_ms: how long a batch waits for company once its first query arrived.
        cache_size: entries of each LRU cache (query embeddings, retrievals).
    """

    def __init__(self, encoder: Encoder, index: ArticleIndex, max_batch: int = 32, max_wait_ms: float = 0.0,
                 cache_size: int = 4096):
        self.encoder = encoder
        self.index = index
        # OpenMP thread counts are per thread: FAISS in the worker must be told, not only the main thread
        self.batcher = MicroBatcher(self._retrieve_batch, max_batch, max_wait_ms,
                                    thread_setup=lambda: faiss.omp_set_num_threads(1))
        self.vectors = LRUCache(cache_size)
        self.results = LRUCache(cache_size)

    async def retrieve(self, query: str, language: Language | None, limit: int) -> Retrieval:
        """The query's vector and its ``limit`` best articles (searching with ``language``'s lexical rules)."""
        key = (query, language, limit, self.index.version)
        cached = self.results.get(key)
        if cached is None:
            cached = await self.batcher.submit(_Request(query, language, limit))
            self.results.put(key, cached)
        return cached

    def _retrieve_batch(self, requests: Sequence[_Request]) -> list[Retrieval]:
        vectors = {request.query: self.vectors.get(request.query) for request in requests}
        missing = [query for query, vector in vectors.items() if vector is None]
        if missing:
            for query, vector in zip(missing, self.encoder.encode_queries(missing, batch_size=len(missing))):
                vectors[query] = vector
                self.vectors.put(query, vector)
        matrix = np.stack([vectors[request.query] for request in requests])
        scores, ids = self.index.nearest(matrix)
        return [Retrieval(matrix[i], self.index.search(request.query, request.limit, matrix[i], request.language,
                                                       neighbours=(scores[i], ids[i])))
                for i, request in enumerate(requests)]

    async def close(self) -> None:
        await self.batcher.close()
