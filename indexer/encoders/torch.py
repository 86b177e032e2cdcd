"""The sentence-transformers encoder on PyTorch: the reference, and the fallback."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.encoders.base import FolderEncoder


class TorchEncoder(FolderEncoder):
    """The converted model run by sentence-transformers on PyTorch (CPU).

    Args:
        model_dir: a folder written by ``python -m indexer.convert``.
        threads: torch intra-op threads; None keeps torch's default.
    """

    name = "torch"

    def __init__(self, model_dir: Path, threads: int | None = None):
        super().__init__(model_dir)
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self.model = SentenceTransformer(
            str(self.model_dir), device="cpu", local_files_only=True,
            model_kwargs={"add_pooling_layer": False},
        )

    def _encode(self, texts: list[str], prompt_name: str, batch_size: int) -> np.ndarray:
        vectors = self.model.encode(
            texts, prompt_name=prompt_name, batch_size=batch_size,
            normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)
