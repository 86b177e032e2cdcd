"""The application factory: ``uvicorn --factory api.main:create_app``."""

from __future__ import annotations

import asyncio
import sys
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.connectors.processor import JobProcessor
from api.connectors.rt_poller import RtPoller
from api.cors import TenantCors
from api.errors import install_error_handlers
from api.logs import configure_logging
from api.middleware import BodyLimit, RequestLog
from api.routers import (
    analytics,
    answers,
    articles,
    connectors,
    console,
    feedback,
    health,
    keys,
    links,
    mailboxes,
    origins,
    relevance,
    search,
    suggest,
    templates,
    widget,
)
from api.secrets import PasswordBox, SecretsKeyError
from api.services import AnswerService, load_answer_service, load_encoder
from api.settings import Settings
from indexer.encoders import ModelMissingError


def create_app(settings: Settings | None = None, services: AnswerService | None = None) -> FastAPI:
    """Build the API.

    Args:
        settings: configuration; read from the environment when None.
        services: already-loaded services (tests share one set); loaded at start when None.

    Returns:
        The FastAPI application.
    """
    settings = settings or Settings()
    encoder = None if services else _model_or_exit(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.services = services or load_answer_service(settings, encoder)
        stop = asyncio.Event()
        background = _start_connectors(app, settings, stop)
        yield
        stop.set()
        await asyncio.gather(*background)
        if services is None:
            for tenant_kb in app.state.services.open_tenants.values():
                await tenant_kb.retriever.close()
            await app.state.services.embedder.close()
            app.state.services.close()
        app.state.services = None

    configure_logging(settings.log_level)
    app = FastAPI(
        title="Multilingual knowledge-base answer API",
        version="0.1.0",
        description="Finds the right knowledge-base article for a customer's question in Japanese, Chinese, "
                    "Lithuanian or English and returns an answer shaped for the channel.",
        lifespan=lifespan,
    )
    app.state.services = None
    install_error_handlers(app)
    # the middleware added last runs first: RequestLog wraps BodyLimit, so a 413 gets an id and a log line;
    # TenantCors answers preflights and adds CORS headers for the origins the key's tenant allows
    app.add_middleware(TenantCors)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestLog)
    for router in (answers.router, search.router, articles.router, templates.router, feedback.router,
                   analytics.router, keys.router, origins.router, links.router, mailboxes.router, suggest.router,
                   connectors.router, relevance.router,
                   health.router, widget.router, console.router):
        app.include_router(router)
    return app


def _start_connectors(app: FastAPI, settings: Settings, stop: asyncio.Event) -> list[asyncio.Task]:
    """Start answering the help-desk connectors' queued deliveries, and polling Request Tracker for new tickets, in
    this process (every replica does; the store keeps each job to one); not without ``KB_SECRETS_KEY``, whose
    secrets they need."""
    app.state.connector_processor = None
    try:
        box = PasswordBox(settings.secrets_key.get_secret_value() if settings.secrets_key else None)
    except SecretsKeyError:
        return []
    processor = app.state.connector_processor = JobProcessor(app.state.services, box)
    poller = RtPoller(app.state.services.store, box, processor.wake.set, settings.connector_poll_s)
    return [asyncio.create_task(processor.run(stop), name="connector jobs"),
            asyncio.create_task(poller.run(stop), name="request tracker poller")]


def _model_or_exit(settings: Settings):
    """The model, loaded before the server starts; without it the process stops with a message
    saying how to fix it, not a traceback."""
    try:
        return load_encoder(settings)
    except ModelMissingError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
