"""The converted model exported to ONNX and run by onnxruntime: same vectors as PyTorch, faster.

``python -m indexer export-onnx`` (run by ``make install``, see :mod:`indexer.encoders.onnx_export`)
writes ``onnx/model.onnx`` and ``onnx/model_int8.onnx`` into the model folder.
"""

from __future__ import annotations

import ctypes
import json
from pathlib import Path

import numpy as np

from indexer.encoders.base import FolderEncoder, ModelMissingError, model_fingerprint

ONNX_DIR = "onnx"
EXPORT_STAMP = "export.json"
FILES = {"fp32": "model.onnx", "int8": "model_int8.onnx"}
# the weights live beside each graph, mapped into memory by onnxruntime (see onnx_export)
LAYOUT = "external-data"
# A run over more padded tokens than this hands its working memory back when it ends (a 32 x 512-token
# batch grew the process by 2 GB for good); smaller runs keep it for the next one.
SHRINK_ABOVE_TOKENS = 2048


class OnnxExportMissingError(ModelMissingError):
    """The converted model is there but its ONNX export is not (or is stale), or the folder is not
    our converted model (its pooling is inside our export; a folder an operator brings runs on torch)."""


class OnnxEncoder(FolderEncoder):
    """The model run by onnxruntime on the CPU, with the fast tokenizer of the model folder.

    Args:
        model_dir: our converted model folder, with its ``onnx/`` export.
        precision: ``fp32`` (same vectors as PyTorch) or ``int8`` (quantised weights).
        threads: onnxruntime intra-op threads; None lets onnxruntime choose.
    """

    name = "onnx"

    def __init__(self, model_dir: Path, precision: str = "fp32", threads: int | None = None):
        super().__init__(model_dir)
        import onnxruntime

        if precision not in FILES:
            raise ValueError(f"unknown ONNX precision '{precision}'; use one of {', '.join(FILES)}")
        if not self.converted:
            raise OnnxExportMissingError(f"{self.model_dir} is not a model converted by `make install`: the ONNX "
                                         "runtimes run only our own export (set KB_ENCODER=torch for this folder)")
        self.dim = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))["hidden_size"]
        path = self.model_dir / ONNX_DIR / FILES[precision]
        if not export_is_current(self.model_dir):
            raise OnnxExportMissingError(f"no current ONNX export at {path}: run `make install` "
                                    "(or `python -m indexer export-onnx`)")
        self.precision = precision
        self.name = "onnx" if precision == "fp32" else f"onnx-{precision}"
        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = 1
        if threads:
            options.intra_op_num_threads = threads
        # the arena grows by what a run asks for, and a large run gives it back afterwards (below)
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=[("CPUExecutionProvider", {"arena_extend_strategy": "kSameAsRequested"})])
        self._shrinking = onnxruntime.RunOptions()
        self._shrinking.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self.tokenizer.enable_padding(pad_id=self.tokenizer.token_to_id("<pad>"), pad_token="<pad>")  # noqa: S106 (a tokenizer token, not a password)

    def _encode(self, texts: list[str], prompt_name: str, batch_size: int) -> np.ndarray:
        prompt = self.prompts[prompt_name]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chosen = order[start:start + batch_size]
            encodings = self.tokenizer.encode_batch([prompt + texts[i] for i in chosen])
            feed = {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                    "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64)}
            large = feed["input_ids"].size > SHRINK_ABOVE_TOKENS
            vectors[chosen] = self.session.run(None, feed, self._shrinking if large else None)[0]
            if large:
                release_freed_memory()
        return vectors


def release_freed_memory() -> None:
    """Have the C allocator return freed memory to the operating system (glibc's ``malloc_trim``;
    nothing elsewhere), so the process's size comes back down after a large batch."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except AttributeError:
        pass


def export_is_current(model_dir: Path) -> bool:
    """True when the ONNX files exist, have the sizes they were written with (a truncated file is
    stale) and were exported from the model's current weights."""
    stamp = Path(model_dir) / ONNX_DIR / EXPORT_STAMP
    if not stamp.is_file():
        return False
    try:
        written = json.loads(stamp.read_text(encoding="utf-8"))
    except ValueError:
        return False
    return (written.get("weights") == model_fingerprint(model_dir) and written.get("layout") == LAYOUT
            and written.get("sizes") == _sizes(stamp.parent))


def write_export_stamp(model_dir: Path) -> None:
    """Mark the ONNX files as exported from the current weights, with their sizes."""
    folder = Path(model_dir) / ONNX_DIR
    (folder / EXPORT_STAMP).write_text(json.dumps(
        {"weights": model_fingerprint(model_dir), "layout": LAYOUT, "sizes": _sizes(folder)}), encoding="utf-8")


def _sizes(folder: Path) -> dict[str, int | None]:
    """Byte size of each graph and weights file (None when missing)."""
    paths = [folder / name for name in FILES.values()]
    return {path.name: path.stat().st_size if path.is_file() else None
            for path in [*paths, *(weights_file(path) for path in paths)]}


def weights_file(graph: Path) -> Path:
    """The external data file holding a graph's weights."""
    return graph.with_name(graph.name + ".data")
