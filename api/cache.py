"""A thread-safe LRU cache over cachetools (whose caches are not): query embeddings, retrievals."""

from __future__ import annotations

import threading
from collections.abc import Hashable

from cachetools import LRUCache

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
