"""A sentence-transformers folder an operator brings: its prompts, pooling, dense layer, dimension,
tokenizer and weights come from its own files, not from what our e5 model happens to use.

The folder is made from our converted e5 without its conversion stamp, with other prompts, CLS
pooling instead of mean, and a dense layer to 96 numbers before normalising: vectors computed by
hand from transformers and those numbers must match the encoder's.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil

import numpy as np
import pytest
from safetensors.numpy import save_file

from indexer.convert import STAMP_FILE
from indexer.encoders import ModelMissingError, create_encoder
from indexer.encoders.base import FolderEncoder, folder_fingerprint
from indexer.encoders.onnx import OnnxEncoder, OnnxExportMissingError
from indexer.settings import model_dir

OURS = model_dir("base")
PROMPTS = {"query": "asked by a customer: ", "document": "from the help centre: ", "Clustering": "topic: "}
DENSE_DIM = 96
TEXTS = ["Where is my parcel?", "退货需要多长时间？", "Kaip grąžinti prekę?", "注文をキャンセルしたい"]


def dense_weights(hidden: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(25)
    return {"linear.weight": rng.normal(0, 0.1, (DENSE_DIM, hidden)).astype(np.float32),
            "linear.bias": rng.normal(0, 0.1, DENSE_DIM).astype(np.float32)}


def write_folder(folder, weights: dict[str, np.ndarray]) -> None:
    """A sentence-transformers folder: e5's transformer (linked), CLS pooling, a dense layer, normalize."""
    folder.mkdir()
    for item in OURS.iterdir():
        if item.is_file() and item.name not in (STAMP_FILE, "modules.json", "config_sentence_transformers.json"):
            (folder / item.name).symlink_to(item)
    (folder / "config_sentence_transformers.json").write_text(json.dumps({"prompts": PROMPTS,
                                                                          "default_prompt_name": None}))
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Dense", "Dense"), ("3_Normalize", "Normalize")]
    (folder / "modules.json").write_text(json.dumps(
        [{"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
         for i, (path, kind) in enumerate(modules)]))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 384, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False,
         "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False}))
    (folder / "2_Dense").mkdir()
    (folder / "2_Dense" / "config.json").write_text(json.dumps(
        {"in_features": 384, "out_features": DENSE_DIM, "bias": True,
         "activation_function": "torch.nn.modules.activation.Tanh"}))
    save_file(weights, str(folder / "2_Dense" / "model.safetensors"))
    (folder / "3_Normalize").mkdir()


@pytest.fixture(scope="module")
def weights():
    return dense_weights(384)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, weights):
    folder = tmp_path_factory.mktemp("byo") / "model"
    write_folder(folder, weights)
    return folder


@pytest.fixture(scope="module")
def encoder(folder):
    return create_encoder("torch", folder, second="none")


