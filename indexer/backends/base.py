"""The small interface every vector backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class VectorBackend(ABC):
    """Inner-product search over L2-normalised vectors, addressed by integer ids.

    An entry may hold two vector fields (``dims``: e5's and the second encoder's, see
    :class:`indexer.encoders.pair.EncoderPair`): vectors and queries then come as the fields side by
    side, each field is searched on its own, and a search returns both fields' scores of every
    candidate either field found.
    """

    name = "base"  # the name create_backend knows it by
    shared = False  # whether other processes read and write the same vectors (SharedVectorBackend)
    dims: tuple[int, ...] = ()

    @abstractmethod
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors (all fields side by side) under the given int64 ids."""

    @abstractmethod
    def fill_field(self, field: int, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Put (or replace) one field's vectors of entries that are already there (an index made before the
        field existed, upgraded in place)."""

    @abstractmethod
    def missing_from_field(self, field: int) -> np.ndarray:
        """The ids of entries whose ``field`` is still empty."""

    @abstractmethod
    def remove(self, ids: np.ndarray) -> None:
        """Delete the vectors with these ids (unknown ids are ignored)."""

    @abstractmethod
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by inner product.

        Args:
            queries: float32 array (n, sum of dims).
            k: results per query (per field with two fields).

        Returns:
            ``(scores, ids)``: with one field each (n, k), best first; with two, ids (n, m) of the
            candidates either field found (m ≤ 2k, ascending) and scores (n, m, 2): each field's inner
            product, NaN where an entry's field is still empty. Missing results have id -1.
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
    def claim_model(self, fingerprint: str, field: int = 0) -> bool:
        """Record which model a field of the tenant's vectors is made with; that field's vectors of another
        model are dropped (the first field: every vector of the tenant).

        Returns:
            True when vectors of another model were dropped (they must be embedded again).
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


def split_fields(vectors: np.ndarray, dims: tuple[int, ...]) -> list[np.ndarray]:
    """The fields of vectors given side by side, each contiguous float32.

    Raises:
        ValueError: the vectors are not as wide as the fields together.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.shape[-1] != sum(dims):
        raise ValueError(f"vectors of width {vectors.shape[-1]} for fields of sizes {dims}")
    bounds = np.cumsum((0, *dims))
    return [np.ascontiguousarray(vectors[..., start:end]) for start, end in zip(bounds, bounds[1:])]


def union_scores(found: np.ndarray, scores_of: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per query, the candidates any field found, with every field's scores of each.

    Args:
        found: (n, ...) ids the fields' searches returned (-1 pads).
        scores_of: (n, m) ids -> (n, m, fields) scores.

    Returns:
        (scores, ids) as :meth:`VectorBackend.search` returns them for two fields.
    """
    rows = [np.unique(row[row >= 0]) for row in found]
    ids = np.full((len(rows), max([1, *map(len, rows)])), -1, dtype=np.int64)
    for number, row in enumerate(rows):
        ids[number, :len(row)] = row
    return scores_of(ids), ids


def field_path(path: Path, field: int) -> Path:
    """Where a file backend keeps a field: ``path`` for the first, ``<stem>-2<suffix>`` for the second."""
    return path if field == 0 else path.with_name(f"{path.stem}-{field + 1}{path.suffix}")
