"""Encoders of the model folder, one per runtime, chosen by name.

* ``onnx`` (default): our converted model exported to ONNX, run by onnxruntime — the same
  vectors as PyTorch at about half the latency;
* ``onnx-int8``: the ONNX model with int8 weights — faster, vectors at cosine ≈ 0.99;
* ``torch``: sentence-transformers on PyTorch — the reference, the fallback when the ONNX
  export is missing, and the runtime of any sentence-transformers folder an operator brings
  (``KB_MODEL_DIR``; README, "Bring your own model").

With a second encoder (``use-m``, :mod:`indexer.encoders.use`; the default) the factory returns
the two as one :class:`~indexer.encoders.pair.EncoderPair`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from indexer.encoders.base import Encoder, ModelMissingError, model_fingerprint

ENCODERS = ("onnx", "onnx-int8", "torch")
DEFAULT_ENCODER = "onnx"

log = logging.getLogger(__name__)


def create_encoder(name: str = DEFAULT_ENCODER, model_dir: Path | None = None, threads: int | None = None,
                   second: str | None = None, second_model_dir: Path | None = None) -> Encoder:
    """The encoder called ``name`` over the converted model, paired with the second encoder.

    Args:
        name: one of :data:`ENCODERS`.
        model_dir: the model folder: ours (default: ``build/models/multilingual-e5-small``) or any
            sentence-transformers folder.
        threads: intra-op threads for the runtime; None keeps its default.
        second: ``use-m`` or ``none`` (None: ``$KB_SECOND_ENCODER``, default ``use-m``).
        second_model_dir: the second encoder's folder (None: ``$KB_SECOND_MODEL_DIR`` or the installed one).

    Returns:
        The encoder, or the pair of it and the second; the torch one, with a warning, when an ONNX export
        is asked for but missing (or the folder is not our converted model, whose export alone onnx runs).

    Raises:
        ModelMissingError: a model itself is missing.
        ValueError: an unknown name.
    """
    from indexer.settings import IndexerSettings

    settings = IndexerSettings()
    first = _first_encoder(name, Path(model_dir) if model_dir else settings.model_dir, threads)
    second = second or settings.second_encoder
    if second == "none":
        return first
    if second != "use-m":
        raise ValueError(f"unknown second encoder '{second}'; use use-m or none")
    from indexer.encoders.pair import EncoderPair
    from indexer.encoders.use import UniversalSentenceEncoder

    return EncoderPair(first, UniversalSentenceEncoder(second_model_dir or settings.second_model_dir, threads))


def _first_encoder(name: str, model_dir: Path, threads: int | None) -> Encoder:
    if name not in ENCODERS:
        raise ValueError(f"unknown encoder '{name}'; use one of {', '.join(ENCODERS)}")
    if name.startswith("onnx"):
        from indexer.encoders.onnx import OnnxEncoder, OnnxExportMissingError

        try:
            return OnnxEncoder(model_dir, "int8" if name == "onnx-int8" else "fp32", threads)
        except (OnnxExportMissingError, ImportError) as error:
            log.warning("encoder %s unavailable (%s); falling back to torch", name, error)
    from indexer.encoders.torch import TorchEncoder

    return TorchEncoder(model_dir, threads)


__all__ = ["ENCODERS", "DEFAULT_ENCODER", "Encoder", "ModelMissingError", "create_encoder", "model_fingerprint"]
