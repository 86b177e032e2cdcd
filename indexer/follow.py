"""Keep a tenant's index in step with article writes made by other processes sharing its store.

Every article write is numbered in the store's change feed (:meth:`kb.stores.articles.Articles.changes`).
A process remembers the last number it has seen and, polling a few times a second, takes in what
other processes wrote: with a shared backend (pgvector) the writer has already put the vectors
there, so taking an article in costs no embedding; with a backend of its own the process embeds it.
Should a writer die between its commit and its vector write, the article is embedded here after
``embed_after_s``, so no acknowledged write stays unsearchable.
"""

from __future__ import annotations

import threading
import time

from indexer.search import ArticleIndex
from kb.stores import ArticleChange, Store


class ChangeFollower:
    """Applies the store's article changes that this process has not applied yet.

    Args:
        store: the shared store.
        tenant: whose articles.
        index: the tenant's index in this process.
        seen: the last change number already reflected in ``index``.
        applied: the change number of each article as the index holds it.
        write_lock: the tenant's write lock (this process's own writes hold it too).
        embed_after_s: how long to wait for another process's vectors before embedding here.
    """

    def __init__(self, store: Store, tenant: str, index: ArticleIndex, seen: int, applied: dict[str, int],
                 write_lock: threading.Lock, embed_after_s: float = 5.0):
        self.store = store
        self.tenant = tenant
        self.index = index
        self.seen = seen
        self.applied = dict(applied)
        self.write_lock = write_lock
        self.embed_after_s = embed_after_s
        self.pending: dict[str, tuple[ArticleChange, float]] = {}

    def wrote(self, article_id: str, seq: int) -> None:
        """Record a change this process applied itself (call with the write lock held)."""
        self.applied[article_id] = max(seq, self.applied.get(article_id, 0))

    def poll(self) -> int:
        """Read the changes since the last poll and apply every one that can be.

        Returns:
            How many articles were taken in or dropped.

        Raises:
            StoreUnavailableError: the store cannot be reached (nothing is lost: the next poll retries).
        """
        changes = self.store.articles.changes(self.tenant, self.seen)
        now = time.monotonic()
        for change in changes:
            self.pending[change.article_id] = (change, now)
        if changes:
            self.seen = changes[-1].seq
        done = 0
        for article_id, (change, since) in list(self.pending.items()):
            with self.write_lock:
                if self.applied.get(article_id, -1) >= change.seq:  # this process wrote it
                    del self.pending[article_id]
                elif self._apply(change, now - since):
                    del self.pending[article_id]
                    done += 1
        return done

    def _apply(self, change: ArticleChange, waited_s: float) -> bool:
        stored = self.store.articles.get(self.tenant, change.article_id) if change.version else None
        if stored is None:  # deleted (perhaps after this change): the deletion's vectors are gone already
            self.index.remove_locally(change.article_id)
            self.applied[change.article_id] = change.seq
            return True
        if self.index.take_in_shared(stored.article, stored.seq) or (
                waited_s >= self.embed_after_s and self.index.upsert(stored.article, stored.seq)):
            self.applied[change.article_id] = stored.seq
            return True
        return False
