"""Inner-product search with FAISS, in process (the default backend).

Small indexes are searched exactly (``IndexIDMap2`` over ``IndexFlatIP``). From
``ivf_min_vectors`` vectors on, an index built in one go is an inverted file
(``IndexIVFFlat``): the vectors are grouped around k-means centroids and a query
scans only the ``nprobe`` nearest groups — at 240,000 vectors exact search reads
all 370 MB per query, which costs more than encoding the query.

With two vector fields (e5 and the second encoder) each field is an index of its own under the
same ids, saved beside the first (``vectors-2.faiss`` for ``vectors.faiss``).
"""

from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np

from indexer.backends.base import VectorBackend, field_path, split_fields, union_scores

IVF_MIN_VECTORS = 50_000
NPROBE = 32
TRAINING_POINTS_PER_LIST = 40
TRAINING_SEED = 1234


class FaissBackend(VectorBackend):
    """Exact search for small indexes, an inverted file for large ones; ids chosen by the caller.

    Args:
        dims: the size of each vector field (one, or two: e5's and the second encoder's).
        ivf_min_vectors: from how many vectors a fresh index becomes an inverted file.
        nprobe: how many of its lists a query scans.
    """

    name = "faiss"

    def __init__(self, dims: tuple[int, ...], ivf_min_vectors: int = IVF_MIN_VECTORS, nprobe: int = NPROBE):
        self.dims = tuple(dims)
        self.ivf_min_vectors = ivf_min_vectors
        self.nprobe = nprobe
        self.indexes = [_exact(dim) for dim in self.dims]

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        for field, part in enumerate(split_fields(vectors, self.dims)):
            self._add(field, ids, part)

    def fill_field(self, field: int, ids: np.ndarray, vectors: np.ndarray) -> None:
        self.indexes[field].remove_ids(np.ascontiguousarray(ids, dtype=np.int64))
        self._add(field, ids, vectors)

    def missing_from_field(self, field: int) -> np.ndarray:
        return np.setdiff1d(self._ids(0), self._ids(field)).astype(np.int64)

    def remove(self, ids: np.ndarray) -> None:
        for index in self.indexes:
            index.remove_ids(np.ascontiguousarray(ids, dtype=np.int64))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = max(1, min(k, self.count()))
        parts = split_fields(queries, self.dims)
        if len(parts) == 1:
            return self.indexes[0].search(parts[0], k)
        found = np.hstack([index.search(part, min(k, max(1, index.ntotal)))[1]
                           for index, part in zip(self.indexes, parts)])
        return union_scores(found, lambda ids: self._exact_scores(parts, ids))

    def count(self) -> int:
        return self.indexes[0].ntotal

    def save(self, path: Path) -> None:
        for field, index in enumerate(self.indexes):
            faiss.write_index(index, str(field_path(path, field)))

    def load(self, path: Path) -> None:
        indexes = []
        for field, dim in enumerate(self.dims):
            source = field_path(path, field)
            if field and not source.is_file():  # an index from before the field: upgraded in place by the caller
                indexes.append(_exact(dim))
                continue
            index = faiss.read_index(str(source))
            if index.d != dim:
                raise ValueError(f"{source}: index has dimension {index.d}, model has {dim}")
            if isinstance(index, faiss.IndexIVF):
                self._prepare_ivf(index)
            indexes.append(index)
        self.indexes = indexes

    def _add(self, field: int, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = self.indexes[field]
        if index.ntotal == 0 and len(vectors) >= self.ivf_min_vectors:
            index = self.indexes[field] = self._trained_ivf(vectors)
        index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))

    def _ids(self, field: int) -> np.ndarray:
        """The ids a field holds."""
        index = self.indexes[field]
        if isinstance(index, faiss.IndexIVF):
            lists = index.invlists
            return np.concatenate([np.zeros(0, dtype=np.int64), *(
                faiss.rev_swig_ptr(lists.get_ids(number), lists.list_size(number)).copy()
                for number in range(index.nlist) if lists.list_size(number))])
        return faiss.vector_to_array(index.id_map)

    def _exact_scores(self, queries: list[np.ndarray], ids: np.ndarray) -> np.ndarray:
        """Each field's inner products of each query with the vectors ``ids`` (n, m, fields); NaN where
        a field lacks the vector (an index being upgraded)."""
        scores = np.full((*ids.shape, len(self.dims)), np.nan, dtype=np.float32)
        for field, (index, query) in enumerate(zip(self.indexes, queries)):
            present = ids >= 0
            if index.ntotal != self.count():  # the fields are kept in step, but for an upgrade under way
                present &= np.isin(ids, self._ids(field))
            for row in range(len(ids)):
                wanted = ids[row][present[row]]
                if len(wanted):
                    scores[row, present[row], field] = index.reconstruct_batch(wanted) @ query[row]
        return scores

    def _trained_ivf(self, vectors: np.ndarray) -> faiss.IndexIVFFlat:
        dim = vectors.shape[1]
        lists = 1 << round(math.log2(2 * math.sqrt(len(vectors))))  # ~1,024 lists for 240,000 vectors
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = TRAINING_SEED
        index.cp.niter = 10
        sample = np.random.default_rng(TRAINING_SEED).choice(
            len(vectors), min(len(vectors), lists * TRAINING_POINTS_PER_LIST), replace=False)
        index.train(vectors[np.sort(sample)])
        self._prepare_ivf(index)
        return index

    def _prepare_ivf(self, index: faiss.IndexIVF) -> None:
        """Scan ``nprobe`` lists per query; keep a map from vector to list, so the vectors of a
        second field's candidates can be read back (and removed)."""
        index.nprobe = self.nprobe
        if len(self.dims) > 1:
            index.set_direct_map_type(faiss.DirectMap.Hashtable)


def _exact(dim: int) -> faiss.IndexIDMap2:
    """An empty exact index of vectors of size ``dim``, with ids chosen by the caller."""
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
