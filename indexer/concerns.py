"""Find a message's concerns from the articles its segments retrieve.

Every segment of the customer's own text (see :mod:`kb.segments`) is searched on its own, so each
has the same calibrated confidence as a question asked alone. Then:

* an asking segment is also searched together with the sentence before it (its context), and the
  surer of the two searches stands for it;
* a segment whose best article is a confident answer is a concern; segments landing on the same
  article are one concern (the customer said it twice, or explained it over two sentences); when
  some concern is asked for (a question or a request), statements that land on another article
  ("thanks, the invoice is sorted now") are not concerns;
* a segment that asks something (a question or a request) with no confident article is an
  unanswered concern, unless it is only a plea for help ("what should I do?") or continues an
  answered concern;
* the subject line joins the concern it agrees with, and stands for the message when the body has
  no concern of its own;
* at most ``MAX_CONCERNS`` are kept (answered before unanswered, surer before less sure), in
  message order.

A message with no concern at all is one unanswered concern: its most confident segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from indexer.search import ArticleHit
from kb.segments import Segment, weight

MAX_CONCERNS = 3
# An unanswered question shorter than this (see kb.segments.weight) carries no concern of its own.
MIN_OPEN_QUESTION_WEIGHT = 28
# Pleas that ask for help without saying for what.
PLEA = re.compile(
    r"(?i:what (?:should|can|do) i do|what now|help me|please (?:help|advise|check|look into)|let me know"
    r"|any (?:update|ideas?)|can you (?:check|help|look)|could you (?:check|help|look)|is (?:this|that) normal"
    r"|what are my options|how (?:do|can) (?:we|i) (?:fix|solve|sort) this|ką (?:man )?daryti|ka (?:man )?daryti"
    r"|padėkite|padekite|prašau padėti|prasau padeti|kas toliau|ar tai normalu)"
    r"|どうすれば(?:よい|いい)|どうしたら(?:よい|いい)|ご確認(?:を)?お願い|ご対応(?:を)?お願い|確認してください|助けて"
    r"|怎么办|帮帮我|请帮忙|帮我看|麻烦看|请尽快处理|怎么回事|请处理")


@dataclass(frozen=True)
class SegmentResult:
    """A segment with what its search found."""

    segment: Segment
    hits: list[ArticleHit]
    confidence: float
    vector: np.ndarray


@dataclass(frozen=True)
class Concern:
    """One thing the customer asked about.

    ``text`` is the customer's words (the segments joined); ``hits`` and ``confidence`` are those of
    its most confident segment; ``answered`` when that confidence reaches the threshold.
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


def find_concerns(results: list[SegmentResult], threshold: float, subject: SegmentResult | None = None,
                  in_context: list[SegmentResult] = (), max_concerns: int = MAX_CONCERNS) -> list[Concern]:
    """Group a message's searched segments into concerns.

    Args:
        results: the segments of the customer's text with their searches, in message order.
        threshold: the answer threshold on calibrated confidence.
        subject: the searched subject line, if the message has one.
        in_context: asking segments searched with the sentence before them (:func:`kb.segments.with_context`).
        max_concerns: most concerns kept.

    Returns:
        The concerns in message order (at least one when there is any segment).
    """
    surer = {result.segment.position: result for result in in_context}
    results = [max((result, surer.get(result.segment.position, result)), key=lambda r: r.confidence)
               for result in results]
    answered: dict[str, list[SegmentResult]] = {}
    for result in results:
        if result.hits and result.confidence >= threshold:
            answered.setdefault(result.hits[0].article.id, []).append(result)
    if any(result.segment.asks for group in answered.values() for result in group):
        answered = {article: group for article, group in answered.items()
                    if any(result.segment.asks for result in group)}
    if subject is not None and subject.hits and subject.confidence >= threshold and (
            not answered or subject.hits[0].article.id in answered):
        answered.setdefault(subject.hits[0].article.id, []).insert(0, subject)
    concerns = [_concern(group, True) for group in answered.values()]
    concerns += [_concern([result], False) for result in _open_questions(results, answered)]
    if not concerns:
        candidates = results or ([subject] if subject is not None else [])
        if not candidates:
            return []
        best = max(candidates, key=lambda result: result.confidence)
        return [_concern([best], False)]
    concerns.sort(key=lambda concern: (not concern.answered, -concern.confidence))
    return sorted(concerns[:max_concerns], key=lambda concern: concern.position)


def _open_questions(results: list[SegmentResult], answered: dict[str, list[SegmentResult]]) -> list[SegmentResult]:
    """Segments that ask something no article answers confidently, and that are a concern of their own."""
    questions = []
    for result in results:
        if not result.segment.asks or (result.hits and result.hits[0].article.id in answered):
            continue
        if any(result in group for group in answered.values()):
            continue
        if weight(result.segment.text) < MIN_OPEN_QUESTION_WEIGHT or PLEA.search(result.segment.text):
            continue
        questions.append(result)
    return questions


def _concern(group: list[SegmentResult], answered: bool) -> Concern:
    best = max(group, key=lambda result: result.confidence)
    body = sorted((result for result in group if result.segment.position >= 0), key=lambda r: r.segment.position)
    words = [result.segment.text for result in body or group]
    return Concern(text=" ".join(words), position=body[0].segment.position if body else 0, hits=best.hits,
                   confidence=best.confidence, answered=answered, vector=best.vector)
