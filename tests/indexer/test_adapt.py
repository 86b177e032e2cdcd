"""The committed adapter: its checksum and size, what applying it changes, and the adapted model at work.

No training here: ``make adapt`` trains; ``make install`` applies the committed file.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from safetensors import safe_open

from evals.benchmark import BENCHMARK_DIR
from indexer.adapt import ADAPTER_FILE, AdapterError, adapted_stamp, apply, record_file
from indexer.convert import STAMP_FILE, sha256_of
from indexer.encoders import create_encoder, model_fingerprint
from indexer.encoders.onnx import export_is_current
from indexer.settings import default_model_dir, model_dir
from training.adapt import Recipe, helpdesk_items, judge_key, judge_texts, training_pairs

BASE, ADAPTED = model_dir("base"), model_dir("adapted")


def _tensors(path):
    with safe_open(str(path), "pt") as handle:
        return {name: handle.get_tensor(name) for name in handle.keys()}


def test_adapter_matches_its_record_and_is_small():
    record = json.loads(record_file(ADAPTER_FILE).read_text(encoding="utf-8"))
    assert sha256_of(ADAPTER_FILE) == record["sha256"]
    assert ADAPTER_FILE.stat().st_size == record["bytes"] <= 20_000_000
    delta = _tensors(ADAPTER_FILE)
    first_trained = 12 - record["recipe"]["layers"]
    assert delta and all(name.startswith("encoder.layer.") and int(name.split(".")[2]) >= first_trained
                         for name in delta)
    assert {str(t.dtype) for t in delta.values()} == {"torch.float16"}


def test_applying_changes_only_the_adapted_tensors():
    base, adapted, delta = _tensors(BASE / "model.safetensors"), _tensors(ADAPTED / "model.safetensors"), \
        _tensors(ADAPTER_FILE)
    assert base.keys() == adapted.keys()
    for name, weights in base.items():
        if name in delta:
            assert np.allclose(adapted[name].numpy(), weights.numpy() + delta[name].float().numpy(), atol=1e-6)
        else:
            assert np.array_equal(adapted[name].numpy(), weights.numpy()), name
    assert any(delta[name].abs().max() > 0 for name in delta)


def test_adapted_folder_records_the_adapter_and_is_current():
    stamp = json.loads((ADAPTED / STAMP_FILE).read_text(encoding="utf-8"))
    assert stamp["adapter_sha256"] == sha256_of(ADAPTER_FILE)
    assert model_fingerprint(ADAPTED) != model_fingerprint(BASE)  # its own indexes and embedding caches
    before = (ADAPTED / "model.safetensors").stat().st_mtime_ns
    lines = []
    apply(BASE, ADAPTED, log=lines.append)
    assert "is current" in lines[0] and (ADAPTED / "model.safetensors").stat().st_mtime_ns == before
    assert export_is_current(ADAPTED)


def test_a_damaged_adapter_is_refused(tmp_path):
    adapter = tmp_path / ADAPTER_FILE.name
    shutil.copy(ADAPTER_FILE, adapter)
    shutil.copy(record_file(ADAPTER_FILE), record_file(adapter))
    assert adapted_stamp(BASE, adapter)["adapter_sha256"] == sha256_of(ADAPTER_FILE)
    data = bytearray(adapter.read_bytes())
    data[-1] ^= 1
    adapter.write_bytes(bytes(data))
    with pytest.raises(AdapterError, match="sha256"):
        apply(BASE, tmp_path / "adapted", adapter)
    assert not (tmp_path / "adapted").exists()


def test_adapted_model_loads_and_embeds():
    texts = ["Kaip pakeisti slaptažodį?", "How do I change my password?", "The weather is sunny today."]
    base = create_encoder("onnx", BASE, second="none").encode_queries(texts)
    adapted = {name: create_encoder(name, ADAPTED, second="none").encode_queries(texts) for name in ("onnx", "torch")}
    assert np.min(np.sum(adapted["onnx"] * adapted["torch"], axis=1)) > 0.9999
    vectors = adapted["onnx"]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.1
    assert not np.allclose(vectors, base, atol=1e-3)  # the adapter changes the vectors


def test_the_model_is_chosen_by_configuration(monkeypatch):
    monkeypatch.delenv("KB_MODEL_DIR", raising=False)
    monkeypatch.delenv("KB_MODEL", raising=False)
    assert default_model_dir() == BASE
    monkeypatch.setenv("KB_MODEL", "adapted")
    assert default_model_dir() == ADAPTED
    monkeypatch.setenv("KB_MODEL_DIR", "/elsewhere")
    assert str(default_model_dir()) == "/elsewhere"
    with pytest.raises(ValueError, match="unknown model"):
        model_dir("large")


def test_training_pairs_hold_no_judge_text_and_keep_dev_apart():
    train, dev, counts = training_pairs(Recipe())
    judges = judge_texts(BENCHMARK_DIR)
    assert not [p for p in train if judge_key(p.text) in judges or judge_key(p.english) in judges]
    assert counts["dropped_as_judge_texts"] > 0  # the filter is at work: the demo KB shares a few texts
    assert {p.source for p in train} == {"ntrex", "tatoeba-lit", "tatoeba-jpn", "tatoeba-cmn", "demo-kb"}
    assert {p.lang for p in dev if p.source == "helpdesk"} == {"lt", "ja", "zh"}  # in-domain dev, by default
    with_helpdesk, dev_again, _ = training_pairs(Recipe(helpdesk=True))
    assert dev_again == dev
    assert {p.lang for p in with_helpdesk if p.source == "helpdesk"} == {"en", "lt", "ja", "zh"}
    assert not {(p.lang, p.text) for p in dev} & {(p.lang, p.text) for p in with_helpdesk}
    assert not [p for p in with_helpdesk if judge_key(p.text) in judges or judge_key(p.english) in judges]


def test_helpdesk_items_are_complete_and_a_bad_line_is_named(tmp_path):
    items = helpdesk_items()
    assert len(items) >= 1000
    assert len({item["en"]["title"] for item in items}) > 0.95 * len(items)  # distinct tasks, not repeats
    good = {lang: {"title": "t", "question": "q"} for lang in ("en", "lt", "ja", "zh")}
    bad = {**good, "lt": {"title": "t"}}
    (tmp_path / "helpdesk-x.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"helpdesk-x.jsonl:2: .*title and a question"):
        helpdesk_items(tmp_path)


def test_near_copies_of_judge_texts_are_caught():
    assert judge_key("Use the on-screen keyboard.") == judge_key("use an on-screen keyboard") == "use on screen keyboard"
    assert judge_key("ユーザーアカウントを削除する。") == judge_key("ユーザーアカウントを削除する")
    assert judge_key("Change the sound volume") != judge_key("Change the screen brightness")
