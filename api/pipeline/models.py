"""What goes into the pipeline (a message) and what comes out (an answer, search results)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.compose import ReplyContext
from kb.formats import ReplyFormat
from kb.language import Detection
from kb.models import Channel, Language
from kb.reading import ReadMessage
from kb.references import Reference
from kb.segments import Segment
from kb.templates import Situation


@dataclass(frozen=True)
class Message:
    """A customer's message and where it was sent, as every boundary hands it over.

    Args:
        text: the whole message as it arrived: a question, a chat turn, or a mail with greeting,
            quoted thread and signature.
        channel: where it was asked; shapes the reply.
        subject: the mail's or ticket's subject.
        html: ``text`` is an HTML body.
        reply_format: the reply's form (text, markdown or html).
        language: the answer language; detected from the text when None.
        accept_language: an ``Accept-Language`` value, a tie-breaker for undecidable text.
        situation: the customer's situation; detected when None.
        top_k: how many articles to return.
        context: names and values the reply is filled with (customer, agent, company, timeframe, team).
    """

    text: str
    channel: Channel
    subject: str | None = None
    html: bool = False
    reply_format: ReplyFormat = ReplyFormat.TEXT
    language: Language | None = None
    accept_language: str | None = None
    situation: Situation | None = None
    top_k: int = 3
    context: ReplyContext = field(default_factory=ReplyContext)


@dataclass(frozen=True)
class Reading:
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


@dataclass(frozen=True)
class ArticleMatch:
    """An article found for a text, in the language it is shown in (``score``: the best field's cosine)."""

    id: str
    title: str
    score: float
    language: Language
    url: str | None = None  # on the tenant's help centre, when it has a link pattern
    pinned: bool = False  # first because a pin of the tenant put it there


@dataclass(frozen=True)
class ConcernAnswer:
    """One of the customer's concerns: its words, whether an article answers it, and its own situation
    when it differs from the message's."""

    text: str
    answered: bool
    confidence: float
    article: ArticleMatch | None
    situation: Situation | None
    handoff: bool


@dataclass(frozen=True)
class Answer:
    """The pipeline's answer to a message (confidences rounded to four places, as reported and logged)."""

    answer_id: str
    language: Language
    detected_language: Language
    requested_language: Language
    channel: Channel
    answered: bool
    confidence: float
    situation: Situation
    situation_confidence: float
    handoff: bool
    text: str
    parts: dict[str, str]
    articles: list[ArticleMatch]
    concerns: list[ConcernAnswer]
    references: list[Reference]

    @property
    def language_fallback(self) -> bool:
        """The answering article lacks the requested language."""
        return self.language != self.requested_language


@dataclass(frozen=True)
class SearchResult:
    id: str
    title: str
    summary: str
    score: float
    language: Language
    url: str | None = None
    pinned: bool = False


@dataclass(frozen=True)
class SearchResults:
    """A search box's ranking, and whether its first result is a confident answer."""

    query: str
    language: Language
    answered: bool
    confidence: float
    results: list[SearchResult]
