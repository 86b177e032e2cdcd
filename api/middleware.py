"""ASGI middleware: a request-size limit enforced before any parsing, and request logging by id.

* Bodies over ``max_bytes`` get 413 before the application reads them: at once when
  ``Content-Length`` says so, or as soon as a streamed (chunked) body goes past the limit.
* Every response carries ``X-Request-ID``; the log line of a request has the id, method, path,
  status and duration — never the query string, which holds customers' text.
* An unexpected error becomes a 500 answered here, with its request id, logged once with its
  traceback; the connection stays open for the caller's next request.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

log = logging.getLogger("kb_api.requests")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_ERROR_BODY = json.dumps({"detail": "internal error; it has been logged with this response's X-Request-ID"}).encode()
INTERNAL_ERROR_START = {"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(_ERROR_BODY)).encode())]}
INTERNAL_ERROR_BODY = {"type": "http.response.body", "body": _ERROR_BODY}


class BodyTooLarge(Exception):
    """A streamed body went past the limit."""


class BodyLimit:
    """413 for request bodies larger than ``max_bytes``.

    Args:
        app: the ASGI application.
        max_bytes: the largest body accepted.
    """

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await self._refuse(send)
        received = 0
        started = False

        async def counting_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send) -> None:
        body = json.dumps({"detail": f"request body too large: send at most {self.max_bytes} bytes "
                                     "(split a bulk import into several requests)"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class RequestLog:
    """Gives every request an id (the caller's ``X-Request-ID`` when it is sane) and logs one line."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
        started = time.perf_counter()
        status, started_response = 500, False

        async def send_with_id(message):
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status, started_response = message["status"], True
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("request %s %s %s failed", request_id, scope["method"], scope["path"])
            if started_response:
                raise  # too late for an error response: the server ends this one
            await send_with_id(INTERNAL_ERROR_START)
            await send_with_id(INTERNAL_ERROR_BODY)
        finally:
            log.info("request %s %s %s %d %.1f ms", request_id, scope["method"], scope["path"], status,
                     (time.perf_counter() - started) * 1000)
