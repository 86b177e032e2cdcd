"""The FAISS backend: exact for small indexes, an inverted file from a size on; both add, remove, save."""

from __future__ import annotations

import faiss
import numpy as np

from indexer.backends.faiss import FaissBackend


def unit_vectors(count: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_large_index_becomes_an_inverted_file_that_finds_what_exact_search_finds(tmp_path):
    vectors = unit_vectors(4000)
    ids = np.arange(100, 4100)
    exact, large = FaissBackend(32), FaissBackend(32, ivf_min_vectors=1000, nprobe=16)
    exact.add(ids, vectors)
    large.add(ids, vectors)
    assert isinstance(exact.index, faiss.IndexIDMap2) and isinstance(large.index, faiss.IndexIVFFlat)
    queries = vectors[:200] + 0.05 * unit_vectors(200, seed=1)
    assert np.mean(exact.search(queries, 1)[1][:, 0] == large.search(queries, 1)[1][:, 0]) > 0.95
    large.remove(np.array([100, 101]))
    assert large.count() == 3998 and 100 not in large.search(vectors[:1], 5)[1]
    large.save(tmp_path / "ivf.faiss")
    reloaded = FaissBackend(32, nprobe=16)
    reloaded.load(tmp_path / "ivf.faiss")
    assert reloaded.index.nprobe == 16 and reloaded.count() == 3998
    np.testing.assert_array_equal(reloaded.search(queries, 3)[1], large.search(queries, 3)[1])


def test_a_small_index_stays_exact():
    backend = FaissBackend(32, ivf_min_vectors=1000)
    backend.add(np.arange(999), unit_vectors(999))
    assert isinstance(backend.index, faiss.IndexIDMap2)
