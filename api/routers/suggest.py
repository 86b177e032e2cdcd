"""/v1/suggest: a ticket's draft reply with its sources, for help-desk sidebars and synchronous automations, and
what the agent did with it."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Response

from api import pipeline
from api.auth import AnswerCaller, charge_text
from api.connectors.notes import handoff_reason
from api.deps import AnswerServiceDep
from api.errors import check_query_length
from api.routing import TextCheckedRoute
from api.schemas import (
    ERROR_RESPONSES,
    ConcernOut,
    Draft,
    DraftFeedbackIn,
    FeedbackOut,
    SuggestedArticle,
    SuggestRequest,
    SuggestResponse,
)
from api.services import TenantKnowledgeBase
from kb.formats import ReplyFormat, render

router = APIRouter(prefix="/v1", tags=["suggest"], responses=ERROR_RESPONSES, route_class=TextCheckedRoute)


@router.post("/suggest", response_model=SuggestResponse, summary="A draft reply to a ticket, with its sources",
             description="Everything a sidebar shows in one response: the draft in text and HTML, the articles it "
                         "comes from with a snippet and URL, the customer's concerns, and whether to hand over.")
async def post_suggest(
    services: AnswerServiceDep,
    caller: AnswerCaller,
    request: SuggestRequest,
    response: Response,
    accept_language: Annotated[str | None, Header(description="tie-breaker for undecidable text")] = None,
) -> SuggestResponse:
    check_query_length(request.query, services.settings.max_message_chars,
                       "Send the ticket's newest message, or the message without attachments.")
    message = request.message(request.channel, ReplyFormat.MARKDOWN, accept_language)
    reading = await asyncio.to_thread(pipeline.read, message, services.embedder.cost)
    charge_text(services, caller, response, reading.tokens)
    allowed = caller.article_filter(request.category, request.product, frozenset(request.tags))
    tenant_kb = await services.open(caller.tenant)
    answer = await pipeline.answer(services, tenant_kb, message, allowed, reading)
    return SuggestResponse(
        answer_id=answer.answer_id, language=answer.language, answered=answer.answered,
        confidence=answer.confidence, situation=answer.situation, handoff=answer.handoff,
        handoff_reason=handoff_reason(answer),
        draft=Draft(text=render(answer.text, ReplyFormat.TEXT), html=render(answer.text, ReplyFormat.HTML)),
        articles=[_suggested(tenant_kb, match) for match in answer.articles],
        concerns=[ConcernOut.model_validate(concern, from_attributes=True) for concern in answer.concerns])


@router.post("/suggest/{answer_id}/feedback", response_model=FeedbackOut,
             summary="What the agent did with a draft: used, edited or rejected (counted in analytics)")
def post_draft_feedback(services: AnswerServiceDep, caller: AnswerCaller, answer_id: str,
                        body: DraftFeedbackIn) -> FeedbackOut:
    services.answer_log.flush()  # the answer may still be on its way to the store
    if not services.store.answers.put_draft_feedback(caller.tenant, answer_id, body.action, body.reason):
        raise HTTPException(status_code=404, detail=f"no answer '{answer_id}' (answer_id of a /v1/suggest response "
                                                    "of this tenant)")
    return FeedbackOut(answer_id=answer_id, recorded=True)


def _suggested(tenant_kb: TenantKnowledgeBase, match: pipeline.ArticleMatch) -> SuggestedArticle:
    variant = tenant_kb.index.articles[match.id].variant_for(match.language)
    return SuggestedArticle(id=match.id, title=match.title, snippet=variant.summary, url=match.url,
                            score=match.score, language=match.language)
