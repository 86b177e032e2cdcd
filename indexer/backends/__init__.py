"""Vector backends, one per file, chosen by name: ``faiss`` (in-process, the default) and
``pgvector`` (a PostgreSQL table, shared by every process that connects to it)."""

from __future__ import annotations

from indexer.backends.base import VectorBackend

BACKENDS = ("faiss", "pgvector")


def create_backend(name: str, dim: int, dsn: str | None = None, table: str | None = None) -> VectorBackend:
    """Create an empty backend (pgvector: connect to its table, creating it when missing).

    Args:
        name: one of ``BACKENDS``.
        dim: vector dimension.
        dsn: the PostgreSQL connection string (pgvector only).
        table: the table of this index (pgvector only).

    Returns:
        The backend.
    """
    if name == "faiss":
        from indexer.backends.faiss import FaissBackend

        return FaissBackend(dim)
    if name == "pgvector":
        if not dsn or not table:
            raise ValueError("the pgvector backend needs a connection string (dsn) and a table name")
        from indexer.backends.pgvector import PgvectorBackend

        return PgvectorBackend(dim, dsn, table)
    raise ValueError(f"unknown vector backend '{name}'; choose one of {', '.join(BACKENDS)}")
