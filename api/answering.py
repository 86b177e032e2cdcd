"""The walk of one message: read, language, segments, retrieval per segment, concerns, situation, composition."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from api.schemas import (AnswerRequest, AnswerResponse, ArticleRef, ConcernOut, ReferenceOut, SearchResponse,
                         SearchResult)
from api.services import Services, TenantSpace
from indexer.concerns import Concern, SegmentResult, find_concerns
from indexer.confidence import confidence
from indexer.search import ArticleHit
from indexer.situations import SituationGuess
from kb.compose import ConcernReply, ReplyContext, compose_answer
from kb.cues import anger_score, thanks
from kb.filters import ArticleFilter
from kb.formats import render
from kb.language import Detection, UnsupportedLanguageError, detect_language, resolve_language
from kb.models import Language
from kb.reading import EmptyMessageError, ReadMessage, read_message
from kb.references import find_references
from kb.segments import Segment, segments, to_search
from kb.stores import AnswerRecord
from kb.templates import Situation


# A concern under the answer threshold is answered when its likeliest situation is at least this sure and
# fits its article, and the concern is at least this confident. Read off the reply fit set (python -m
# evals.replies --split fit): of its concerns under the threshold, the rule answers 4 more right, none wrong.
# Only a message's one concern: on the tuning emails, further concerns it answered were all wrong.
AGREEING_SITUATION_CONFIDENCE = 0.3
AGREEING_MIN_CONFIDENCE = 0.05


def detect(query: str, explicit: Language | None, accept_language: str | None) -> Detection:
    """Detect the query's language; an explicit language covers text we cannot detect."""
    try:
        return detect_language(query, accept_language)
    except UnsupportedLanguageError:
        if explicit is None:
            raise
        return Detection(explicit, "explicit")


@dataclass(frozen=True)
class ReadRequest:
    """A message as read before anything is embedded: the customer's words, their language, segments,
    what of them is searched, and its embedding cost."""

    message: ReadMessage
    detection: Detection
    segments: list[Segment]
    searched: list[Segment]
    costs: list[int]

    @property
    def tokens(self) -> int:
        return sum(self.costs)


def read(services: Services, request: AnswerRequest, accept_language: str | None = None) -> ReadRequest:
    """Read a message: keep the customer's own words, detect their language, cut them into segments.

    Raises:
        EmptyMessageError: nothing of the customer's own is left (only a quote or forwarded mail).
        UnsupportedLanguageError: the words are in a language we do not answer and none was named.
        UnencodableTextError: the text cannot be embedded.
    """
    message = read_message(request.query, request.subject, request.format == "html")
    if not message.text:
        raise EmptyMessageError(
            f"query holds no words of the customer's own: only {'quoted or forwarded mail' if message.quoted else 'markup'}"
            f" ({len(message.quoted)} characters set aside). Send the customer's new text, e.g. the mail as it "
            "arrived with its reply above the quote")
    detection = detect(message.text, request.language, accept_language)
    pieces = segments(message.text, detection.language)
    searched = to_search(pieces, message.subject)
    return ReadRequest(message, detection, pieces, searched, [services.embedder.cost(s.text) for s in searched])


async def answer(services: Services, space: TenantSpace, request: AnswerRequest, allowed: ArticleFilter,
                 reading: ReadRequest) -> AnswerResponse:
    """Find the article for each concern of a message, read the customer's situation, compose one reply for
    the channel.

    Args:
        services: the loaded services.
        space: the caller's tenant.
        request: the message.
        allowed: the articles the caller may be answered from.
        reading: the message as :func:`read` read it.
    """
    detection = reading.detection
    limit = max(request.top_k, 2)  # the confidence needs the runner-up
    with services.embedder.admit([segment.text for segment in reading.searched], reading.costs):
        retrievals = await asyncio.gather(*(space.retriever.retrieve(segment.text, detection.language, limit,
                                                                     allowed, cost, admitted=True)
                                            for segment, cost in zip(reading.searched, reading.costs)))
    results = [SegmentResult(segment, retrieval.hits, confidence(retrieval.hits), retrieval.vector)
               for segment, retrieval in zip(reading.searched, retrievals)]
    concerns = find_concerns(results, {segment.position: segment.text for segment in reading.segments},
                             services.settings.answer_threshold)
    # the customer's words, read with the meaning of their surest concern (an average of several concerns,
    # or of every sentence, lands between topics, near no situation's examples but the vaguest)
    surest = max(concerns, key=lambda concern: (concern.answered, concern.confidence))
    guess = space.situations.detect(reading.message.text, surest.vector) if request.situation is None else None
    if guess and len(concerns) == 1:  # a message's situation speaks for its one concern
        concerns = [_agreed(space, concerns[0], guess)]
    detected = resolve_language(detection, [hit.language for hit in concerns[0].hits])
    requested = request.language or detected
    situations = _situations(space, request, reading, concerns, guess)
    situation = situations[0]
    if situation is Situation.FAREWELL:  # thanks and goodbye: nothing to answer with an article
        concerns = [replace(concern, answered=False) for concern in concerns]
    answered = all(concern.answered for concern in concerns)
    variants = [concern.hits[0].article.variant_for(requested) if concern.answered else None for concern in concerns]
    first = next((variant for variant in variants if variant is not None), None)
    language = first.language if first else requested
    references = find_references("\n".join([reading.message.subject, request.query]), space.templates.frame.references)
    answer_id = uuid.uuid4().hex
    context = ReplyContext(request.customer_name, request.agent_name, request.company, request.timeframe,
                           request.team)
    composed = compose_answer([ConcernReply(variant, concern.text) for variant, concern in zip(variants, concerns)],
                              request.channel, language, situation, space.templates, context,
                              seed=int(answer_id[:8], 16), given=references, grievance=_grievance(reading.segments))
    least = min(concern.confidence for concern in concerns)
    services.answer_log.record(AnswerRecord(
        answer_id, space.tenant, datetime.now(UTC), request.channel.value, language.value, answered,
        concerns[0].article_id, round(least, 4), reading.message.text))
    talks = request.channel.style != "terse"
    return AnswerResponse(
        answer_id=answer_id,
        language=language,
        detected_language=detected,
        requested_language=requested,
        language_fallback=language != requested,
        channel=request.channel,
        answered=answered,
        confidence=round(least, 4),
        situation=situation,
        situation_confidence=round(situations[1], 4),
        handoff=talks and ((not answered and situation is not Situation.FAREWELL)
                           or situation is Situation.TRANSFER_TO_SPECIALIST),
        text=render(composed.text, request.reply_format),
        parts={name: render(part, request.reply_format) for name, part in composed.parts.items()},
        articles=_merged_ranking(concerns, request.top_k, requested),
        concerns=[ConcernOut(text=concern.text, answered=concern.answered, confidence=round(concern.confidence, 4),
                             article=_article_ref(concern.hits[0], requested) if concern.hits else None,
                             situation=own if own is not situation else None,
                             handoff=talks and not concern.answered and situation is not Situation.FAREWELL)
                  for concern, own in zip(concerns, situations[2])],
        references=[ReferenceOut(kind=reference.kind, value=reference.value) for reference in references],
    )


