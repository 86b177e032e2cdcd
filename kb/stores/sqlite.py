"""The embedded store: one SQLite file in WAL mode, zero set-up.

Every write is one transaction committed with ``synchronous=FULL`` before the call returns, so an
acknowledged write survives a crash of the process (or of the machine). The schema version is
SQLite's ``PRAGMA user_version``. The file holds key hashes and customers' questions, so it is
created readable by its owner only (``0600``); SQLite gives its ``-wal`` and ``-shm`` files the same mode.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.stores.sql import MIGRATIONS, SqlStore, migrate

OWNER_ONLY = 0o600


class SQLiteStore(SqlStore):
    """The store in one SQLite file.

    Args:
        path: the database file (created with its folder when missing, readable by its owner only).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # an empty file is an empty database; an existing file keeps the mode its operator gave it
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, OWNER_ONLY))
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        super().__init__()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._db

    def _migrate(self) -> None:
        migrate(self.transaction, MIGRATIONS, self._schema_version, self._set_schema_version)

    def _schema_version(self, db: sqlite3.Connection) -> int:
        return db.execute("PRAGMA user_version").fetchone()[0]

    def _set_schema_version(self, db: sqlite3.Connection, version: int) -> None:
        db.execute(f"PRAGMA user_version = {int(version)}")

    def close(self) -> None:
        with self._lock:
            self._db.close()
