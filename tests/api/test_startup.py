"""A service without a usable model refuses to start with a message saying how to fix it, not a
traceback; a truncated ONNX export counts as stale."""

from __future__ import annotations

import subprocess
import sys

import pytest

from indexer.encoders.onnx import FILES, ONNX_DIR, export_is_current, weights_file
from indexer.settings import PROJECT_ROOT, default_model_dir
from tests.servers import free_port


def start(tmp_path, model_dir) -> subprocess.CompletedProcess:
    env = {"KB_MODEL_DIR": str(model_dir), "KB_STORE_PATH": str(tmp_path / "store.sqlite3"),
           "KB_INDEX_DIR": str(tmp_path / "index"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app", "--port",
                           str(free_port())], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)


def copy_of_the_model(folder, damaged: str) -> None:
    """Links to every file of the model folder except ``damaged`` (relative), which is cut short."""
    model = default_model_dir()
    for path in model.rglob("*"):
        target = folder / path.relative_to(model)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif str(path.relative_to(model)) == damaged:
            target.write_bytes(path.read_bytes()[:100_000])
        else:
            target.symlink_to(path)


def test_a_missing_model_stops_the_start_with_what_to_do(tmp_path):
    result = start(tmp_path, tmp_path / "no-model")
    assert result.returncode == 2
    assert "make install" in result.stderr and "Traceback" not in result.stderr


def test_a_corrupt_model_stops_the_start_with_what_to_do(tmp_path):
    (tmp_path / "model").mkdir()
    copy_of_the_model(tmp_path / "model", "model.safetensors")
    for item in (tmp_path / "model" / ONNX_DIR).iterdir():  # no ONNX export: the torch fallback reads the weights
        item.unlink()
    result = start(tmp_path, tmp_path / "model")
    assert result.returncode == 2
    assert "cannot be loaded" in result.stderr and "make install" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", [FILES["fp32"], weights_file(default_model_dir() / ONNX_DIR / FILES["fp32"]).name])
def test_a_truncated_onnx_file_makes_the_export_stale(tmp_path, name):
    copy_of_the_model(tmp_path, f"{ONNX_DIR}/{name}")
    assert export_is_current(default_model_dir()) and not export_is_current(tmp_path)


def test_the_service_reads_the_model_setting_as_the_indexer_does(monkeypatch):
    from api.settings import Settings
    from indexer.settings import IndexerSettings, model_dir

    monkeypatch.setenv("KB_MODEL", "adapted")
    monkeypatch.setenv("KB_MODEL_DIR", "")  # an empty variable counts as unset
    assert Settings().model_dir == default_model_dir() == model_dir("adapted")
    assert IndexerSettings(model="base").model_dir == model_dir("base")  # what the converter writes
    monkeypatch.setenv("KB_MODEL_DIR", "/elsewhere")
    assert str(Settings().model_dir) == str(IndexerSettings(model="base").model_dir) == "/elsewhere"
    monkeypatch.setenv("KB_MODEL", "large")
    with pytest.raises(ValueError, match="'base' or 'adapted'"):
        Settings()
