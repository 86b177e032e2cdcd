"""Vector backends, one per file, chosen by name: ``faiss`` (in-process, the default) and
``pgvector`` (a PostgreSQL table, shared by every process that connects to it)."""

from __future__ import annotations

from indexer.backends.base import ArticleVectors, SharedVectorBackend, VectorBackend

BACKENDS = ("faiss", "pgvector")
__all__ = ["BACKENDS", "ArticleVectors", "SharedVectorBackend", "VectorBackend", "create_backend"]


def create_backend(name: str, dims: int | tuple[int, ...], dsn: str | None = None, tenant: str | None = None,
                   read_dsn: str | None = None) -> VectorBackend:
    """Create a backend: an empty FAISS index, or a tenant's part of the pgvector tables (created when missing).

    Args:
        name: one of ``BACKENDS``.
        dims: the size of each vector field (an int: one field).
        dsn: the PostgreSQL connection string (pgvector only).
        tenant: whose vectors (pgvector only).
        read_dsn: a streaming read replica for searches (pgvector only; None: the primary).

    Returns:
        The backend.
    """
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if name == "faiss":
        from indexer.backends.faiss import FaissBackend

        return FaissBackend(dims)
    if name == "pgvector":
        if not dsn or not tenant:
            raise ValueError("the pgvector backend needs a connection string (dsn) and a tenant")
        from indexer.backends.pgvector import PgvectorBackend

        return PgvectorBackend(dims, dsn, tenant, read_dsn=read_dsn)
    raise ValueError(f"unknown vector backend '{name}'; choose one of {', '.join(BACKENDS)}")
