"""Error responses: every problem becomes a clear 4xx with a message saying what to fix."""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.embedding import Overloaded
from kb.language import UnsupportedLanguageError
from kb.reading import EmptyMessageError
from kb.stores import StoreUnavailableError
from kb.text import UnencodableTextError

log = logging.getLogger("kb_api")
STORE_RETRY_AFTER_S = 2
UNPARSABLE_BODY = "There was an error parsing the body"


class FieldError(HTTPException):
    """A 422 about one field, answered like a validation error: ``detail`` and ``errors``."""

    def __init__(self, field: str, message: str):
        super().__init__(status_code=422, detail=f"{field}: {message}")
        self.field = field
        self.message = message


def check_query_length(query: str, limit: int, what: str = "Shorten the question.") -> None:
    """422 when a query is longer than the configured maximum (``what``: how to fix it)."""
    if len(query) > limit:
        raise FieldError("query", f"{len(query)} characters long; the maximum is {limit}. {what}")


def install_error_handlers(app: FastAPI) -> None:
    """Validation errors as a readable message list (unexpected errors: :class:`api.middleware.RequestLog`)."""

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors():
            location = tuple(item.get("loc", ()))
            where = ".".join(str(part) for part in location[location[:1] == ("body",):]) or "request"
            message = item.get("msg", "invalid value").removeprefix("Value error, ")
            problems.append({"field": where, "message": message})
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return JSONResponse(status_code=422, content={"detail": summary, "errors": problems})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400 and error.detail == UNPARSABLE_BODY:  # FastAPI's words for any unreadable body
            return JSONResponse(status_code=400, content={
                "detail": "the request body could not be read as JSON: send UTF-8 JSON, nested at most a few "
                          "hundred levels, with Content-Type: application/json"})
        if isinstance(error, FieldError):
            return _field_error(error.field, error.message)
        return await http_exception_handler(request, error)

    @app.exception_handler(UnsupportedLanguageError)
    async def unsupported_language(request: Request, error: UnsupportedLanguageError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(error)})

    @app.exception_handler(EmptyMessageError)
    async def empty_message(request: Request, error: EmptyMessageError) -> JSONResponse:
        return _field_error("query", str(error))

    @app.exception_handler(UnencodableTextError)
    async def unencodable_text(request: Request, error: UnencodableTextError) -> JSONResponse:
        return _field_error(error.problem.field, str(error.problem))

    @app.exception_handler(Overloaded)
    async def overloaded(request: Request, error: Overloaded) -> JSONResponse:
        return JSONResponse(status_code=503, headers={"Retry-After": str(error.retry_after_s)},
                            content={"detail": str(error)})

    @app.exception_handler(StoreUnavailableError)
    async def store_unavailable(request: Request, error: StoreUnavailableError) -> JSONResponse:
        log.warning("store unavailable on %s %s: %s", request.method, request.url.path, error)
        return JSONResponse(status_code=503, headers={"Retry-After": str(STORE_RETRY_AFTER_S)},
                            content={"detail": "the knowledge-base store is unreachable right now; retry shortly"})


def _field_error(field: str, message: str) -> JSONResponse:
    """A 422 about one field, in the shape of a validation error."""
    return JSONResponse(status_code=422, content={"detail": f"{field}: {message}",
                                                  "errors": [{"field": field, "message": message}]})
