"""/v1/origins: the web origins whose pages may call the API with this tenant's keys (CORS; admin scope)."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import AdminCaller
from api.deps import AnswerServiceDep
from api.routing import TextCheckedRoute
from api.schemas import ERROR_RESPONSES, OriginsIn, OriginsOut

router = APIRouter(prefix="/v1", tags=["origins"], responses=ERROR_RESPONSES, route_class=TextCheckedRoute)


@router.get("/origins", response_model=OriginsOut, summary="This tenant's allowed origins (none by default)")
def get_origins(services: AnswerServiceDep, caller: AdminCaller) -> OriginsOut:
    return OriginsOut(origins=services.store.origins.of(caller.tenant))


@router.put("/origins", response_model=OriginsOut, summary="Replace this tenant's allowed origins")
def put_origins(services: AnswerServiceDep, caller: AdminCaller, body: OriginsIn) -> OriginsOut:
    services.origins.replace(caller.tenant, body.origins)
    return OriginsOut(origins=services.store.origins.of(caller.tenant))
