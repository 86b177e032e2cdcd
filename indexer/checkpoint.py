"""Checkpoint a tenant's index to its folder after writes, batched.

Live writes change the index in memory; the folder is what a restart opens. The checkpointer saves
the index once it has changed and ``interval_s`` have passed since the first unsaved change, so a
burst of writes costs one save, and a restart embeds again only the articles written since the last
checkpoint (:func:`indexer.sync.open_index` compares each article's digest). A save is atomic and
its files are checksummed (:func:`indexer.build.write_index`): a torn checkpoint is detected at the
next start and ignored.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from indexer.search import ArticleIndex

log = logging.getLogger(__name__)


class Checkpointer:
    """Saves one index when it has unsaved changes.

    Args:
        index: the tenant's index.
        index_dir: its folder.
        write_lock: the tenant's write lock, held while saving so the saved index is one moment's.
        interval_s: how long changes gather before a save.
        clock: seconds, monotonic (tests pass their own).
    """

    def __init__(self, index: ArticleIndex, index_dir: Path, write_lock: threading.Lock, interval_s: float = 2.0,
                 clock=time.monotonic):
        self.index = index
        self.index_dir = index_dir
        self.write_lock = write_lock
        self.interval_s = interval_s
        self.clock = clock
        self.saved_version = index.version
        self.saves = 0
        self._changed_since: float | None = None

    def save_if_due(self) -> bool:
        """Save when the index changed at least ``interval_s`` ago and is not saved yet.

        Returns:
            Whether it saved.
        """
        if self.index.version == self.saved_version:
            self._changed_since = None
            return False
        now = self.clock()
        if self._changed_since is None:
            self._changed_since = now
        if now - self._changed_since < self.interval_s:
            return False
        return self.save_if_changed()

    def save_if_changed(self) -> bool:
        """Save now when the index has unsaved changes (at shutdown, say).

        Returns:
            Whether it saved.
        """
        with self.write_lock:
            version = self.index.version
            if version == self.saved_version:
                return False
            started = time.perf_counter()
            self.index.save(self.index_dir)
        self.saved_version, self._changed_since = version, None
        self.saves += 1
        log.info("index at %s checkpointed (%.2f s)", self.index_dir, time.perf_counter() - started)
        return True
