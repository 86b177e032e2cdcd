"""Answer a message: each concern's article, the customer's situation, one reply for the channel, logged once;
or preview the reply an article would give (the same steps, not logged)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from api.pipeline.models import Answer, ArticleMatch, ConcernAnswer, Message, Reading
from api.pipeline.situations import agreed, situations
from api.pipeline.steps import matched_language, retrieve
from indexer.concerns import Concern, SegmentResult, find_concerns
from indexer.search import ArticleHit
from kb.compose import ConcernReply, compose_answer
from kb.cues import anger_score
from kb.filters import ArticleFilter
from kb.formats import render
from kb.links import article_url
from kb.models import Article, Language
from kb.references import find_references
from kb.segments import Segment
from kb.stores import AnswerRecord
from kb.templates import Situation

if TYPE_CHECKING:
    from api.services import AnswerService, TenantKnowledgeBase

PREVIEW_ANSWER_ID = "0" * 32


async def answer(services: AnswerService, tenant_kb: TenantKnowledgeBase, message: Message, allowed: ArticleFilter,
                 reading: Reading) -> Answer:
    """Find the article for each concern of a message, read the customer's situation, compose one reply for
    the channel, and record the answer in the answer log.

    Args:
        services: the loaded services.
        tenant_kb: the tenant answering.
        message: the message.
        allowed: the articles the caller may be answered from.
        reading: the message as :func:`api.pipeline.read` read it.

    Returns:
        The answer.

    Raises:
        Overloaded: the embedder cannot take the message's texts now.
    """
    concerns = await _concerns(services, tenant_kb, message, allowed, reading)
    return await _reply(services, tenant_kb, message, reading, concerns, uuid.uuid4().hex, record=True)


async def preview(services: AnswerService, tenant_kb: TenantKnowledgeBase, message: Message, allowed: ArticleFilter,
                  reading: Reading, article: Article) -> Answer:
    """The answer :func:`answer` would give if ``article`` (saved or not, of any visibility) answered the
    message's surest concern: the same reading, concerns, situation and composition, not logged. Its wording
    is that of an answer whose id starts with ``00000000`` (the same on every call, so a preview changes
    only with the article).

    Args:
        services: the loaded services.
        tenant_kb: the tenant answering.
        message: the message.
        allowed: the articles the caller may be answered from (the message's other concerns).
        reading: the message as :func:`api.pipeline.read` read it.
        article: the article that answers.

    Returns:
        The answer (``answer_id``: :data:`PREVIEW_ANSWER_ID`).

    Raises:
        Overloaded: the embedder cannot take the message's texts now.
    """
    concerns = await _concerns(services, tenant_kb, message, allowed, reading)
    return await _reply(services, tenant_kb, message, reading, _answered_with(concerns, article), PREVIEW_ANSWER_ID,
                        record=False)


async def _reply(services: AnswerService, tenant_kb: TenantKnowledgeBase, message: Message, reading: Reading,
                 concerns: list[Concern], answer_id: str, record: bool) -> Answer:
    """The answer to a message's concerns: the customer's situation, one reply for the channel (its wording
    picked by ``answer_id``), recorded in the answer log when ``record``."""
    # the customer's words, read with the meaning of their surest concern (an average of several concerns,
    # or of every sentence, lands between topics, near no situation's examples but the vaguest)
    surest = max(concerns, key=lambda concern: (concern.answered, concern.confidence))
    guess = tenant_kb.situations.detect(reading.message.text, surest.vector) if message.situation is None else None
    if guess and len(concerns) == 1:  # a message's situation speaks for its one concern
        concerns = [agreed(tenant_kb, concerns[0], guess)]
    detected = matched_language(reading.detection, concerns[0].hits)
    requested = message.language or detected
    situation, situation_confidence, own = situations(tenant_kb, message.situation, reading, concerns, guess)
    if situation is Situation.FAREWELL:  # thanks and goodbye: nothing to answer with an article
        concerns = [replace(concern, answered=False) for concern in concerns]
    answered = all(concern.answered for concern in concerns)
    variants = [concern.hits[0].article.variant_for(requested) if concern.answered else None for concern in concerns]
    first = next((variant for variant in variants if variant is not None), None)
    language = first.language if first else requested
    references = find_references("\n".join([reading.message.subject, message.text]),
                                 tenant_kb.templates.frame.references)
    composed = compose_answer([ConcernReply(variant, concern.text) for variant, concern in zip(variants, concerns)],
                              message.channel, language, situation, tenant_kb.templates, message.context,
                              seed=int(answer_id[:8], 16), given=references, grievance=_grievance(reading.segments))
    least = round(min(concern.confidence for concern in concerns), 4)
    links = await services.links.get(tenant_kb.tenant)
    if record:
        services.answer_log.record(AnswerRecord(
            answer_id, tenant_kb.tenant, datetime.now(UTC), message.channel.value, language.value, answered,
            concerns[0].article_id, least, reading.message.text))
    talks = message.channel.style != "terse"  # a help page or contact form hands nothing over
    return Answer(
        answer_id=answer_id,
        language=language,
        detected_language=detected,
        requested_language=requested,
        channel=message.channel,
        answered=answered,
        confidence=least,
        situation=situation,
        situation_confidence=round(situation_confidence, 4),
        handoff=talks and ((not answered and situation is not Situation.FAREWELL)
                           or situation is Situation.TRANSFER_TO_SPECIALIST),
        text=render(composed.text, message.reply_format),
        parts={name: render(part, message.reply_format) for name, part in composed.parts.items()},
        articles=_merged_ranking(concerns, message.top_k, requested, links),
        concerns=[ConcernAnswer(text=concern.text, answered=concern.answered,
                                confidence=round(concern.confidence, 4),
                                article=_match(concern.hits[0], requested, links) if concern.hits else None,
                                situation=concern_situation if concern_situation is not situation else None,
                                handoff=talks and not concern.answered and situation is not Situation.FAREWELL)
                  for concern, concern_situation in zip(concerns, own)],
        references=references,
    )


async def _concerns(services: AnswerService, tenant_kb: TenantKnowledgeBase, message: Message, allowed: ArticleFilter,
                    reading: Reading) -> list[Concern]:
    """The customer's separate concerns: every searched text retrieved (the message's texts admitted to the
    embedder whole, or refused whole), their votes gathered into concerns; a concern whose first hit is pinned
    is answered."""
    texts = [segment.text for segment in reading.searched]
    with services.embedder.admit(texts, reading.costs):
        ranked = await asyncio.gather(*(retrieve(tenant_kb, text, reading.detection.language, message.top_k, allowed,
                                                 cost, admitted=True)
                                        for text, cost in zip(texts, reading.costs)))
    results = [SegmentResult(segment, found.hits, found.confidence, found.vector)
               for segment, found in zip(reading.searched, ranked)]
    concerns = find_concerns(results, {segment.position: segment.text for segment in reading.segments},
                             services.settings.answer_threshold)
    # a pinned article answers its concern: an editor chose it (the confidence stays the model's own)
    return [replace(concern, answered=True) if concern.hits and concern.hits[0].pinned else concern
            for concern in concerns]


def _answered_with(concerns: list[Concern], article: Article) -> list[Concern]:
    """The concerns with the surest one answered by ``article`` (its best match's score and matched language
    kept, the other matches after it)."""
    surest = max(concerns, key=lambda concern: (concern.answered, concern.confidence))
    best = surest.hits[0] if surest.hits else None
    hit = ArticleHit(article, best.score, best.rank_score, best.language, best.field) if best else ArticleHit(
        article, 0.0, 0.0, next(iter(article.variants)), "title")
    answered = replace(surest, hits=[hit, *(other for other in surest.hits if other.article.id != article.id)],
                       answered=True)
    return [answered if concern is surest else concern for concern in concerns]


def _grievance(segments: list[Segment]) -> str:
    """The customer's angriest sentence ('' when none shows anger)."""
    score, angriest = max(((anger_score(segment.text), segment.text) for segment in segments), default=(0, ""))
    return angriest if score > 0 else ""


def _merged_ranking(concerns: list[Concern], limit: int, language: Language, links: str | None) -> list[ArticleMatch]:
    """Each concern's best article first (in message order), then the others by score."""
    best: dict[str, ArticleHit] = {}
    for hit in [concern.hits[0] for concern in concerns if concern.hits] + sorted(
            (hit for concern in concerns for hit in concern.hits[1:]), key=lambda hit: -hit.score):
        best.setdefault(hit.article.id, hit)
    return [_match(hit, language, links) for hit in list(best.values())[:limit]]


def _match(hit: ArticleHit, language: Language, links: str | None) -> ArticleMatch:
    """A hit as shown: its article's title in ``language`` (or the fallback language it has), and its URL on
    the tenant's help centre when ``links`` (the tenant's pattern) is set."""
    variant = hit.article.variant_for(language)
    return ArticleMatch(id=hit.article.id, title=variant.title, score=round(hit.score, 4), language=variant.language,
                        url=article_url(links, hit.article.id, variant.language), pinned=hit.pinned)
