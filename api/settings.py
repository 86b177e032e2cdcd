"""Service configuration, read from ``KB_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from indexer.confidence import DEFAULT_ANSWER_THRESHOLD
from indexer.settings import PROJECT_ROOT, default_model_dir


class Settings(BaseSettings):
    """Every setting has a working default for the bundled demo knowledge base."""

    model_config = SettingsConfigDict(env_prefix="KB_")

    kb_dir: Path = Field(PROJECT_ROOT / "kb" / "demo", description="knowledge-base directory")
    index_dir: Path = Field(PROJECT_ROOT / "build" / "index", description="index directory (built if missing)")
    model_dir: Path = Field(default_factory=default_model_dir, description="converted model folder")
    torch_threads: int = Field(2, ge=1, description="threads for the encoder")
    max_query_chars: int = Field(1000, ge=1, description="longest accepted query")
    answer_threshold: float = Field(DEFAULT_ANSWER_THRESHOLD, ge=0, le=1,
                                    description="confidence below which answered=false")
