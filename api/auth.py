"""API keys: ``Authorization: Bearer <key>``, the key's tenant and scopes, what each scope may see.

* ``search``: safe to embed in a public web page — search, help-page and contact-form answers,
  published articles only;
* ``answer``: every channel, internal articles included;
* ``admin``: knowledge-base writes, keys (and analytics).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, Response

from api.cors import remember_tenant
from api.deps import get_services
from api.services import Services
from kb.filters import ArticleFilter
from kb.models import Visibility
from kb.stores import ApiKey, Scope

BEARER = "Bearer "


@dataclass(frozen=True)
class Caller:
    """Who is calling: the key and its tenant."""

    key: ApiKey

    @property
    def tenant(self) -> str:
        return self.key.tenant

    def has(self, scope: Scope) -> bool:
        return scope in self.key.scopes

    def article_filter(self, category: str | None = None, product: str | None = None,
                       tags: frozenset[str] = frozenset()) -> ArticleFilter:
        """What this caller may be shown now: published articles (internal ones too with the
        ``answer`` scope), inside their validity window, narrowed by the request's filters."""
        visibilities = {Visibility.PUBLISHED} | ({Visibility.INTERNAL} if self.has(Scope.ANSWER) else set())
        # the minute, not the microsecond: filters are part of the result cache key
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        return ArticleFilter(frozenset(visibilities), now, category, product, tags)


async def authenticate(services: Annotated[Services, Depends(get_services)], request: Request, response: Response,
                       authorization: Annotated[str | None, Header(description="Bearer <API key>")] = None) -> Caller:
    """The caller of a request; 401 without a valid key, 429 over the key's rate limit.

    ``async`` on purpose: FastAPI runs plain ``def`` dependencies in a worker thread, a hop that cost
    more than the key lookup itself (an indexed SQLite read of a few microseconds)."""
    if not authorization or not authorization.startswith(BEARER):
        raise HTTPException(status_code=401, detail="missing API key: send the header 'Authorization: Bearer <key>'",
                            headers={"WWW-Authenticate": "Bearer"})
    key = services.store.find_key(authorization[len(BEARER):].strip())
    if key is None:
        raise HTTPException(status_code=401, detail="invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    remember_tenant(request, key.tenant)  # its allowed origins get CORS headers, 429s and 403s included
    per_minute = services.settings.rate_limit_per_minute if key.rate_per_minute is None else key.rate_per_minute
    if per_minute:
        decision = services.rate_limiter.take(key.id, per_minute)
        if not decision.allowed:
            raise HTTPException(status_code=429, headers=decision.headers(),
                                detail=f"rate limit of {per_minute} requests per minute reached for this key; "
                                       f"retry in {decision.retry_after_s} s")
        response.headers.update(decision.headers())
    return Caller(key)


def require(*scopes: Scope) -> Callable[[Caller], Caller]:
    """A dependency: the caller, who must hold at least one of ``scopes`` (else 403)."""

    async def check(caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
        if not any(caller.has(scope) for scope in scopes):
            held = ", ".join(sorted(s.value for s in caller.key.scopes)) or "none"
            wanted = " or ".join(s.value for s in scopes)
            raise HTTPException(status_code=403, detail=f"this key's scopes ({held}) do not allow this: "
                                                        f"it needs the {wanted} scope")
        return caller

    return check
