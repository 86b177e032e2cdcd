"""The FAISS backend: exact for small indexes, an inverted file from a size on; both add, remove, save;
with two vector fields, each searched and both scored; an index of one field upgraded in place."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from indexer.backends.faiss import FaissBackend


def unit_vectors(count: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_large_index_becomes_an_inverted_file_that_finds_what_exact_search_finds(tmp_path):
    vectors = unit_vectors(4000)
    ids = np.arange(100, 4100)
    exact, large = FaissBackend((32,)), FaissBackend((32,), ivf_min_vectors=1000, nprobe=16)
    exact.add(ids, vectors)
    large.add(ids, vectors)
    assert isinstance(exact.indexes[0], faiss.IndexIDMap2) and isinstance(large.indexes[0], faiss.IndexIVFFlat)
    queries = vectors[:200] + 0.05 * unit_vectors(200, seed=1)
    assert np.mean(exact.search(queries, 1)[1][:, 0] == large.search(queries, 1)[1][:, 0]) > 0.95
    large.remove(np.array([100, 101]))
    assert large.count() == 3998 and 100 not in large.search(vectors[:1], 5)[1]
    large.save(tmp_path / "ivf.faiss")
    reloaded = FaissBackend((32,), nprobe=16)
    reloaded.load(tmp_path / "ivf.faiss")
    assert reloaded.indexes[0].nprobe == 16 and reloaded.count() == 3998
    np.testing.assert_array_equal(reloaded.search(queries, 3)[1], large.search(queries, 3)[1])


def test_a_small_index_stays_exact():
    backend = FaissBackend((32,), ivf_min_vectors=1000)
    backend.add(np.arange(999), unit_vectors(999))
    assert isinstance(backend.indexes[0], faiss.IndexIDMap2)


def two_fields(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    return unit_vectors(count, 32, seed), unit_vectors(count, 24, seed + 100)


@pytest.mark.parametrize("ivf_min_vectors", [50_000, 1000])
def test_two_fields_are_each_searched_and_every_candidate_scored_on_both(ivf_min_vectors):
    first, second = two_fields(3000)
    backend = FaissBackend((32, 24), ivf_min_vectors=ivf_min_vectors, nprobe=64)
    backend.add(np.arange(3000), np.hstack([first, second]))
    queries = np.hstack([first[:5], second[5:10]])  # each field's query is near another entry
    scores, ids = backend.search(queries, 4)
    assert scores.shape == (*ids.shape, 2)
    for row in range(5):
        found = ids[row][ids[row] >= 0]
        assert {row, row + 5} <= set(found.tolist())  # the first field found one, the second the other
        np.testing.assert_allclose(scores[row, ids[row] >= 0, 0], first[found] @ first[row], atol=1e-5)
        np.testing.assert_allclose(scores[row, ids[row] >= 0, 1], second[found] @ second[row + 5], atol=1e-5)
    backend.remove(np.array([0, 5]))
    assert backend.count() == 2998 and not np.isin([0, 5], backend.search(queries, 4)[1]).any()


def test_an_index_of_one_field_opens_with_the_second_empty_and_is_filled_in_place(tmp_path):
    first, second = two_fields(50)
    old = FaissBackend((32,))
    old.add(np.arange(50), first)
    old.save(tmp_path / "vectors.faiss")
    upgraded = FaissBackend((32, 24))
    upgraded.load(tmp_path / "vectors.faiss")
    np.testing.assert_array_equal(upgraded.missing_from_field(1), np.arange(50))
    scores, ids = upgraded.search(np.hstack([first[:1], second[:1]]), 3)
    assert np.isnan(scores[0, ids[0] >= 0, 1]).all() and not np.isnan(scores[0, ids[0] >= 0, 0]).any()
    upgraded.fill_field(1, np.arange(50), second)
    assert len(upgraded.missing_from_field(1)) == 0
    upgraded.save(tmp_path / "vectors.faiss")
    assert (tmp_path / "vectors-2.faiss").is_file()
    reloaded = FaissBackend((32, 24))
    reloaded.load(tmp_path / "vectors.faiss")
    scores, ids = reloaded.search(np.hstack([first[:1], second[:1]]), 3)
    np.testing.assert_allclose(scores[0, ids[0] >= 0, 1], second[ids[0][ids[0] >= 0]] @ second[0], atol=1e-5)


def test_vectors_narrower_than_the_fields_are_refused():
    with pytest.raises(ValueError, match="width 32 for fields of sizes"):
        FaissBackend((32, 24)).add(np.arange(3), unit_vectors(3))