@pytest.fixture(scope="module")
def by_hand(weights):
    """Vectors computed apart from sentence-transformers: e5's transformer, CLS, dense, tanh, L2."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(OURS), local_files_only=True)
    model = AutoModel.from_pretrained(str(OURS), add_pooling_layer=False, local_files_only=True).eval()

    def embed(texts: list[str], prompt: str) -> np.ndarray:
        batch = tokenizer([prompt + text for text in texts], padding=True, return_tensors="pt")
        with torch.no_grad():
            cls = model(**batch).last_hidden_state[:, 0].numpy()
        dense = np.tanh(cls @ weights["linear.weight"].T + weights["linear.bias"])
        return dense / np.linalg.norm(dense, axis=1, keepdims=True)

    return embed


def test_questions_take_the_folders_query_prompt_and_its_pooling(encoder, by_hand):
    assert encoder.name == "torch" and encoder.dim == DENSE_DIM  # the dense layer's size, not the hidden size
    vectors = encoder.encode_queries(TEXTS)
    assert vectors.shape == (len(TEXTS), DENSE_DIM)
    assert np.allclose(vectors, by_hand(TEXTS, PROMPTS["query"]), atol=1e-5)
    # e5's prompt would give other vectors: the check above tells prompts apart
    assert not np.allclose(vectors, by_hand(TEXTS, "query: "), atol=1e-3)


def test_documents_take_the_folders_document_prompt(encoder, by_hand):
    assert np.allclose(encoder.encode_passages(TEXTS), by_hand(TEXTS, PROMPTS["document"]), atol=1e-5)


def test_tokens_are_counted_by_the_folders_tokenizer_with_the_query_prompt(encoder):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(OURS), local_files_only=True)
    assert encoder.max_tokens == 512
    for text in TEXTS:
        assert encoder.count_tokens(text) == len(tokenizer(PROMPTS["query"] + text)["input_ids"])
    assert encoder.count_tokens("word " * 2000) == 512


@pytest.mark.parametrize(("config", "query", "document"), [
    ({"prompts": {"query": "q: ", "passage": "p: "}}, "q: ", "p: "),
    ({"prompts": {"query": "q: ", "document": "d: ", "passage": "p: "}}, "q: ", "d: "),
    ({"prompts": {"query": "q: ", "retrieval": "r: "}, "default_prompt_name": "retrieval"}, "q: ", "r: "),
    ({"prompts": {"Clustering": "c: "}, "default_prompt_name": None}, "", ""),
    (None, "", ""),
])
def test_prompts_come_from_the_folders_configuration(tmp_path, config, query, document):
    write_folder(tmp_path / "model", dense_weights(384))
    path = tmp_path / "model" / "config_sentence_transformers.json"
    path.unlink()
    if config is not None:
        path.write_text(json.dumps(config))
    assert FolderEncoder(tmp_path / "model").prompts == {"query": query, "passage": document}


def test_our_converted_folder_keeps_its_fingerprint_and_prompts():
    ours = FolderEncoder(OURS)
    stamp_digest = hashlib.sha256((OURS / STAMP_FILE).read_bytes()).hexdigest()
    assert ours.vectors_fingerprint == f"{stamp_digest}-fp32"  # existing indexes stay current
    assert ours.prompts == {"query": "query: ", "passage": "passage: "}


def test_a_brought_folder_is_fingerprinted_by_its_content(tmp_path, encoder, weights):
    assert encoder.vectors_fingerprint != FolderEncoder(OURS).vectors_fingerprint
    copy = tmp_path / "model"
    write_folder(copy, weights)
    same = folder_fingerprint(copy)
    assert encoder.vectors_fingerprint == f"{same}-fp32"
    # a new time without new content (a copy on another replica) keeps it; an ONNX export beside it too
    os.utime(copy / "2_Dense" / "model.safetensors", (1, 1))
    (copy / "onnx").mkdir()
    (copy / "onnx" / "model.onnx").write_bytes(b"graph")
    assert folder_fingerprint(copy) == same
    # other weights in any module change it
    changed = {**weights, "linear.bias": weights["linear.bias"] + 1}
    save_file(changed, str(copy / "2_Dense" / "model.safetensors"))
    assert folder_fingerprint(copy) != same


def test_the_transformers_weights_are_part_of_the_fingerprint(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "modules.json").write_text(json.dumps([{"idx": 0, "name": "0", "path": "", "type": "x.Transformer"}]))
    (folder / "model.safetensors").write_bytes(b"weights one")
    before = folder_fingerprint(folder)
    (folder / "model.safetensors").write_bytes(b"weights two")
    assert folder_fingerprint(folder) != before


def test_the_onnx_runtimes_refuse_a_brought_folder_so_the_factory_runs_torch(folder):
    with pytest.raises(OnnxExportMissingError, match="KB_ENCODER=torch"):
        OnnxEncoder(folder)


def test_a_folder_that_is_no_model_is_refused_naming_what_it_lacks(tmp_path, folder):
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(ModelMissingError, match=f"{re.escape(str(tmp_path))} is not a sentence-transformers model folder.*modules.json"):
        create_encoder("torch", tmp_path, second="none")
    incomplete = tmp_path / "incomplete"
    shutil.copytree(folder, incomplete, symlinks=True, ignore=shutil.ignore_patterns("tokenizer.json", "*.safetensors"))
    with pytest.raises(ModelMissingError, match="has no tokenizer.json, weights"):
        create_encoder("torch", incomplete, second="none")
    with pytest.raises(ModelMissingError, match="make install.*KB_MODEL_DIR"):
        create_encoder("torch", tmp_path / "nothing-here", second="none")


def test_make_eval_takes_a_folder_beside_our_models(monkeypatch, folder):
    from evals.__main__ import main
    from evals.common import model_folder, model_label, service_model

    assert (model_folder("base"), model_label("base")) == (OURS, "base")
    assert (model_folder(str(folder)), model_label(str(folder))) == (folder, "model")
    monkeypatch.setenv("KB_MODEL_DIR", "")
    assert service_model() == "base"
    monkeypatch.setenv("KB_MODEL_DIR", str(folder))
    assert service_model() == str(folder)  # the service's model is the folder; "base" still means ours
    with pytest.raises(SystemExit) as refused:  # refused before any model is loaded
        main(["--model", f"base,{folder / 'missing'}", "--only", "paraphrases"])
    assert refused.value.code == 2


def test_a_brought_folder_that_cannot_load_says_what_to_check(tmp_path, monkeypatch, weights):
    from api.services import load_encoder
    from api.settings import Settings
    from indexer.encoders.base import unloadable_model_hint

    write_folder(tmp_path / "model", weights)
    (tmp_path / "model" / "config.json").unlink()
    (tmp_path / "model" / "config.json").write_text(json.dumps({"model_type": "no-such-architecture"}))
    monkeypatch.setenv("KB_SECOND_ENCODER", "none")
    with pytest.raises(ModelMissingError, match="cannot be loaded.*sentence-transformers folder whose architecture"):
        load_encoder(Settings(model_dir=tmp_path / "model", encoder="torch"))
    assert "make install" in unloadable_model_hint(OURS)  # ours is converted again
