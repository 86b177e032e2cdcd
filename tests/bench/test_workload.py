"""The benchmark's scaled index: an index made before the second encoder gets only its second field, in place."""

from __future__ import annotations

import pytest

from bench.workload import scaled_index
from indexer.build import build_index, index_is_current
from indexer.encoders import create_encoder


@pytest.fixture(scope="module")
def pair():
    return create_encoder("onnx", threads=2, second="use-m")


def test_an_index_lacking_only_the_second_field_is_filled_not_rebuilt(pair, demo_articles, tmp_path):
    articles = [demo_articles[sorted(demo_articles)[0]]]
    index_dir = tmp_path / "index"
    build_index(articles, pair.primary, index_dir, show_progress=False)
    assert not index_is_current(index_dir, articles, pair)
    said = []
    scaled_index(articles, pair, said.append, index_dir)
    assert len(said) == 1 and "filling the second encoder's field" in said[0]
    assert (index_dir / "vectors-2.faiss").is_file() and index_is_current(index_dir, articles, pair)
    scaled_index(articles, pair, said.append, index_dir)  # current now: nothing more to do
    assert len(said) == 1
