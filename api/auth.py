"""API keys: ``Authorization: Bearer <key>``, the key's tenant and scopes, what each scope may see.

* ``search``: safe to embed in a public web page — search, help-page and contact-form answers,
  published articles only;
* ``answer``: every channel, internal articles included;
* ``admin``: knowledge-base writes, keys (and analytics).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, Response

from api.cors import remember_tenant
from api.deps import AnswerServiceDep
from api.schemas import KeyIn
from api.services import AnswerService
from api.settings import Settings
from kb.filters import ArticleFilter
from kb.models import Visibility
from kb.stores import ApiKey, KeyQuota, KeyQuotaExceeded, Scope, Store

BEARER = "bearer"  # the scheme, matched in any case (RFC 9110)
# the rate limiter's bucket of a client address sending invalid keys (key ids are hex: no clash)
INVALID_KEYS_FROM = "invalid-keys-from:"


class KeyLimitError(ValueError):
    """A new key would pass a limit the operator set; the message names the limit and its setting."""


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


async def authenticate(services: AnswerServiceDep, request: Request, response: Response,
                       authorization: Annotated[str | None, Header(description="Bearer <API key>")] = None) -> Caller:
    """The caller of a request; 401 without a valid key, 429 over the key's rate limit.

    ``async`` on purpose: a key read in the last ``KB_ACCESS_CACHE_S`` is answered from memory, with
    no hop to a worker thread (FastAPI's way with plain ``def`` dependencies), which would cost more
    than the check; any other key is read from the store in a worker thread, so the event loop never
    waits for the store (a network round trip on PostgreSQL, seconds during an outage)."""
    secret = bearer_secret(authorization)
    if secret is None:
        raise HTTPException(status_code=401, detail="missing API key: send the header 'Authorization: Bearer <key>'",
                            headers={"WWW-Authenticate": "Bearer"})
    key = await services.keys.get(secret)
    if key is None:
        raise invalid_key(services, request)
    remember_tenant(request, key.tenant)  # its allowed origins get CORS headers, 429s and 403s included
    _spend(services, key, response, 1)
    return Caller(key)


def charge_text(services: AnswerService, caller: Caller, response: Response, tokens: int) -> None:
    """Charge what embedding a text costs beyond the one request :func:`authenticate` counted: a
    request per ``KB_SHORT_QUERY_TOKENS`` tokens the model reads, so a key's budget means the same
    for long texts (a 1,000-character email) as for search-box questions.

    Raises:
        HTTPException: 429 when the key's budget cannot pay for it now.
    """
    extra = math.ceil(tokens / services.settings.short_query_tokens) - 1
    if extra > 0:
        _spend(services, caller.key, response, extra)


def _spend(services: AnswerService, key: ApiKey, response: Response, cost: int) -> None:
    """Take ``cost`` requests from the key's rate limit (none when it has no limit); 429 when it cannot."""
    per_minute = services.settings.rate_limit_per_minute if key.rate_per_minute is None else key.rate_per_minute
    if not per_minute:
        return
    decision = services.rate_limiter.take(key.id, per_minute, cost)
    if not decision.allowed:
        raise HTTPException(status_code=429, headers=decision.headers(),
                            detail=f"rate limit of {per_minute} requests per minute reached for this key (a long "
                                   f"text counts as several requests); retry in {decision.retry_after_s} s")
    response.headers.update(decision.headers())


def bearer_secret(authorization: str | None) -> str | None:
    """The key of an ``Authorization: Bearer <key>`` header, the scheme in any case (``bearer``,
    ``BEARER``: RFC 9110); None when there is no such header or no key in it."""
    scheme, _, secret = (authorization or "").strip().partition(" ")
    return (secret.strip() or None) if scheme.lower() == BEARER else None


def invalid_key(services: AnswerService, request: Request) -> HTTPException:
    """The refusal of an invalid or revoked key: 401, or 429 once the client's address has sent more
    invalid keys this minute than ``KB_FAILED_AUTH_PER_MINUTE``.

    Only invalid keys count, and a valid key from the same address still works. Keys are random
    256-bit secrets, so no rate of guessing finds one; what the limit stops is a client hammering
    with a wrong key. Blocking the whole address instead would let one such client lock out everyone
    behind the same office NAT or proxy.
    """
    limit = services.settings.failed_auth_per_minute
    address = request.client.host if request.client else "unknown"
    decision = services.rate_limiter.take(INVALID_KEYS_FROM + address, limit)
    if decision.allowed:
        return HTTPException(status_code=401, detail="invalid or revoked API key",
                             headers={"WWW-Authenticate": "Bearer"})
    return HTTPException(status_code=429, headers={"Retry-After": str(decision.retry_after_s),
                                                   "WWW-Authenticate": "Bearer"},
                         detail=f"more than {limit} invalid or revoked API keys a minute from this address: check "
                                f"the key you send, and retry in {decision.retry_after_s} s")


def create_api_key(store: Store, settings: Settings, tenant: str, request: KeyIn) -> tuple[str, ApiKey]:
    """Create an API key within the operator's limits: what ``POST /v1/keys`` and the admin CLI both call.

    Args:
        store: the store.
        settings: the limits (``KB_MAX_KEYS_PER_TENANT``, ``KB_MAX_UNLIMITED_KEYS_PER_TENANT``).
        tenant: whose key.
        request: the key, checked as the HTTP API checks it.

    Returns:
        The secret (shown once) and the key's record.

    Raises:
        KeyLimitError: the tenant holds as many live keys (or keys without a rate limit) as it may.
    """
    quota = KeyQuota(settings.max_keys_per_tenant, settings.max_unlimited_keys_per_tenant)
    try:
        return store.keys.create(tenant, set(request.scopes), request.name, request.rate_per_minute, quota)
    except KeyQuotaExceeded as error:
        setting = "KB_MAX_UNLIMITED_KEYS_PER_TENANT" if error.unlimited else "KB_MAX_KEYS_PER_TENANT"
        raise KeyLimitError(f"{error}, or raise the setting {setting}") from None


def revoke_api_key(services: AnswerService, tenant: str, key_id: str) -> bool:
    """Revoke a tenant's key: refused from this process's next request on (other replicas within
    ``KB_ACCESS_CACHE_S``).

    Returns:
        Whether the tenant had such a live key.
    """
    revoked = services.store.keys.revoke(tenant, key_id)
    services.keys.invalidate(lambda secret, key: key.id == key_id)
    return revoked


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


AdminCaller = Annotated[Caller, Depends(require(Scope.ADMIN))]
SearchCaller = Annotated[Caller, Depends(require(Scope.SEARCH, Scope.ANSWER))]  # search or answer scope
AnswerCaller = Annotated[Caller, Depends(require(Scope.ANSWER))]  # drafts for agents: internal articles too
