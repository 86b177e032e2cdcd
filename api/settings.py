"""Service configuration, read from ``KB_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from indexer.confidence import DEFAULT_ANSWER_THRESHOLD
from indexer.encoders import DEFAULT_ENCODER
from indexer.settings import DEMO_KB, DEMO_TENANT, INDEX_ROOT, PROJECT_ROOT, IndexerSettings
from kb.reading import MAX_MESSAGE_CHARS
from kb.stores import TENANT_NAME


class Settings(IndexerSettings):
    """Every setting has a working default for the bundled demo knowledge base; the model's
    (``KB_MODEL``, ``KB_MODEL_DIR``) are the indexer's (:class:`indexer.settings.IndexerSettings`)."""

    model_config = SettingsConfigDict(env_prefix="KB_")

    kb_dir: Path = Field(DEMO_KB,
                         description="knowledge-base directory the default tenant is created from on first start")
    tenant: str = Field(DEMO_TENANT, pattern=TENANT_NAME, description="the default tenant")
    store: Literal["sqlite", "postgres"] = Field("sqlite", description="the store backend (the source of truth)")
    store_path: Path = Field(PROJECT_ROOT / "build" / "store.sqlite3", description="the SQLite store file")
    store_dsn: str | None = Field(None, description="PostgreSQL connection string when store is postgres")
    store_read_dsn: str | None = Field(None, description="a streaming read replica of that database: vector "
                                                         "searches go there (pgvector; writes always go to "
                                                         "store_dsn)")
    index_dir: Path = Field(INDEX_ROOT,
                            description="index root: one folder per tenant, derived from the store (faiss)")
    vector_backend: Literal["faiss", "pgvector"] = Field(
        "faiss", description="faiss: vectors in this process, saved under index_dir; pgvector: in the PostgreSQL "
                             "store's database, shared by every replica (needs store=postgres)")
    follow_interval_s: float = Field(0.2, gt=0, le=10, description="how often each tenant's index takes in "
                                                                   "article writes made by other replicas")
    encoder: Literal["onnx", "onnx-int8", "torch"] = Field(
        DEFAULT_ENCODER, description="model runtime: onnx (default), onnx-int8 or torch")
    encoder_threads: int = Field(2, ge=1, description="intra-op threads of the encoder (the machine's cores)")
    batch_max: int = Field(32, ge=1, description="most queries embedded together in one micro-batch")
    batch_wait_ms: float = Field(0.0, ge=0, le=50, description="how long a micro-batch waits for more queries")
    cache_size: int = Field(4096, ge=0, description="entries of the query-embedding and retrieval LRU caches")
    short_query_tokens: int = Field(64, ge=1, le=512, description="questions the model reads in at most this many "
                                                                    "tokens are embedded in the short lane, apart "
                                                                    "from longer texts (emails, tickets)")
    long_batch_tokens: int = Field(4096, ge=512, description="most padded tokens embedded in one long-lane batch "
                                                             "(bounds the model's working memory)")
    queue_tokens: int = Field(16384, ge=512, description="tokens of work each lane admits at once (queued and "
                                                         "running); past it requests get 503 with Retry-After")
    checkpoint_interval_s: float = Field(2.0, gt=0, description="how long after a write the tenant's saved index is "
                                                                "checkpointed (writes meanwhile share the save)")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="INFO logs one line per request (id, method, path, status, time; never query text)")
    max_body_bytes: int = Field(8_000_000, ge=1000, description="largest request body; larger ones get 413")
    max_query_chars: int = Field(1000, ge=1, description="longest accepted search query (/v1/search)")
    max_message_chars: int = Field(MAX_MESSAGE_CHARS, ge=1, le=MAX_MESSAGE_CHARS,
                                   description="longest message /v1/answer reads (quoted thread included)")
    rate_limit_per_minute: int = Field(3000, ge=0, description="requests per minute per API key unless the key "
                                                                "has its own limit; 0: unlimited")
    query_retention_days: int = Field(30, ge=0, le=36500, description="days the answer log keeps query text (0: none)")
    answer_threshold: float = Field(DEFAULT_ANSWER_THRESHOLD, ge=0, le=1,
                                    description="confidence below which answered=false")
    demo_keys_file: Path = Field(PROJECT_ROOT / "build" / "demo-keys.json",
                                 description="the demo tenant's keys (python -m api.admin demo-keys); the /demo "
                                             "page embeds its search key")
    max_keys_per_tenant: int = Field(100, ge=1, description="most live (not revoked) API keys a tenant may hold")
    max_unlimited_keys_per_tenant: int = Field(5, ge=0, description="most of those without a rate limit "
                                                                     "(rate_per_minute 0)")
    failed_auth_per_minute: int = Field(20, ge=1, description="invalid API keys one client address may send per "
                                                              "minute; more get 429 (valid keys are not held up)")
    access_cache_s: float = Field(5.0, ge=0, le=3600, description="how long an API key or a tenant's allowed origins "
                                                                   "read from the store are trusted: a key revoked or "
                                                                   "origins changed through another replica (or the "
                                                                   "admin CLI) take effect here within it, through "
                                                                   "this one at once; 0: read the store every request")

    secrets_key: SecretStr | None = Field(None, description="the key support mailboxes' passwords are encrypted "
                                                              "with (kb-answers secrets-key; several, comma-"
                                                              "separated, rotate it: the first encrypts); without "
                                                              "it /v1/mailboxes answers 503")

    connector_poll_s: float = Field(30.0, gt=0, le=3600, description="how often help desks that send no webhooks "
                                                                     "(Request Tracker) are read for new tickets")

    @model_validator(mode="after")
    def postgres_needs_a_dsn(self) -> Settings:
        if self.store == "postgres" and not self.store_dsn:
            raise ValueError("KB_STORE=postgres needs KB_STORE_DSN, e.g. postgresql://kb@127.0.0.1:5432/kb")
        if self.vector_backend == "pgvector" and self.store != "postgres":
            raise ValueError("KB_VECTOR_BACKEND=pgvector keeps the vectors in the PostgreSQL store: "
                             "set KB_STORE=postgres and KB_STORE_DSN too")
        return self

    @property
    def store_location(self) -> str | Path:
        """Where the store is: the SQLite file, or the PostgreSQL connection string."""
        return self.store_dsn if self.store == "postgres" else self.store_path
