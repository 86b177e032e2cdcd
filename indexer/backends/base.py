"""The small interface every vector backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np


class VectorBackend(ABC):
    """Inner-product search over L2-normalised vectors, addressed by integer ids."""

    name = "base"  # the name create_backend knows it by

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
