"""GET /v1/search: ranked articles for search boxes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query

from api import answering
from api.deps import get_services
from api.errors import check_query_length
from api.schemas import MAX_TOP_K, SearchResponse
from api.services import Services
from kb.models import Language

router = APIRouter(prefix="/v1", tags=["search"])


@router.get("/search", response_model=SearchResponse, summary="Search articles (search-as-you-type)")
async def get_search(
    q: Annotated[str, Query(description="the text typed so far")],
    lang: Annotated[Language | None, Query(description="result language; detected when absent")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_TOP_K, description="how many results")] = 5,
    accept_language: Annotated[str | None, Header(description="tie-breaker for undecidable text")] = None,
    services: Services = Depends(get_services),
) -> SearchResponse:
    if not q.strip():
        raise HTTPException(status_code=422, detail="q must contain some text, not only whitespace")
    check_query_length(q, services.settings.max_query_chars)
    return await answering.search(services, q.strip(), lang, limit, accept_language)
