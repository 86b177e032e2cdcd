"""The encoders: ONNX gives PyTorch's vectors, int8 stays close, the factory falls back to torch."""

from __future__ import annotations

import json

import numpy as np
import pytest

from indexer.encoders import create_encoder
from indexer.encoders.onnx import EXPORT_STAMP, FILES, LAYOUT, ONNX_DIR, export_is_current, weights_file
from indexer.settings import default_model_dir

# four languages and very different lengths, so batches are padded
TEXTS = [
    "Where is my parcel?",
    "退货需要多长时间？我上周寄回了包裹，但还没有收到退款。",
    "Kaip grąžinti prekę?",
    "注文をキャンセルしたいのですが、もう発送されましたか。",
    "invoice",
]


@pytest.fixture(scope="module")
def torch_encoder():
    return create_encoder("torch", second="none")


@pytest.mark.parametrize("prompt", ["query", "passage"])
def test_onnx_gives_the_vectors_of_torch(torch_encoder, prompt):
    onnx = create_encoder("onnx", second="none")
    assert onnx.name == "onnx" and onnx.precision == "fp32"
    encode = {"query": "encode_queries", "passage": "encode_passages"}[prompt]
    reference = getattr(torch_encoder, encode)(TEXTS)
    batched = getattr(onnx, encode)(TEXTS, batch_size=len(TEXTS))
    one_by_one = np.vstack([getattr(onnx, encode)([text]) for text in TEXTS])
    assert np.min(np.sum(batched * reference, axis=1)) > 0.9999
    assert np.min(np.sum(one_by_one * reference, axis=1)) > 0.9999
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)


def test_int8_stays_close_and_keys_its_own_vectors(torch_encoder):
    int8 = create_encoder("onnx-int8", second="none")
    assert int8.precision == "int8"
    cosines = np.sum(int8.encode_queries(TEXTS) * torch_encoder.encode_queries(TEXTS), axis=1)
    assert np.min(cosines) > 0.97
    # an index built with fp32 vectors is not taken for an int8 one
    assert int8.vectors_fingerprint != torch_encoder.vectors_fingerprint


def test_missing_onnx_export_falls_back_to_torch(tmp_path):
    model = default_model_dir()
    for item in model.iterdir():
        if item.name != "onnx":
            (tmp_path / item.name).symlink_to(item)
    encoder = create_encoder("onnx", tmp_path, second="none")
    assert encoder.name == "torch"


def test_unknown_encoder_is_refused():
    with pytest.raises(ValueError, match="unknown encoder 'gpu'"):
        create_encoder("gpu")


def test_the_export_keeps_its_weights_beside_the_graph_and_an_older_layout_is_stale(tmp_path):
    model = default_model_dir()
    for precision, name in FILES.items():
        graph = model / ONNX_DIR / name
        assert graph.stat().st_size < 5_000_000, f"{precision}: weights inside the graph"
        assert weights_file(graph).stat().st_size > 100_000_000
    # a copy whose stamp was written before the external-data layout must be exported again
    for item in model.iterdir():
        if item.name != ONNX_DIR:
            (tmp_path / item.name).symlink_to(item)
    (tmp_path / ONNX_DIR).mkdir()
    for item in (model / ONNX_DIR).iterdir():
        if item.name != EXPORT_STAMP:
            (tmp_path / ONNX_DIR / item.name).symlink_to(item)
    stamp = json.loads((model / ONNX_DIR / EXPORT_STAMP).read_text(encoding="utf-8"))
    assert export_is_current(model) and stamp["layout"] == LAYOUT
    (tmp_path / ONNX_DIR / EXPORT_STAMP).write_text(json.dumps({"weights": stamp["weights"]}), encoding="utf-8")
    assert not export_is_current(tmp_path)
