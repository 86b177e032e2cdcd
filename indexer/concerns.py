"""Find a message's concerns from the articles its segments retrieve.

Every segment of the customer's own text (see :mod:`kb.segments`) is searched on its own, each
asking segment also with the sentence before it, and the subject line too.
Each of those searches is a vote for its best article with its calibrated confidence. The votes
for one article are its evidence, and a small logistic model turns the evidence into the
concern's confidence: how the votes of the customer's questions and requests add up (noisy-or),
and the subject's vote; a subject the body does not back ("Re: <the old topic>") answers only a
body that asks nothing answerable. So a right article that a long mail circles
around in several sentences is as sure as the same question asked alone, and a stray statement
("thanks, the invoice is sorted now") that happens to match an article does not become a concern
next to the question the customer asked. The model is fitted by ``python -m evals.concerns`` on the
dev and tune messages (never on the held-out ones); a message of one segment keeps the
single-question confidence.

Concerns are then:

* answered: an article whose evidence reaches the answer threshold;
* open: a segment that asks something no article answers, unless it is only a plea for help
  ("what should I do?"), the context of an answered question, or too short to say anything;
* at most ``MAX_CONCERNS``, answered before open, surer before less sure, in message order.

A message with no concern at all is one open concern: its most confident segment.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from indexer.search import ArticleHit
from kb.segments import Segment, weight

MAX_CONCERNS = 3
# An unanswered question shorter than this (see kb.segments.weight) carries no concern of its own.
MIN_OPEN_QUESTION_WEIGHT = 28
# (intercept, noisy-or of the body's asking votes, the subject's vote), from `python -m evals.concerns` when
# statements were still searched; fitted again on the questions alone it gives (-3.56, 7.85, 2.91), which
# leaves 62 of the 80 tuning emails usable against these coefficients' 64, so these stay
COEFFICIENTS = (-4.55, 8.94, 3.64)
# The confidence a concern beside a surer one needs to be answered too.
FURTHER_CONCERN_CONFIDENCE = 0.6
# Pleas that ask for help without saying for what.
PLEA = re.compile(
    r"(?i:what (?:should|can|do) i do|what now|what happens now|help me|please (?:help|advise|check|look into)"
    r"|let me know|any (?:update|ideas?)|can you (?:check|help|look)|could you (?:check|help|look)"
    r"|is (?:this|that) normal|what are my options|how (?:do|can) (?:we|i) (?:fix|solve|sort) this"
    r"|ką (?:man )?daryti|ka (?:man )?daryti|padėkite|padekite|prašau padėti|prasau padeti|kas toliau|ar tai normalu)"
    r"|どうすれば(?:よい|いい)|どうしたら(?:よい|いい)|ご確認(?:を)?お願い|ご対応(?:を)?お願い|確認してください|助けて"
    r"|怎么办|帮帮我|请帮忙|帮我看|麻烦看|请尽快处理|怎么回事|请处理")


@dataclass(frozen=True)
class SegmentResult:
    """A searched text of the message (a segment, another reading of one, the subject) with what it found."""

    segment: Segment
    hits: list[ArticleHit]
    confidence: float
    vector: np.ndarray

    @property
    def covers(self) -> tuple[int, ...]:
        return self.segment.covers

    @property
    def article_id(self) -> str | None:
        return self.hits[0].article.id if self.hits else None


@dataclass(frozen=True)
class Evidence:
    """The votes of a message's searched texts for one article."""

    article_id: str
    votes: list[SegmentResult]

    @property
    def asking(self) -> list[SegmentResult]:
        """Its votes from questions and requests of the body (not the subject)."""
        return [vote for vote in self.votes if vote.segment.asks and vote.segment.position >= 0]

    def features(self) -> tuple[float, float]:
        """(noisy-or of the votes of the body's questions and requests, the subject's vote)."""
        subject = [vote.confidence for vote in self.votes if vote.segment.position < 0]
        return (_noisy_or([vote.confidence for vote in self.asking]), max(subject, default=0.0))

    @property
    def asked_alone(self) -> float:
        """The confidence of its surest vote from a question or request of the body, as if asked alone."""
        return max((vote.confidence for vote in self.asking), default=0.0)

    @property
    def turned_to(self) -> bool:
        """Whether a question or request that votes for it opens another topic ("Also, ...")."""
        return any(vote.segment.asks and vote.segment.new_topic for vote in self.votes)

    @property
    def from_body(self) -> bool:
        """Whether a question or request of the body votes for it too (a subject alone is often the old
        topic: "Re: ...")."""
        return bool(self.asking)

    def confidence(self) -> float:
        """Calibrated probability that the message asks about this article; a question the customer turned
        to with "Also, ..." is as sure as when asked alone."""
        intercept, *weights = COEFFICIENTS
        z = intercept + sum(w * x for w, x in zip(weights, self.features()))
        alone = max((vote.confidence for vote in self.votes if vote.segment.asks and vote.segment.new_topic),
                    default=0.0)
        return max(alone, 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z)))))


