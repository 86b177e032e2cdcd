"""/v1/keys: a tenant's API keys (admin scope). The secret is shown once, at creation; only its hash is kept."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from api.auth import AdminCaller, KeyLimitError, create_api_key, revoke_api_key
from api.deps import AnswerServiceDep
from api.routing import TextCheckedRoute
from api.schemas import ERROR_RESPONSES, KeyIn, KeyOut, NewKey
from kb.stores import ApiKey

router = APIRouter(prefix="/v1", tags=["keys"], responses=ERROR_RESPONSES, route_class=TextCheckedRoute)


@router.post("/keys", response_model=NewKey, status_code=201, summary="Create an API key for this tenant",
             description="A tenant holds at most KB_MAX_KEYS_PER_TENANT live keys (default 100), at most "
                         "KB_MAX_UNLIMITED_KEYS_PER_TENANT of them without a rate limit (default 5); past that, 409.")
def create_key(services: AnswerServiceDep, caller: AdminCaller, body: KeyIn) -> NewKey:
    try:
        secret, key = create_api_key(services.store, services.settings, caller.tenant, body)
    except KeyLimitError as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    return NewKey(key=secret, **_key_out(key).model_dump())


@router.get("/keys", response_model=list[KeyOut], summary="This tenant's keys (never their secrets)")
def list_keys(services: AnswerServiceDep, caller: AdminCaller) -> list[KeyOut]:
    return [_key_out(key) for key in services.store.keys.list(caller.tenant)]


@router.delete("/keys/{key_id}", status_code=204, summary="Revoke a key (refused from the next request on)")
def revoke_key(services: AnswerServiceDep, caller: AdminCaller, key_id: str) -> Response:
    if not revoke_api_key(services, caller.tenant, key_id):
        raise HTTPException(status_code=404, detail=f"this tenant has no live key '{key_id}'")
    return Response(status_code=204)


def _key_out(key: ApiKey) -> KeyOut:
    return KeyOut(id=key.id, scopes=sorted(key.scopes, key=lambda s: s.value), name=key.name,
                  rate_per_minute=key.rate_per_minute, created_at=key.created_at, revoked_at=key.revoked_at)
