"""/v1/links: the help centre's article URL pattern, so answers and searches carry each article's URL (admin scope)."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import AdminCaller
from api.deps import AnswerServiceDep
from api.routing import TextCheckedRoute
from api.schemas import ERROR_RESPONSES, LinksIn, LinksOut

router = APIRouter(prefix="/v1", tags=["links"], responses=ERROR_RESPONSES, route_class=TextCheckedRoute)


@router.get("/links", response_model=LinksOut, summary="This tenant's article URL pattern (none by default)")
def get_links(services: AnswerServiceDep, caller: AdminCaller) -> LinksOut:
    return LinksOut(article_url=services.store.links.pattern(caller.tenant))


@router.put("/links", response_model=LinksOut, summary="Set or remove this tenant's article URL pattern",
            description="In effect at once through this server; through other replicas within KB_ACCESS_CACHE_S.")
def put_links(services: AnswerServiceDep, caller: AdminCaller, body: LinksIn) -> LinksOut:
    services.store.links.set(caller.tenant, body.article_url)
    services.links.invalidate()
    return LinksOut(article_url=body.article_url)