def _situations(space: TenantSpace, request: AnswerRequest, reading: ReadRequest, concerns: list[Concern],
                guess: SituationGuess | None) -> tuple[Situation, float, list[Situation | None]]:
    """The message's situation and its confidence (the caller's when given), and each concern's own.

    The message's (``guess``: read from the customer's words and their surest concern) is asserted only
    when the detector is sure (else ``general``) and when it fits the article that answers: a template
    names the articles its situation fits. A message that asks nothing and is likeliest a farewell, or that
    thanks us calmly, is a farewell: thanks are never answered with an article.
    """
    if guess is None:
        return request.situation, 1.0, [None] * len(concerns)
    text = reading.message.text
    if not any(segment.asks for segment in reading.segments) and (
            guess.likeliest is Situation.FAREWELL or (thanks(text) and not anger_score(text))):
        return Situation.FAREWELL, guess.confidence, [None] * len(concerns)
    surest = max(concerns, key=lambda concern: (concern.answered, concern.confidence))
    own = [_asserted(space, space.situations.detect(concern.text, concern.vector).situation, concern.article_id)
           if len(concerns) > 1 else None for concern in concerns]
    return _asserted(space, guess.situation, surest.article_id), guess.confidence, own


def _asserted(space: TenantSpace, situation: Situation, article_id: str | None) -> Situation:
    """The situation as a reply may assert it: general when it does not fit the answering article (and a
    farewell only as the message's own, see :func:`_situations`)."""
    fits = situation is not Situation.FAREWELL and space.templates.templates[situation].fits(article_id)
    return situation if fits else Situation.GENERAL


def _agreed(space: TenantSpace, concern: Concern, guess: SituationGuess) -> Concern:
    """A message's one concern, answered when it is under the answer threshold but its situation and its
    article agree: the message is likeliest a situation (``guess``, surely enough) whose template lists the
    concern's article (a late parcel and the delivery-delay article), and the concern is not far under the
    bar. Only for a message's one concern: several concerns' own words are too few to tell a situation,
    and on the tuning emails the rule added only wrong further answers."""
    if concern.answered or not concern.hits or concern.confidence < AGREEING_MIN_CONFIDENCE:
        return concern
    articles = space.templates.templates[guess.likeliest].articles
    agree = (guess.confidence >= AGREEING_SITUATION_CONFIDENCE and articles is not None
             and concern.hits[0].article.id in articles)
    return replace(concern, answered=True) if agree else concern


def _grievance(segments: list[Segment]) -> str:
    """The customer's angriest sentence ('' when none shows anger)."""
    score, angriest = max(((anger_score(segment.text), segment.text) for segment in segments), default=(0, ""))
    return angriest if score > 0 else ""


def _merged_ranking(concerns: list[Concern], limit: int, language: Language) -> list[ArticleRef]:
    """Each concern's best article first (in message order), then the others by score."""
    best: dict[str, ArticleHit] = {}
    for hit in [concern.hits[0] for concern in concerns if concern.hits] + sorted(
            (hit for concern in concerns for hit in concern.hits[1:]), key=lambda hit: -hit.score):
        best.setdefault(hit.article.id, hit)
    return [_article_ref(hit, language) for hit in list(best.values())[:limit]]


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
