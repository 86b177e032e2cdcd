"""A bounded, thread-safe LRU cache (query embeddings, retrievals)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


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

    def __contains__(self, key: Hashable) -> bool:
        """Whether ``key`` is cached (neither a use nor a miss)."""
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)
