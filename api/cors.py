"""CORS per tenant: a web page may call the API with a tenant's key only from the origins that tenant allows.

Closed by default: a tenant without allowed origins gets no CORS headers, so browsers refuse
cross-origin responses to its keys (same-origin pages and servers are not affected).

* A preflight (``OPTIONS`` with ``Access-Control-Request-Method``) carries no key, so it cannot know
  the tenant: it is answered for an origin that *some* tenant allows, and refused (403, no CORS
  headers) otherwise.
* The real response gets ``Access-Control-Allow-Origin`` only when the tenant of the request's key
  allows the origin (:func:`remember_tenant` records the tenant once the key is known), so a page
  allowed by one tenant cannot read answers given to another tenant's key.

The origins are read off the event loop and remembered for ``KB_ACCESS_CACHE_S`` (:class:`AllowedOrigins`).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from starlette.requests import Request

from api.cache import StoreReads
from kb.stores import Store

TENANT_STATE = "cors_tenant"
ALLOWED_METHODS = b"GET, POST, PUT, PATCH, DELETE"
ALLOWED_HEADERS = b"Authorization, Content-Type, Accept-Language, If-Match, If-None-Match, X-Request-ID"
EXPOSED_HEADERS = b"ETag, Retry-After, X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
PREFLIGHT_MAX_AGE = b"600"
HOST = re.compile(r"^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$")


def normalise_origin(text: str) -> str:
    """An origin as browsers send it: ``scheme://host[:port]``, lowercase, no path or trailing slash.

    Raises:
        ValueError: not an http(s) origin.
    """
    parts = urlsplit(text.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not HOST.match(host) or port == -1 \
            or parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"'{text}' is not an origin: write scheme://host[:port], e.g. https://help.example.com")
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default_port) else "")


class AllowedOrigins:
    """The origins tenants allow, as CORS asks for them on every cross-origin request: read from the
    store in a worker thread and remembered for ``ttl_s``; a change made through this process
    (:meth:`replace`) shows at once, one made elsewhere within ``ttl_s``.

    Args:
        store: where the origins are kept.
        ttl_s: how long an answer read from the store is trusted (0: read it every time).
    """

    def __init__(self, store: Store, ttl_s: float):
        self.store = store
        self._of_tenant = StoreReads(store.origins.of, ttl_s)
        self._anywhere = StoreReads(store.origins.allowed, ttl_s)

    async def of_tenant(self, tenant: str) -> list[str]:
        """The origins ``tenant`` allows."""
        return await self._of_tenant.get(tenant)

    async def allowed_anywhere(self, origin: str) -> bool:
        """Whether some tenant allows ``origin`` (what a preflight, which carries no key, can check)."""
        return await self._anywhere.get(origin)

    def replace(self, tenant: str, origins: list[str]) -> None:
        """Store the origins ``tenant`` allows, in effect for this process's next request."""
        self.store.origins.replace(tenant, origins)
        self._of_tenant.invalidate()
        self._anywhere.invalidate()


def remember_tenant(request: Request, tenant: str) -> None:
    """Record the tenant of the request's key, for the CORS headers of its response."""
    setattr(request.state, TENANT_STATE, tenant)


class TenantCors:
    """ASGI middleware answering preflights and adding CORS headers for the key's tenant's origins.

    Args:
        app: the ASGI application (its ``state.services.origins`` knows the allowed origins).
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        origin = headers.get(b"origin", b"").decode("latin-1")
        if not origin:
            return await self.app(scope, receive, send)
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            return await self._preflight(scope, origin, send)
        state = scope.setdefault("state", {})

        async def send_with_cors(message):
            if message["type"] == "http.response.start":
                extra = [(b"vary", b"Origin")]
                tenant = state.get(TENANT_STATE)
                if tenant is not None and origin in await self._origins(scope).of_tenant(tenant):
                    extra += [(b"access-control-allow-origin", origin.encode("latin-1")),
                              (b"access-control-expose-headers", EXPOSED_HEADERS)]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, scope, origin: str, send) -> None:
        origins = self._origins(scope)
        if origins is not None and await origins.allowed_anywhere(origin):
            status, body = 204, b""
            headers = [(b"access-control-allow-origin", origin.encode("latin-1")),
                       (b"access-control-allow-methods", ALLOWED_METHODS),
                       (b"access-control-allow-headers", ALLOWED_HEADERS),
                       (b"access-control-max-age", PREFLIGHT_MAX_AGE), (b"vary", b"Origin")]
        else:
            status = 403
            body = json.dumps({"detail": "this origin is not allowed to call the API: add it to the tenant's "
                                         "allowed origins (python -m api.admin tenant origins)"}).encode()
            headers = [(b"content-type", b"application/json"), (b"vary", b"Origin")]
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _origins(scope) -> AllowedOrigins | None:
        services = getattr(scope["app"].state, "services", None)
        return services.origins if services is not None else None
