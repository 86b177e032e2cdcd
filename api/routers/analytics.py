"""/v1/analytics: top and unanswered questions, answer and deflection rates (admin scope)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from api import analytics
from api.auth import Caller, require
from api.deps import get_services
from api.schemas import ERROR_RESPONSES, AnalyticsSummary, ErasedQueries, QuestionStat, UnansweredStat
from api.services import Services
from kb.models import Channel, Language
from kb.stores import AnswerRow, Scope

router = APIRouter(prefix="/v1/analytics", tags=["analytics"], responses=ERROR_RESPONSES)
DEFAULT_PERIOD = timedelta(days=30)

Since = Annotated[datetime | None, Query(description="from this moment (ISO 8601; default: 30 days ago)")]
Until = Annotated[datetime | None, Query(description="until this moment (default: now)")]
LanguageFilter = Annotated[Language | None, Query(description="only answers in this language")]
ChannelFilter = Annotated[Channel | None, Query(description="only answers on this channel")]
Limit = Annotated[int, Query(ge=1, le=500, description="how many questions")]


def rows(services: Services, caller: Caller, since: datetime | None, until: datetime | None,
         language: Language | None, channel: Channel | None) -> list[AnswerRow]:
    until = _aware(until) or datetime.now(UTC)
    since = _aware(since) or until - DEFAULT_PERIOD
    if since >= until:
        raise HTTPException(status_code=422, detail="since must be earlier than until")
    services.answer_log.flush()
    return analytics.select(services.store.answer_rows(caller.tenant, since, until),
                            language.value if language else None, channel.value if channel else None)


@router.get("/summary", response_model=AnalyticsSummary, summary="Answer, helpful and deflection rates")
def get_summary(since: Since = None, until: Until = None, language: LanguageFilter = None,
                channel: ChannelFilter = None, services: Services = Depends(get_services),
                caller: Caller = Depends(require(Scope.ADMIN))) -> AnalyticsSummary:
    return AnalyticsSummary(**analytics.summary(rows(services, caller, since, until, language, channel)))


@router.get("/top-questions", response_model=list[QuestionStat], summary="The most asked questions")
def get_top_questions(since: Since = None, until: Until = None, language: LanguageFilter = None,
                      channel: ChannelFilter = None, limit: Limit = 20, services: Services = Depends(get_services),
                      caller: Caller = Depends(require(Scope.ADMIN))) -> list[QuestionStat]:
    return [QuestionStat(**item) for item in
            analytics.top_questions(rows(services, caller, since, until, language, channel), limit)]


@router.get("/unanswered", response_model=list[UnansweredStat],
            summary="Questions without an answer or with an answer marked not helpful")
def get_unanswered(since: Since = None, until: Until = None, language: LanguageFilter = None,
                   channel: ChannelFilter = None, limit: Limit = 20, services: Services = Depends(get_services),
                   caller: Caller = Depends(require(Scope.ADMIN))) -> list[UnansweredStat]:
    return [UnansweredStat(**item) for item in
            analytics.unanswered_questions(rows(services, caller, since, until, language, channel), limit)]


@router.delete("/queries", response_model=ErasedQueries, summary="Erase the query text of answers (privacy)")
def delete_queries(before: Annotated[datetime | None, Query(description="erase text older than this "
                                                                        "(default: all)")] = None,
                   services: Services = Depends(get_services),
                   caller: Caller = Depends(require(Scope.ADMIN))) -> ErasedQueries:
    services.answer_log.flush()
    erased = services.store.forget_queries(caller.tenant, _aware(before) or datetime.now(UTC) + timedelta(seconds=1))
    return ErasedQueries(erased=erased)


def _aware(moment: datetime | None) -> datetime | None:
    """Moments without a time zone are taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment
