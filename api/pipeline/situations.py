"""When a reply may assert the customer's situation, and when a situation answers a doubtful concern."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from api.pipeline.models import Reading
from indexer.concerns import Concern
from indexer.situations import SituationGuess
from kb.cues import anger_score, thanks
from kb.templates import Situation

if TYPE_CHECKING:
    from api.services import TenantKnowledgeBase

# A concern under the answer threshold is answered when its likeliest situation is at least this sure and
# fits its article, and the concern is at least this confident. Read off the reply fit set (python -m
# evals.replies --split fit): of its concerns under the threshold, the rule answers 4 more right, none wrong.
# Only a message's one concern: on the tuning emails, further concerns it answered were all wrong.
AGREEING_SITUATION_CONFIDENCE = 0.3
AGREEING_MIN_CONFIDENCE = 0.05


def situations(tenant_kb: TenantKnowledgeBase, given: Situation | None, reading: Reading, concerns: list[Concern],
               guess: SituationGuess | None) -> tuple[Situation, float, list[Situation | None]]:
    """The message's situation and its confidence (``given`` by the caller: 1.0), and each concern's own.

    The message's (``guess``: read from the customer's words and their surest concern) is asserted only
    when the detector is sure (else ``general``) and when it fits the article that answers: a template
    names the articles its situation fits. A message that asks nothing and is likeliest a farewell, or that
    thanks us calmly, is a farewell: thanks are never answered with an article.
    """
    if guess is None:
        return given, 1.0, [None] * len(concerns)
    text = reading.message.text
    if not any(segment.asks for segment in reading.segments) and (
            guess.likeliest is Situation.FAREWELL or (thanks(text) and not anger_score(text))):
        return Situation.FAREWELL, guess.confidence, [None] * len(concerns)
    surest = max(concerns, key=lambda concern: (concern.answered, concern.confidence))
    own = [_asserted(tenant_kb, tenant_kb.situations.detect(concern.text, concern.vector).situation, concern.article_id)
           if len(concerns) > 1 else None for concern in concerns]
    return _asserted(tenant_kb, guess.situation, surest.article_id), guess.confidence, own


def agreed(tenant_kb: TenantKnowledgeBase, concern: Concern, guess: SituationGuess) -> Concern:
    """A message's one concern, answered when it is under the answer threshold but its situation and its
    article agree: the message is likeliest a situation (``guess``, surely enough) whose template lists the
    concern's article (a late parcel and the delivery-delay article), and the concern is not far under the
    bar. Only for a message's one concern: several concerns' own words are too few to tell a situation,
    and on the tuning emails the rule added only wrong further answers."""
    if concern.answered or not concern.hits or concern.confidence < AGREEING_MIN_CONFIDENCE:
        return concern
    articles = tenant_kb.templates.templates[guess.likeliest].articles
    agree = (guess.confidence >= AGREEING_SITUATION_CONFIDENCE and articles is not None
             and concern.hits[0].article.id in articles)
    return replace(concern, answered=True) if agree else concern


def _asserted(tenant_kb: TenantKnowledgeBase, situation: Situation, article_id: str | None) -> Situation:
    """The situation as a reply may assert it: general when it does not fit the answering article (and a
    farewell only as the message's own, see :func:`situations`)."""
    fits = situation is not Situation.FAREWELL and tenant_kb.templates.templates[situation].fits(article_id)
    return situation if fits else Situation.GENERAL
