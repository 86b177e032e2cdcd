"""The sentence-transformers encoder on PyTorch: the reference, the fallback, and the runtime of any
model folder an operator brings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from indexer.encoders.base import FolderEncoder, transformer_dir


class TorchEncoder(FolderEncoder):
    """A model folder run by sentence-transformers on PyTorch (CPU): its modules (pooling, dense,
    normalize) as ``modules.json`` lists them, with the prompts of its own configuration.

    Args:
        model_dir: a sentence-transformers model folder (ours, or one an operator brings).
        threads: torch intra-op threads; None keeps torch's default.
    """

    name = "torch"

    def __init__(self, model_dir: Path, threads: int | None = None):
        super().__init__(model_dir)
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self.model = SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True,
                                         model_kwargs=init_arguments(self.model_dir))
        self.dim = self.model.get_embedding_dimension()

    def _encode(self, texts: list[str], prompt_name: str, batch_size: int) -> np.ndarray:
        # encode_query / encode_document also tell a model with task-routed modules which texts these are
        encode = self.model.encode_query if prompt_name == "query" else self.model.encode_document
        vectors = encode(
            texts, prompt=self.prompts[prompt_name], batch_size=batch_size,
            normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


def init_arguments(model_dir: Path) -> dict:
    """What the transformer's constructor must be told beyond its ``config.json``: a config that records
    ``add_pooling_layer: false`` (ours: the converted weights have no pooler, which sentence-transformers
    never uses) is honoured, so transformers does not make up a random pooler and warn about it."""
    config = json.loads((transformer_dir(model_dir) / "config.json").read_text(encoding="utf-8"))
    return {"add_pooling_layer": False} if config.get("add_pooling_layer") is False else {}
