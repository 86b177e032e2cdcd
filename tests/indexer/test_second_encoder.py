"""The second encoder (USE-m) and the pair of it with e5: what the query path and the index embed with."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.encoders import ModelMissingError, create_encoder
from indexer.encoders.pair import EncoderPair

# four languages, different lengths: USE-m pads a batch inside its graph, which must not move a vector
TEXTS = ["Can I pay the invoice in two parts?", "請求書を分割で支払えますか。", "发票可以分两次付款吗？",
         "Ar galiu sąskaitą apmokėti dalimis?", "split payment"]


@pytest.fixture(scope="module")
def pair() -> EncoderPair:
    return create_encoder("onnx")


def test_the_factory_pairs_e5_with_use_m_and_each_part_is_that_model_alone(pair):
    assert isinstance(pair, EncoderPair) and pair.name == "onnx+use-m"
    assert pair.dims == (384, 512) and pair.dim == 896 and pair.primary is pair.first
    vectors = pair.encode_queries(TEXTS)
    assert vectors.shape == (len(TEXTS), 896)
    np.testing.assert_allclose(vectors[:, :384], pair.first.encode_queries(TEXTS), atol=1e-5)
    np.testing.assert_allclose(vectors[:, 384:], pair.second.encode_queries(TEXTS), atol=1e-6)
    np.testing.assert_array_equal(pair.primary_part(vectors), vectors[:, :384])
    np.testing.assert_allclose(np.linalg.norm(vectors[:, 384:], axis=1), 1.0, atol=1e-5)
    assert pair.field_fingerprints == (pair.first.vectors_fingerprint, pair.second.vectors_fingerprint)
    assert pair.count_tokens("where is my order") == pair.first.count_tokens("where is my order")


def test_use_m_gives_a_text_the_same_vector_whatever_it_is_embedded_with(pair):
    together = pair.second.encode_passages(TEXTS, batch_size=len(TEXTS))
    alone = np.vstack([pair.second.encode_passages([text]) for text in TEXTS])
    np.testing.assert_array_equal(together, alone)


def test_use_m_places_a_translation_nearer_than_another_question(pair):
    vectors = pair.second.encode_queries(TEXTS[:3] + ["How do I reset my password?"])
    english, japanese, chinese, other = vectors
    assert english @ japanese > english @ other + 0.2 and english @ chinese > english @ other + 0.2


def test_without_the_second_encoder_the_factory_gives_e5_alone():
    encoder = create_encoder("onnx", second="none")
    assert not isinstance(encoder, EncoderPair) and encoder.dims == (384,) and encoder.primary is encoder


def test_a_missing_second_model_says_what_to_do(tmp_path):
    with pytest.raises(ModelMissingError, match="make install.*KB_SECOND_ENCODER=none"):
        create_encoder("onnx", second_model_dir=tmp_path)


def test_an_unknown_second_encoder_is_refused():
    with pytest.raises(ValueError, match="unknown second encoder 'laser'"):
        create_encoder("onnx", second="laser")
