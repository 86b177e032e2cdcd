"""The application factory: ``uvicorn --factory api.main:create_app``."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.routers import analytics, answers, articles, feedback, health, keys, search, templates
from api.services import Services, load_services
from api.settings import Settings


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the API.

    Args:
        settings: configuration; read from the environment when None.
        services: already-loaded services (tests share one set); loaded at start when None.

    Returns:
        The FastAPI application.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.services = services or load_services(settings)
        yield
        if services is None:
            for space in app.state.services.spaces.values():
                await space.retriever.close()
            app.state.services.answer_log.close()
            app.state.services.store.close()
        app.state.services = None

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = FastAPI(
        title="Multilingual knowledge-base answer API",
        version="0.1.0",
        description="Finds the right knowledge-base article for a customer's question in Japanese, Chinese, "
                    "Lithuanian or English and returns an answer shaped for the channel.",
        lifespan=lifespan,
    )
    app.state.services = None
    install_error_handlers(app)
    for router in (answers.router, search.router, articles.router, templates.router, feedback.router,
                   analytics.router, keys.router, health.router):
        app.include_router(router)
    return app
