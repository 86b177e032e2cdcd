"""Locations the indexer uses, overridable from the environment."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def default_model_dir() -> Path:
    """The converted model folder: ``$KB_MODEL_DIR`` or ``build/models/multilingual-e5-small``."""
    return Path(os.environ.get("KB_MODEL_DIR", PROJECT_ROOT / "build" / "models" / "multilingual-e5-small"))
