"""The small interface every vector backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class VectorBackend(ABC):
    """Inner-product search over L2-normalised vectors, addressed by integer ids."""

    name = "base"  # the name create_backend knows it by
    shared = False  # whether other processes read and write the same vectors (SharedVectorBackend)

    @abstractmethod
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under the given int64 ids."""

    @abstractmethod
    def remove(self, ids: np.ndarray) -> None:
        """Delete the vectors with these ids (unknown ids are ignored)."""

    @abstractmethod
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by inner product.

        Args:
            queries: float32 array (n, dim).
            k: results per query.

        Returns:
            ``(scores, ids)``, each (n, k); missing results have id -1.
        """

    @abstractmethod
    def count(self) -> int:
        """Number of stored vectors."""

    @abstractmethod
    def save(self, path: Path) -> None:
        """Write the index to ``path``."""

    @abstractmethod
    def load(self, path: Path) -> None:
        """Read the index from ``path``."""

    def close(self) -> None:
        """Release connections (backends that hold any)."""


class SharedVectorBackend(VectorBackend):
    """A backend in a database that many processes serving one tenant share.

    Vectors are written per article and tagged with the number of the article's change in the
    store's change feed; a write older than the one already applied is ignored, so writers racing
    on one article leave the newest version. Every process learns from here which article, language
    and field a vector id belongs to.
    """

    @abstractmethod
    def put_articles(self, articles: list[ArticleVectors]) -> list[np.ndarray | None]:
        """Replace these articles' vectors in one transaction.

        Returns:
            Per article, the ids its vectors got, or None when a later change of it was applied already.
        """

    @abstractmethod
    def delete_article(self, article_id: str, seq: int) -> None:
        """Drop an article's vectors (unless a later change of it was applied already)."""

    @abstractmethod
    def claim_model(self, fingerprint: str) -> bool:
        """Record which model the tenant's vectors are made with; vectors of another model are dropped.

        Returns:
            True when vectors of another model were dropped (every article must be embedded again).
        """

    @abstractmethod
    def article_vectors(self, article_id: str) -> ArticleVectors | None:
        """The article's vectors as applied (without the vectors themselves), or None when it has none."""

    @abstractmethod
    def applied(self) -> dict[str, int]:
        """The change number applied for each article that has vectors."""

    @abstractmethod
    def vector_sources(self) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
        """Every vector of the tenant: ``(ids, article id per vector, language codes, field codes)``."""


@dataclass(frozen=True)
class ArticleVectors:
    """One article's field vectors as a shared backend keeps them.

    ``languages`` and ``fields`` are codes (see :mod:`indexer.vector_sources`); ``vectors`` is None when read back.
    """

    article_id: str
    seq: int
    languages: np.ndarray
    fields: np.ndarray
    vectors: np.ndarray | None = None
    ids: np.ndarray | None = None
