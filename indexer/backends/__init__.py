"""Vector backends, one per file, chosen by name."""

from __future__ import annotations

from indexer.backends.base import VectorBackend

BACKENDS = ("faiss",)


def create_backend(name: str, dim: int) -> VectorBackend:
    """Create an empty backend.

    Args:
        name: one of ``BACKENDS``.
        dim: vector dimension.

    Returns:
        The backend.
    """
    if name == "faiss":
        from indexer.backends.faiss import FaissBackend

        return FaissBackend(dim)
    raise ValueError(f"unknown vector backend '{name}'; choose one of {', '.join(BACKENDS)}")
