"""Service configuration, read from ``KB_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from indexer.confidence import DEFAULT_ANSWER_THRESHOLD
from indexer.encoders import DEFAULT_ENCODER
from indexer.settings import PROJECT_ROOT, default_model_dir


class Settings(BaseSettings):
    """Every setting has a working default for the bundled demo knowledge base."""

    model_config = SettingsConfigDict(env_prefix="KB_")

    kb_dir: Path = Field(PROJECT_ROOT / "kb" / "demo", description="knowledge-base directory")
    index_dir: Path = Field(PROJECT_ROOT / "build" / "index", description="index directory (built if missing)")
    model_dir: Path = Field(default_factory=default_model_dir, description="converted model folder")
    encoder: Literal["onnx", "onnx-int8", "torch"] = Field(
        DEFAULT_ENCODER, description="model runtime: onnx (default), onnx-int8 or torch")
    encoder_threads: int = Field(2, ge=1, description="intra-op threads of the encoder (the machine's cores)")
    batch_max: int = Field(32, ge=1, description="most queries embedded together in one micro-batch")
    batch_wait_ms: float = Field(0.0, ge=0, le=50, description="how long a micro-batch waits for more queries")
    cache_size: int = Field(4096, ge=0, description="entries of the query-embedding and retrieval LRU caches")
    max_query_chars: int = Field(1000, ge=1, description="longest accepted query")
    answer_threshold: float = Field(DEFAULT_ANSWER_THRESHOLD, ge=0, le=1,
                                    description="confidence below which answered=false")
