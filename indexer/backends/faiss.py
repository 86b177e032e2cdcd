"""Exact inner-product search with FAISS, in process (the default backend)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from indexer.backends.base import VectorBackend


class FaissBackend(VectorBackend):
    """``IndexIDMap2`` over ``IndexFlatIP``: exact search, ids chosen by the caller.

    Args:
        dim: vector dimension.
    """

    def __init__(self, dim: int):
        self.dim = dim
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                np.ascontiguousarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray) -> None:
        self.index.remove_ids(np.ascontiguousarray(ids, dtype=np.int64))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = max(1, min(k, self.count()))
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def count(self) -> int:
        return self.index.ntotal

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    def load(self, path: Path) -> None:
        index = faiss.read_index(str(path))
        if index.d != self.dim:
            raise ValueError(f"{path}: index has dimension {index.d}, model has {self.dim}")
        self.index = index
