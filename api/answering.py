"""The thin orchestration of one request: language, retrieval, composition."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from api.schemas import AnswerRequest, AnswerResponse, ArticleRef, SearchResponse, SearchResult
from api.services import Services, TenantSpace
from indexer.confidence import confidence
from indexer.search import ArticleHit
from kb.compose import ReplyContext, compose_answer
from kb.filters import ArticleFilter
from kb.language import Detection, UnsupportedLanguageError, detect_language, resolve_language
from kb.models import Language
from kb.stores import AnswerRecord
from kb.templates import Situation


def detect(query: str, explicit: Language | None, accept_language: str | None) -> Detection:
    """Detect the query's language; an explicit language covers text we cannot detect."""
    try:
        return detect_language(query, accept_language)
    except UnsupportedLanguageError:
        if explicit is None:
            raise
        return Detection(explicit, "explicit")


async def answer(services: Services, space: TenantSpace, request: AnswerRequest, allowed: ArticleFilter,
                 accept_language: str | None = None, tokens: int | None = None) -> AnswerResponse:
    """Find the article for a question, read the customer's situation, compose the reply for the channel.

    Args:
        services: the loaded services.
        space: the caller's tenant.
        request: the question.
        allowed: the articles the caller may be answered from.
        accept_language: the request's Accept-Language header.
        tokens: the query's embedding cost when already counted.
    """
    detection = detect(request.query, request.language, accept_language)
    retrieval = await space.retriever.retrieve(request.query, detection.language, request.top_k, allowed, tokens)
    vector, hits = retrieval.vector, retrieval.hits
    detected = resolve_language(detection, [hit.language for hit in hits])
    requested = request.language or detected
    top_confidence = confidence(hits)
    answered = bool(hits) and top_confidence >= services.settings.answer_threshold
    if request.situation is not None:
        situation, situation_confidence = request.situation, 1.0
    else:
        guess = space.situations.detect(request.query, vector)
        situation, situation_confidence = guess.situation, guess.confidence
    variant = hits[0].article.variant_for(requested) if answered else None
    language = variant.language if variant else requested
    answer_id = uuid.uuid4().hex
    context = ReplyContext(request.customer_name, request.agent_name, request.company, request.timeframe)
    composed = compose_answer(variant, request.channel, language, situation, space.templates, context,
                              seed=int(answer_id[:8], 16))
    services.answer_log.record(AnswerRecord(
        answer_id, space.tenant, datetime.now(UTC), request.channel.value, language.value, answered,
        hits[0].article.id if answered else None, round(top_confidence, 4), request.query))
    return AnswerResponse(
        answer_id=answer_id,
        language=language,
        detected_language=detected,
        requested_language=requested,
        language_fallback=language != requested,
        channel=request.channel,
        answered=answered,
        confidence=round(top_confidence, 4),
        situation=situation,
        situation_confidence=round(situation_confidence, 4),
        handoff=request.channel.style != "terse" and (
            (not answered and situation is not Situation.FAREWELL)
            or situation is Situation.TRANSFER_TO_SPECIALIST),
        text=composed.text,
        parts=composed.parts,
        articles=[_article_ref(hit, requested) for hit in hits],
    )


async def search(space: TenantSpace, query: str, language: Language | None, limit: int, allowed: ArticleFilter,
                 threshold: float, accept_language: str | None = None, tokens: int | None = None) -> SearchResponse:
    """Rank the articles ``allowed`` lets through for a search box: titles and summaries in the query's
    language, and whether the first is a confident answer (``threshold``, as for ``/v1/answer``; ``tokens``:
    the query's embedding cost when already counted)."""
    detection = detect(query, language, accept_language)
    # the confidence needs the runner-up even when one result is asked for
    hits = (await space.retriever.retrieve(query, detection.language, max(limit, 2), allowed, tokens)).hits
    top_confidence = confidence(hits)
    hits = hits[:limit]
    language = language or resolve_language(detection, [hit.language for hit in hits])
    results = []
    for hit in hits:
        variant = hit.article.variant_for(language)
        results.append(SearchResult(id=hit.article.id, title=variant.title, summary=variant.summary,
                                    score=round(hit.score, 4), language=variant.language))
    return SearchResponse(query=query, language=language, answered=bool(hits) and top_confidence >= threshold,
                          confidence=round(top_confidence, 4), results=results)


def _article_ref(hit: ArticleHit, language: Language) -> ArticleRef:
    variant = hit.article.variant_for(language)
    return ArticleRef(id=hit.article.id, title=variant.title, score=round(hit.score, 4), language=variant.language)
