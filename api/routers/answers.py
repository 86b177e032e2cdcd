"""POST /v1/answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header

from api import answering
from api.deps import get_services
from api.errors import check_query_length
from api.schemas import AnswerRequest, AnswerResponse
from api.services import Services

router = APIRouter(prefix="/v1", tags=["answers"])


@router.post("/answer", response_model=AnswerResponse, summary="Answer a question, shaped for the channel")
async def post_answer(
    request: AnswerRequest,
    accept_language: Annotated[str | None, Header(description="tie-breaker for undecidable text")] = None,
    services: Services = Depends(get_services),
) -> AnswerResponse:
    check_query_length(request.query, services.settings.max_query_chars)
    return await answering.answer(services, request, accept_language)
