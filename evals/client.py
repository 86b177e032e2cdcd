"""The answer pipeline in process for the evaluations: a throwaway copy of the demo tenant, the real model
and index, no HTTP."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from api import pipeline
from kb.filters import ArticleFilter
from kb.models import Visibility

# what a key with the answer scope is answered from: published and internal articles
ANSWER_SCOPE = frozenset({Visibility.PUBLISHED, Visibility.INTERNAL})


@contextmanager
def answerer() -> Iterator[Callable[[pipeline.Message], pipeline.Answer]]:
    """Answer messages as ``POST /v1/answer`` does for a key with the answer scope, over a fresh copy of
    the demo tenant.

    Yields:
        A function from a message to its answer; it raises what the pipeline raises (an empty or
        unsupported message, say).
    """
    from api.services import load_answer_service
    from api.settings import Settings

    with tempfile.TemporaryDirectory() as folder, asyncio.Runner() as runner:
        settings = Settings(index_dir=Path(folder) / "index", store_path=Path(folder) / "store.sqlite3",
                            log_level="WARNING")
        services = load_answer_service(settings)
        try:
            tenant_kb = services.default

            def answer(message: pipeline.Message) -> pipeline.Answer:
                allowed = ArticleFilter(ANSWER_SCOPE, datetime.now(UTC).replace(second=0, microsecond=0))
                reading = pipeline.read(message, services.embedder.cost)
                return runner.run(pipeline.answer(services, tenant_kb, message, allowed, reading))

            yield answer
        finally:
            services.close()
