"""Inner-product search with FAISS, in process (the default backend).

Small indexes are searched exactly (``IndexIDMap2`` over ``IndexFlatIP``). From
``ivf_min_vectors`` vectors on, an index built in one go is an inverted file
(``IndexIVFFlat``): the vectors are grouped around k-means centroids and a query
scans only the ``nprobe`` nearest groups — at 240,000 vectors exact search reads
all 370 MB per query, which costs more than encoding the query.
"""

from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np

from indexer.backends.base import VectorBackend

IVF_MIN_VECTORS = 50_000
NPROBE = 32
TRAINING_POINTS_PER_LIST = 40
TRAINING_SEED = 1234


class FaissBackend(VectorBackend):
    """Exact search for small indexes, an inverted file for large ones; ids chosen by the caller.

    Args:
        dim: vector dimension.
        ivf_min_vectors: from how many vectors a fresh index becomes an inverted file.
        nprobe: how many of its lists a query scans.
    """

    name = "faiss"

    def __init__(self, dim: int, ivf_min_vectors: int = IVF_MIN_VECTORS, nprobe: int = NPROBE):
        self.dim = dim
        self.ivf_min_vectors = ivf_min_vectors
        self.nprobe = nprobe
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.index.ntotal == 0 and len(vectors) >= self.ivf_min_vectors:
            self.index = self._trained_ivf(vectors)
        self.index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))

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
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = self.nprobe
        self.index = index

    def _trained_ivf(self, vectors: np.ndarray) -> faiss.IndexIVFFlat:
        lists = 1 << round(math.log2(2 * math.sqrt(len(vectors))))  # ~1,024 lists for 240,000 vectors
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim, lists, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = TRAINING_SEED
        index.cp.niter = 10
        sample = np.random.default_rng(TRAINING_SEED).choice(
            len(vectors), min(len(vectors), lists * TRAINING_POINTS_PER_LIST), replace=False)
        index.train(vectors[np.sort(sample)])
        index.nprobe = self.nprobe
        return index
