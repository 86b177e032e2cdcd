"""Two encoders as one: e5 and the second encoder (USE-m), each text embedded by both.

A vector of the pair is the two models' unit vectors side by side (``first.dim + second.dim``
numbers): the query path, its cache and its batches handle it as one vector, and the index keeps
the two parts as two vector fields of each entry (:mod:`indexer.backends`), which
:mod:`indexer.fusion` weighs per language pair.
"""

from __future__ import annotations

import numpy as np

from indexer.encoders.base import Encoder


class EncoderPair(Encoder):
    """``first`` (the primary model: token counts, the gaps' and situations' vectors) and ``second``.

    Args:
        first: the primary encoder.
        second: the second encoder.
    """

    def __init__(self, first: Encoder, second: Encoder):
        self.first = first
        self.second = second
        self.name = f"{first.name}+{second.name}"
        self.precision = first.precision
        self.dim = first.dim + second.dim
        self.model_dir = first.model_dir

    @property
    def primary(self) -> Encoder:
        return self.first

    @property
    def dims(self) -> tuple[int, ...]:
        return (self.first.dim, self.second.dim)

    @property
    def vectors_fingerprint(self) -> str:
        return f"{self.first.vectors_fingerprint}+{self.second.vectors_fingerprint}"

    @property
    def field_fingerprints(self) -> tuple[str, ...]:
        return (self.first.vectors_fingerprint, self.second.vectors_fingerprint)

    @property
    def max_tokens(self) -> int:
        return self.first.max_tokens

    def count_tokens(self, text: str) -> int:
        return self.first.count_tokens(text)

    def _encode(self, texts: list[str], prompt_name: str, batch_size: int) -> np.ndarray:
        return np.hstack([self.first._encode(texts, prompt_name, batch_size),
                          self.second._encode(texts, prompt_name, batch_size)])
