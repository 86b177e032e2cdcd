"""Thread-safe caches over cachetools (whose caches are not): query embeddings and retrievals (LRU), and
store reads the event loop must not wait for (TTL): API keys, allowed origins."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from cachetools import LRUCache, TTLCache
from starlette.concurrency import run_in_threadpool

MISSING = object()


class LockedLRUCache:
    """A bounded mapping that forgets the least recently used key first, safe to share between threads.

    Args:
        size: most entries kept; 0 disables the cache.
    """

    def __init__(self, size: int):
        self.size = size
        self.hits = self.misses = 0
        self._items = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        """The value for ``key``, or None."""
        with self._lock:
            value = self._items.get(key, MISSING)
            if value is MISSING:
                self.misses += 1
                return None
            self.hits += 1
            return value

    def put(self, key: Hashable, value) -> None:
        """Remember ``value``, forgetting the least recently used entry when full."""
        if self.size:
            with self._lock:
                self._items[key] = value

    def __contains__(self, key: Hashable) -> bool:
        """Whether ``key`` is cached (neither a use nor a miss)."""
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)


class StoreReads:
    """A store read for the event loop: answered from memory for ``ttl_s`` seconds, else read in a
    worker thread, so the loop never waits for the store (a network round trip on PostgreSQL, seconds
    during an outage). The threads are Starlette's (those plain ``def`` endpoints read the store in),
    not the event loop's small default executor.

    A change made through this process calls :meth:`invalidate` and shows at once; a change made elsewhere
    (another replica, the admin CLI) shows within ``ttl_s``.

    Args:
        read: the store read, of one argument.
        ttl_s: how long an answer is trusted; 0: every call reads the store.
        size: most answers remembered (the least recently used go first).
        keep: which answers to remember (not, say, "no such key": it may be created any moment).
    """

    def __init__(self, read: Callable[[Hashable], Any], ttl_s: float, size: int = 4096,
                 keep: Callable[[Any], bool] = lambda answer: True):
        self._read = read
        self._keep = keep if ttl_s > 0 else lambda answer: False
        self._answers = TTLCache(maxsize=size, ttl=ttl_s)
        self._invalidations = 0  # how many times invalidate() ran: a read that overlapped one is not remembered
        self._lock = threading.Lock()

    async def get(self, key: Hashable) -> Any:
        """What ``read(key)`` returns, remembered or read now in a worker thread."""
        with self._lock:
            answer = self._answers.get(key, MISSING)
            invalidations = self._invalidations
        if answer is not MISSING:
            return answer
        answer = await run_in_threadpool(self._read, key)
        if self._keep(answer):
            with self._lock:
                if invalidations == self._invalidations:
                    self._answers[key] = answer
        return answer

    def invalidate(self, stale: Callable[[Hashable, Any], bool] = lambda key, answer: True) -> None:
        """Drop the answers ``stale(key, answer)`` picks (all by default): this process changed them."""
        with self._lock:
            self._invalidations += 1
            for key in list(self._answers):
                answer = self._answers.get(key, MISSING)  # MISSING once expired meanwhile
                if answer is not MISSING and stale(key, answer):
                    del self._answers[key]
