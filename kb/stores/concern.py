"""The small base of each concern of a SQL store (articles, templates, keys, origins, answers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.stores.sql import SqlStore


class Concern:
    """One concern's reads and writes, run in its engine's connections and transactions.

    Args:
        store: the engine (SQLite or PostgreSQL) whose transactions the concern's rows are written in.
    """

    def __init__(self, store: SqlStore):
        self.store = store
