"""GET /v1/search: ranked articles for search boxes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Response

from api import pipeline
from api.auth import SearchCaller, charge_text
from api.deps import AnswerServiceDep
from api.errors import check_query_length
from api.routing import TextCheckedRoute
from api.schemas import ERROR_RESPONSES, MAX_TOP_K, SearchResponse
from kb.models import Language

router = APIRouter(prefix="/v1", tags=["search"], responses=ERROR_RESPONSES, route_class=TextCheckedRoute)


@router.get("/search", response_model=SearchResponse, summary="Search articles (search-as-you-type)")
async def get_search(
    services: AnswerServiceDep,
    caller: SearchCaller,
    response: Response,
    q: Annotated[str, Query(description="the text typed so far")],
    lang: Annotated[Language | None, Query(description="result language; detected when absent")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_TOP_K, description="how many results")] = 5,
    category: Annotated[str | None, Query(description="only articles of this category")] = None,
    product: Annotated[str | None, Query(description="only articles about this product")] = None,
    tag: Annotated[list[str] | None, Query(description="only articles with this tag (repeatable: all of them)")] = None,
    accept_language: Annotated[str | None, Header(description="tie-breaker for undecidable text")] = None,
) -> SearchResponse:
    if not q.strip():
        raise HTTPException(status_code=422, detail="q must contain some text, not only whitespace")
    check_query_length(q, services.settings.max_query_chars)
    tokens = services.embedder.cost(q.strip())
    charge_text(services, caller, response, tokens)
    allowed = caller.article_filter(category, product, frozenset(tag or ()))
    results = await pipeline.search(await services.open(caller.tenant), q.strip(), lang, limit, allowed,
                                    services.settings.answer_threshold, accept_language, tokens,
                                    await services.links.get(caller.tenant))
    return SearchResponse.model_validate(results, from_attributes=True)
