"""Locations the indexer uses, overridable from the environment."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# The models `make install` writes: the converted one, and the same with the committed adapter applied
# (python -m training.adapt; README, "The adapted model").
MODEL_FOLDERS = {"base": "multilingual-e5-small", "adapted": "multilingual-e5-small-adapted"}
DEFAULT_MODEL = "base"


def model_dir(name: str) -> Path:
    """The folder of the model called ``name`` (``base`` or ``adapted``) under ``build/models``.

    Raises:
        ValueError: an unknown name.
    """
    if name not in MODEL_FOLDERS:
        raise ValueError(f"unknown model '{name}'; use one of {', '.join(MODEL_FOLDERS)}")
    return PROJECT_ROOT / "build" / "models" / MODEL_FOLDERS[name]


def default_model_name() -> str:
    """The model chosen by ``$KB_MODEL`` (``base`` or ``adapted``; default ``base``)."""
    return os.environ.get("KB_MODEL", DEFAULT_MODEL)


def default_model_dir() -> Path:
    """The model folder: ``$KB_MODEL_DIR``, else the folder of ``$KB_MODEL`` (default: the converted model)."""
    if os.environ.get("KB_MODEL_DIR"):
        return Path(os.environ["KB_MODEL_DIR"])
    return model_dir(default_model_name())