@dataclass(frozen=True)
class Concern:
    """One thing the customer asked about.

    ``text`` is the customer's words; ``hits`` are those of its surest vote; ``answered`` when its
    confidence reaches the threshold.
    """

    text: str
    position: int
    hits: list[ArticleHit]
    confidence: float
    answered: bool
    vector: np.ndarray

    @property
    def article_id(self) -> str | None:
        return self.hits[0].article.id if self.answered else None


def gather_evidence(results: list[SegmentResult], threshold: float) -> list[Evidence]:
    """Every searched text's vote, grouped by the article it votes for (``threshold``: the answer threshold,
    see :func:`_one_reading_each`)."""
    results = _one_reading_each(results, threshold)
    votes: dict[str, list[SegmentResult]] = {}
    for result in results:
        if result.hits:
            votes.setdefault(result.article_id, []).append(result)
    return [Evidence(article_id, group) for article_id, group in votes.items()]


def find_concerns(results: list[SegmentResult], words: dict[int, str], threshold: float,
                  max_concerns: int = MAX_CONCERNS) -> list[Concern]:
    """Group a message's searched texts into concerns.

    Args:
        results: the searched texts (:func:`kb.segments.to_search`) with what they found.
        words: every segment's text by position (the customer's words of the concerns).
        threshold: the answer threshold on calibrated confidence.
        max_concerns: most concerns kept.

    Returns:
        The concerns in message order (at least one when anything was searched).
    """
    evidence = gather_evidence(results, threshold)
    if len(words) == 1:  # a question asked alone keeps its own confidence
        scored = [(item, max(vote.confidence for vote in item.votes)) for item in evidence]
    else:
        scored = [(item, item.confidence()) for item in evidence]
    answered = [(item, sure) for item, sure in scored if sure >= threshold and item.from_body]
    if not answered:  # the surest question of the body is as sure as when asked alone
        alone = [(item, item.asked_alone) for item in evidence if item.from_body]
        answered = [max(alone, key=lambda pair: pair[1])] if alone else []
        answered = [(item, sure) for item, sure in answered if sure >= threshold]
    if not answered:  # the subject stands for a message whose body asks nothing answerable
        answered = [(item, sure) for item, sure in scored if sure >= threshold]
    # the surest answer needs the threshold; every further one more, unless the customer turned to it with
    # words such as "Also, ...": a wrong extra answer costs a whole reply
    answered.sort(key=lambda pair: -pair[1])
    answered = answered[:1] + [(item, sure) for item, sure in answered[1:]
                               if sure >= max(threshold, FURTHER_CONCERN_CONFIDENCE) or item.turned_to]
    concerns = [_concern(item, sure, True, words) for item, sure in answered]
    # a question that voted for an answered article, or that a sure vote read as context, is no open question
    taken = {position for item, _ in answered for vote in item.votes for position in vote.covers
             if len(vote.covers) == 1 or vote.confidence >= threshold}
    single = [result for result in results if len(result.covers) == 1]
    concerns += [_concern(Evidence(result.article_id or "", [result]), result.confidence, False, words)
                 for result in single if result.covers[0] not in taken and _is_open_question(result)]
    if not concerns:
        candidates = single or results
        if not candidates:
            return []
        best = max(candidates, key=lambda result: result.confidence)
        return [_concern(Evidence(best.article_id or "", [best]), best.confidence, False, words)]
    concerns.sort(key=lambda concern: (not concern.answered, -concern.confidence))
    return sorted(concerns[:max_concerns], key=lambda concern: concern.position)


def _one_reading_each(searched: list[SegmentResult], threshold: float) -> list[SegmentResult]:
    """A question read alone and with the sentence before it is one question: when the two readings find
    different articles and the reading with context is sure, the question alone does not vote ("I get your
    newsletter every day. How do I cancel it?": alone it finds the membership, with its context the
    newsletter)."""
    alone = {result.segment.position: result for result in searched if len(result.covers) == 1 and result.hits}
    dropped = set()
    for result in searched:
        single = alone.get(result.segment.position)
        if (len(result.covers) > 1 and result.hits and single is not None and single.article_id != result.article_id
                and result.confidence >= threshold):
            dropped.add(id(single))
    return [result for result in searched if id(result) not in dropped]


def _is_open_question(result: SegmentResult) -> bool:
    text = result.segment.text
    return result.segment.asks and weight(text) >= MIN_OPEN_QUESTION_WEIGHT and not PLEA.search(text)


def _concern(evidence: Evidence, confidence: float, answered: bool, words: dict[int, str]) -> Concern:
    best = max(evidence.votes, key=lambda vote: vote.confidence)
    # the customer's words: the segments of its asking votes (all its votes when none asks)
    positions = sorted({position for vote in evidence.asking or evidence.votes for position in vote.covers})
    text = " ".join(words[position] for position in positions) or best.segment.text
    return Concern(text=text, position=positions[0] if positions else 0, hits=best.hits, confidence=confidence,
                   answered=answered, vector=best.vector)


def _noisy_or(confidences: list[float]) -> float:
    return 1.0 - float(np.prod([1.0 - c for c in confidences])) if confidences else 0.0
