"""POST /v1/answer."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Response

from api import pipeline
from api.auth import SearchCaller, charge_text
from api.deps import AnswerServiceDep
from api.errors import check_query_length
from api.routing import TextCheckedRoute
from api.schemas import ERROR_RESPONSES, AnswerRequest, AnswerResponse
from kb.stores import Scope

router = APIRouter(prefix="/v1", tags=["answers"], responses=ERROR_RESPONSES, route_class=TextCheckedRoute)


@router.post("/answer", response_model=AnswerResponse, summary="Answer a question, shaped for the channel")
async def post_answer(
    services: AnswerServiceDep,
    caller: SearchCaller,
    request: AnswerRequest,
    response: Response,
    accept_language: Annotated[str | None, Header(description="tie-breaker for undecidable text")] = None,
) -> AnswerResponse:
    if request.channel.style != "terse" and not caller.has(Scope.ANSWER):
        raise HTTPException(status_code=403, detail=f"a key with only the search scope answers the help_page and "
                                                    f"contact_form channels; {request.channel.value} needs the "
                                                    "answer scope")
    check_query_length(request.query, services.settings.max_message_chars,
                       "Send the customer's message without attachments, or its newest part.")
    message = request.to_message(accept_language)
    # reading a long mail takes milliseconds of CPU: off the event loop, so other requests go on meanwhile
    reading = await asyncio.to_thread(pipeline.read, message, services.embedder.cost)
    charge_text(services, caller, response, reading.tokens)
    allowed = caller.article_filter(request.category, request.product, frozenset(request.tags))
    answer = await pipeline.answer(services, await services.open(caller.tenant), message, allowed, reading)
    return AnswerResponse.model_validate(answer, from_attributes=True)
