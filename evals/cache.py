"""An on-disk cache of embeddings keyed by model, prompt and text, so benchmark reruns are fast."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from indexer.encoders import Encoder


class EmbeddingCache:
    """Vectors of texts already embedded with this model and prompt.

    Args:
        folder: where cache files live (one pair per model and prompt).
        encoder: the model.
    """

    def __init__(self, folder: Path, encoder: Encoder):
        self.encoder = encoder
        self.folder = Path(folder) / encoder.vectors_fingerprint[:16] / encoder.precision
        self.folder.mkdir(parents=True, exist_ok=True)
        self.dim = encoder.dim
        self.tables: dict[str, tuple[dict[str, int], list[np.ndarray]]] = {}

    def encode_queries(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """As :meth:`Encoder.encode_queries`, through the cache."""
        return self.encode(texts, "query", batch_size)

    def encode_passages(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """As :meth:`Encoder.encode_passages`, through the cache."""
        return self.encode(texts, "passage", batch_size)

    def encode(self, texts: list[str], prompt: str, batch_size: int = 64) -> np.ndarray:
        """Vectors for ``texts`` with the ``query`` or ``passage`` prompt, embedding only unseen texts."""
        keys, rows = self._table(prompt)
        hashes = [hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest() for text in texts]
        missing = {h: t for h, t in zip(hashes, texts) if h not in keys}
        if missing:
            encode = self.encoder.encode_queries if prompt == "query" else self.encoder.encode_passages
            order = sorted(missing, key=lambda h: len(missing[h]))  # similar lengths batch better
            vectors = encode([missing[h] for h in order], batch_size=max(batch_size, 64))
            for h, vector in zip(order, vectors):
                keys[h] = len(rows)
                rows.append(vector)
            self._save(prompt)
        return np.stack([rows[keys[h]] for h in hashes]) if hashes else np.zeros((0, self.encoder.dim), np.float32)

    def _table(self, prompt: str):
        if prompt not in self.tables:
            keys_file, vectors_file = self._files(prompt)
            if keys_file.is_file() and vectors_file.is_file():
                keys = json.loads(keys_file.read_text())
                rows = list(np.load(vectors_file))
                if len(rows) != len(keys):
                    keys, rows = {}, []
            else:
                keys, rows = {}, []
            self.tables[prompt] = (keys, rows)
        return self.tables[prompt]

    def _save(self, prompt: str) -> None:
        keys, rows = self.tables[prompt]
        keys_file, vectors_file = self._files(prompt)
        np.save(vectors_file, np.stack(rows).astype(np.float32))
        keys_file.write_text(json.dumps(keys))

    def _files(self, prompt: str) -> tuple[Path, Path]:
        return self.folder / f"{prompt}.keys.json", self.folder / f"{prompt}.npy"
