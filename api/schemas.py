"""Request and response models of the HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.cors import normalise_origin
from api.pipeline import Message
from kb.compose import ReplyContext
from kb.formats import ReplyFormat
from kb.links import checked_article_url
from kb.models import ARTICLE_ID, RULES, ArticleContent, Channel, Language, VariantDocument
from kb.reading import MAX_MESSAGE_CHARS
from kb.stores import DraftAction, JobState, MailState, Scope
from kb.templates import Situation

MAX_TOP_K = 20
MAX_SUBJECT_CHARS = 1000
MAX_DRAFT_QUESTIONS = 50
MAX_DRAFT_QUESTION_CHARS = 1000
MAX_OFFSET = 1_000_000_000  # past any page a store holds; larger numbers overflow the database's integers


class MessageIn(BaseModel):
    """A customer's message and what the reply may use: what ``/v1/answer`` and ``/v1/suggest`` both take."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(..., max_length=MAX_MESSAGE_CHARS,
                       description="the customer's whole message as it arrived: a question, a chat turn, or a whole "
                                   "mail or ticket with greeting, quoted thread and signature (only the customer's "
                                   "own new words are read; README, 'Whole messages')",
                       examples=["Where is my parcel?"])
    subject: str | None = Field(None, max_length=MAX_SUBJECT_CHARS,
                                description="the mail's or ticket's subject; it often states the question")
    format: Literal["text", "html"] = Field("text", description="html: query is an HTML body (converted to text; "
                                                                "scripts, styles and quoted parts dropped)")
    language: Language | None = Field(None, description="answer language; detected from the query when absent")
    customer_name: str | None = Field(None, max_length=100, description="used in email/ticket greetings")
    top_k: int = Field(3, ge=1, le=MAX_TOP_K, description="how many articles to return")
    situation: Situation | None = Field(None, description="the customer's situation; detected when absent")
    agent_name: str | None = Field(None, max_length=100, description="signs email/ticket replies")
    company: str | None = Field(None, max_length=100, description="company name in replies")
    timeframe: str | None = Field(None, max_length=100,
                                  description="when the next step happens, in the answer language "
                                              "(e.g. 'within two business days'); the template's default otherwise")
    team: str | None = Field(None, max_length=100,
                             description="the team a case is passed to, in the answer language (e.g. 'our billing "
                                         "team'); named when no article answers a transfer; the frame's default "
                                         "otherwise")
    category: str | None = Field(None, max_length=100, description="answer only from articles of this category")
    product: str | None = Field(None, max_length=100, description="answer only from articles about this product")
    tags: list[str] = Field([], max_length=20, description="answer only from articles with all of these tags")

    @field_validator("query")
    @classmethod
    def query_has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query must contain some text, not only whitespace")
        return value.strip()

    def message(self, channel: Channel, reply_format: ReplyFormat, accept_language: str | None = None) -> Message:
        """The request as the answer pipeline takes it (``accept_language``: the header, a tie-breaker)."""
        return Message(text=self.query, channel=channel, subject=self.subject, html=self.format == "html",
                       reply_format=reply_format, language=self.language, accept_language=accept_language,
                       situation=self.situation, top_k=self.top_k,
                       context=ReplyContext(self.customer_name, self.agent_name, self.company, self.timeframe,
                                            self.team))


class AnswerRequest(MessageIn):
    """A customer's question and where it was asked."""

    channel: Channel = Field(..., description="help_page, contact_form, chat, chatbot, email or ticket")
    reply_format: ReplyFormat = Field(ReplyFormat.TEXT,
                                      description="the reply's form: text (plain, no Markdown markers: chat, SMS), "
                                                  "markdown, or html (a fragment for ticket editors; nothing from "
                                                  "articles or the customer passes as markup)")

    def to_message(self, accept_language: str | None = None) -> Message:
        """The request as the answer pipeline takes it (``accept_language``: the header, a tie-breaker)."""
        return self.message(self.channel, self.reply_format, accept_language)


class SuggestRequest(MessageIn):
    """A ticket (or mail) an agent is looking at, from a help desk's sidebar app or automation."""

    channel: Literal[Channel.TICKET, Channel.EMAIL] = Field(Channel.TICKET, description="ticket or email: the "
                                                                                        "draft's shape")


class ArticleRef(BaseModel):
    id: str
    title: str
    score: float = Field(..., description="cosine similarity of the best-matching field")
    language: Language
    url: str | None = Field(None, description="the article on the tenant's help centre (PUT /v1/links sets the "
                                              "pattern; null without one)")
    pinned: bool = Field(False, description="first because one of the tenant's pins matched (PUT /v1/pins)")


class ConcernOut(BaseModel):
    text: str = Field(..., description="the customer's words for this concern")
    answered: bool = Field(..., description="false when no article answers it confidently (a human follows up)")
    confidence: float = Field(..., ge=0, le=1, description="calibrated probability that its article is right")
    article: ArticleRef | None = Field(..., description="the article that answers it (its best match when unanswered)")
    situation: Situation | None = Field(None, description="its own situation, when it differs from the message's")
    handoff: bool = Field(..., description="true when a human should follow this concern up")


class ReferenceOut(BaseModel):
    kind: str = Field(..., description="the tenant's name for the kind of reference, e.g. order_number")
    value: str = Field(..., description="as the message wrote it, e.g. BC-123456")


class AnswerResponse(BaseModel):
    answer_id: str
    language: Language = Field(..., description="language of the answer text")
    detected_language: Language
    requested_language: Language = Field(..., description="the language asked for (explicit or detected)")
    language_fallback: bool = Field(..., description="true when the article lacks the requested language")
    channel: Channel
    answered: bool = Field(..., description="false when a concern has no confident answer")
    confidence: float = Field(..., ge=0, le=1, description="the least confident concern's confidence")
    situation: Situation = Field(..., description="the customer's situation (detected or given)")
    situation_confidence: float = Field(..., ge=0, le=1, description="1.0 when the caller gave the situation")
    handoff: bool = Field(..., description="true when a human should take over (no answer, or a specialist asked for)")
    text: str = Field(..., description="the composed answer, shaped for the channel, in the requested reply_format")
    parts: dict[str, str] = Field(..., description="the answer's parts in order: greeting, acknowledgement, "
                                                    "solution, follow_up (open concerns), agreement, closing, "
                                                    "signature (as the channel uses them)")
    articles: list[ArticleRef] = Field(..., description="the merged ranking: each concern's article first")
    concerns: list[ConcernOut] = Field(..., description="the customer's separate concerns in message order (at most "
                                                        "three); answered is true when every one is answered")
    references: list[ReferenceOut] = Field(..., description="order numbers and the like the message gave; the reply "
                                                            "never asks for them again")


class SuggestedArticle(BaseModel):
    id: str
    title: str
    snippet: str = Field(..., description="the article's summary, in the language shown")
    url: str | None = Field(..., description="the article on the tenant's help centre (null without a pattern)")
    score: float
    language: Language


class Draft(BaseModel):
    text: str = Field(..., description="the composed reply as plain text")
    html: str = Field(..., description="the same reply as an HTML fragment for the help desk's editor")


class SuggestResponse(BaseModel):
    """What a sidebar shows for a ticket, in one response: the draft, its sources and whether to hand over."""

    answer_id: str = Field(..., description="for POST /v1/suggest/{answer_id}/feedback")
    language: Language
    answered: bool = Field(..., description="every concern has a confident answer")
    confidence: float = Field(..., ge=0, le=1, description="the least confident concern's confidence")
    situation: Situation
    handoff: bool = Field(..., description="true when a person should answer rather than send the draft")
    handoff_reason: str | None = Field(..., description="why, in words for the agent")
    draft: Draft
    articles: list[SuggestedArticle] = Field(..., description="the sources: each concern's article first")
    concerns: list[ConcernOut]


class DraftFeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: DraftAction = Field(..., description="used (sent as suggested), edited (sent after changes) or rejected")
    reason: str | None = Field(None, max_length=200, description="why it was edited or rejected, e.g. "
                                                                 "'wrong article', 'outdated'")


class LinksIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    article_url: str | None = Field(..., max_length=500,
                                    description="the help centre's article URL with {id} and optionally {language}, "
                                                "e.g. https://help.example.com/{language}/articles/{id}; null: none")

    @field_validator("article_url")
    @classmethod
    def is_pattern(cls, value: str | None) -> str | None:
        return checked_article_url(value) if value is not None else None


class LinksOut(BaseModel):
    article_url: str | None


class SearchResult(BaseModel):
    id: str
    title: str
    summary: str
    score: float
    language: Language
    url: str | None = Field(None, description="the article on the tenant's help centre (null without a pattern)")
    pinned: bool = Field(False, description="first because one of the tenant's pins matched (PUT /v1/pins)")


class SearchResponse(BaseModel):
    query: str
    language: Language
    answered: bool = Field(..., description="false when no article is a confident answer (a search box shows "
                                            "'no answer found' then)")
    confidence: float = Field(..., ge=0, le=1, description="calibrated probability that the first result is right")
    results: list[SearchResult]


class ArticleVariantOut(VariantDocument):  # kb's variant schema under the name the API has always given it
    pass


class ArticleIn(ArticleContent):
    """An article's content (its id is in the path). Checked like a knowledge-base file."""

    variants: dict[Language, ArticleVariantOut] = Field(..., description="the article per language")


class ArticleOut(ArticleIn):
    id: str
    version: int = Field(..., description="1 on creation, +1 per change; send it back in If-Match to update safely")
    updated_at: datetime


class DraftQuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(..., min_length=1, max_length=MAX_DRAFT_QUESTION_CHARS, description="as the customer asked it")
    language: Language = Field(..., description="the language it was asked in: its variant of the draft")

    @field_validator("text")
    @classmethod
    def has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must contain some text, not only whitespace")
        return value


class DraftIn(BaseModel):
    """Questions to draft an article from (a coverage gap's cluster: ``GET /v1/analytics/gaps``)."""

    model_config = ConfigDict(extra="forbid")

    questions: list[DraftQuestionIn] = Field(..., min_length=1, max_length=MAX_DRAFT_QUESTIONS,
                                             description="the most central first: each language's first question "
                                                         "gives its variant's title")
    id: str | None = Field(None, description="the draft's id (default: made from the title, unused in the tenant)")
    category: str | None = Field(None, min_length=1, max_length=100,
                                 description="the draft's category (default: uncategorised)")

    @field_validator("id")
    @classmethod
    def is_article_id(cls, value: str | None) -> str | None:
        return _article_id(value)

    @field_validator("category")
    @classmethod
    def has_category(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError(RULES["category"])
        return value.strip() if value else None


class PreviewIn(BaseModel):
    """A question and an article (saved or not) to see the reply with."""

    model_config = ConfigDict(extra="forbid")

    article: ArticleIn = Field(..., description="the article as for PUT /v1/articles/{id}, saved or not, of any "
                                                "visibility")
    id: str | None = Field(None, description="its id when it is saved (a situation's template may name the "
                                             "articles it fits)")
    question: str = Field(..., min_length=1, max_length=MAX_MESSAGE_CHARS, description="the customer's message")
    channel: Channel = Field(..., description="help_page, contact_form, chat, chatbot, email or ticket")
    language: Language | None = Field(None, description="answer language; detected from the question when absent")

    @field_validator("id")
    @classmethod
    def is_article_id(cls, value: str | None) -> str | None:
        return _article_id(value)

    @field_validator("question")
    @classmethod
    def question_has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must contain some text, not only whitespace")
        return value.strip()


class PreviewOut(BaseModel):
    channel: Channel
    language: Language = Field(..., description="language of the reply")
    text: str = Field(..., description="the reply as plain text, as POST /v1/answer gives it")
    html: str = Field(..., description="the same reply as an HTML fragment")


class ArticlePage(BaseModel):
    items: list[ArticleOut]
    total: int = Field(..., description="articles in all")
    offset: int
    limit: int


class ImportItem(BaseModel):
    id: str | None = Field(..., description="the article id (None when the item had none)")
    status: Literal["created", "updated", "unchanged", "rejected"]
    version: int | None = None
    error: str | None = Field(None, description="why the item was rejected")


class ImportReport(BaseModel):
    created: int
    updated: int
    unchanged: int
    rejected: int
    items: list[ImportItem]


class KeyIn(BaseModel):
    """A new API key, as both ``POST /v1/keys`` and ``python -m api.admin keys create`` check it."""

    model_config = ConfigDict(extra="forbid")

    scopes: list[Scope] = Field(..., min_length=1, description="search, answer and/or admin")
    name: str = Field("", max_length=100, description="what the key is for, e.g. 'help centre widget'")
    rate_per_minute: int | None = Field(None, ge=0, le=1_000_000,
                                        description="its own rate limit in requests per minute, at most 1,000,000 "
                                                    "(0: none); the service's default otherwise")


class KeyOut(BaseModel):
    id: str
    scopes: list[Scope]
    name: str
    rate_per_minute: int | None
    created_at: datetime
    revoked_at: datetime | None = None


class NewKey(KeyOut):
    key: str = Field(..., description="the secret: shown only now, store it safely")


class OriginsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    origins: list[str] = Field(..., max_length=100, description="web origins whose pages may call the API with "
                                                                "this tenant's keys, e.g. https://help.example.com "
                                                                "(replaces the list; [] allows none)")

    @field_validator("origins")
    @classmethod
    def are_origins(cls, values: list[str]) -> list[str]:
        return sorted({normalise_origin(value) for value in values})


class OriginsOut(BaseModel):
    origins: list[str] = Field(..., description="the tenant's allowed origins (CORS), as browsers send them")


class TemplateSummary(BaseModel):
    name: str = Field(..., description="a situation, or _frame (greeting and signature of letters)")
    version: int = Field(..., description="0: the default; 1, 2, ...: the tenant's own versions")
    customised: bool


class TemplatePage(BaseModel):
    items: list[TemplateSummary]
    total: int
    offset: int
    limit: int


class TemplateOut(TemplateSummary):
    document: dict = Field(..., description="the template as its YAML file holds it")


FeedbackReason = Literal["not_related", "related_but_incomplete", "other"]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer_id: str = Field(..., max_length=64, description="the answer_id of a /v1/answer response")
    helpful: bool
    reason: FeedbackReason | None = None
    resolved: bool | None = Field(None, description="the answer solved the problem (no ticket needed)")
    contacted_support: bool | None = Field(None, description="the customer contacted support anyway")


class FeedbackOut(BaseModel):
    answer_id: str
    recorded: bool


class Rates(BaseModel):
    answers: int
    answered: int
    answer_rate: float | None = Field(..., description="answered / answers")
    feedback: int
    helpful_rate: float | None = Field(..., description="helpful / answers with feedback")
    outcomes: int = Field(..., description="answers whose outcome (resolved, contacted support) was reported")
    deflection_rate: float | None = Field(..., description="resolved without contacting support / outcomes")


class GroupRates(Rates):
    language: Language
    channel: Channel


class AnalyticsSummary(BaseModel):
    total: Rates
    by_language_and_channel: list[GroupRates]
    drafts: dict[str, int] = Field(..., description="what agents did with the drafts /v1/suggest gave in the period: "
                                                    "used, edited, rejected")
    mailbox: dict[str, int] = Field(..., description="the support mailboxes' messages first seen in the period, per "
                                                     "outcome: sent, drafted, skipped, failed, set_aside (their "
                                                     "answers are counted above under channel email; not split by "
                                                     "language; empty when another channel is asked for)")


class DayCounts(BaseModel):
    day: date = Field(..., description="a day in UTC")
    language: Language
    channel: Channel
    answers: int
    answered: int
    handoffs: int = Field(..., description="answers not answered (a person follows up)")
    feedback: int = Field(..., description="answers with feedback")
    helpful: int = Field(..., description="of those, marked helpful")
    outcomes: int = Field(..., description="answers whose outcome (resolved, contacted support) was reported")
    deflected: int = Field(..., description="of those, resolved without contacting support")


class DailyAnalytics(BaseModel):
    days: list[DayCounts] = Field(..., description="one row per day, language and channel that had answers, by day, "
                                                   "language and channel")


class QuestionStat(BaseModel):
    query: str
    count: int
    answer_rate: float | None
    last_asked: datetime


class UnansweredStat(BaseModel):
    query: str
    count: int
    not_answered: int
    not_helpful: int
    reasons: dict[str, int]
    last_asked: datetime


class GapArticle(BaseModel):
    id: str
    title: str = Field(..., description="in the language of its field closest to the cluster")
    score: float = Field(..., description="cosine between the cluster's centre and the article's closest field: "
                                          "high, a weak article; low, a gap")


class GapQuestion(BaseModel):
    text: str = Field(..., description="as last asked")
    language: str = Field(..., description="the language it was asked in most")
    asked: int = Field(..., description="times asked in the period")


class GapCluster(BaseModel):
    size: int = Field(..., description="weak questions in the cluster, repeats counted")
    texts: int = Field(..., description="distinct question texts in it")
    first_half: int = Field(..., description="asked in the first half of the period")
    second_half: int = Field(..., description="asked in the second half")
    languages: dict[str, int] = Field(..., description="questions per language")
    questions: list[GapQuestion] = Field(..., description="up to 5, the most central first")
    nearest_article: GapArticle | None


class CoverageGaps(BaseModel):
    weak_questions: int = Field(..., description="unanswered, not helpful or low-confidence questions in the period, "
                                                 "repeats counted")
    clustered_texts: int = Field(..., description="distinct texts clustered (the most asked)")
    left_out_texts: int = Field(..., description="distinct texts past the cap, not clustered")
    clusters: list[GapCluster] = Field(..., description="largest first")


class ErasedQueries(BaseModel):
    erased: int = Field(..., description="answers whose query text was erased")


class MailboxStatusOut(BaseModel):
    served_by: str | None = Field(..., description="the worker serving the mailbox now (None: none)")
    lease_expires_at: datetime | None
    last_poll_at: datetime | None = Field(..., description="the last poll that read the inbox")
    last_error: str | None = Field(..., description="the last error (server down, login refused, ...)")
    last_error_at: datetime | None
    messages: dict[str, int] = Field(..., description="messages per state: sent, drafted, skipped, failed, "
                                                      "set_aside, received, sending")


class MailMessageOut(BaseModel):
    message_id: str
    sender: str
    state: MailState
    reason: str | None = Field(..., description="why: the skip reason, the policy's decision, the last error")
    attempts: int
    retry_at: datetime | None
    answer_id: str | None = Field(..., description="the answer in the answer log (feedback, analytics)")
    reply_id: str | None = Field(..., description="the Message-ID of the reply sent or drafted")
    first_seen_at: datetime
    updated_at: datetime


class MailboxOut(BaseModel):
    name: str
    version: int
    updated_at: datetime
    settings: dict = Field(..., description="the settings as saved, without passwords (password_set says "
                                            "whether one is stored)")
    status: MailboxStatusOut
    recent: list[MailMessageOut] | None = Field(None, description="the latest messages, last changed first")


class MailboxCheckOut(BaseModel):
    idle: bool = Field(..., description="the IMAP server offers IDLE: new mail is read at once")
    move: bool = Field(..., description="it offers MOVE")


class FieldProblem(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    """Every error response: what went wrong and what to do, and for a 422 each field's problem."""

    detail: str
    errors: list[FieldProblem] | None = None


# The error responses every authenticated route may give, documented once (the API's own shape,
# not FastAPI's default validation error).
ERROR_RESPONSES: dict[int | str, dict] = {
    status: {"model": ErrorOut, "description": description} for status, description in (
        (400, "the body could not be read, or a header is malformed"),
        (401, "missing, invalid or revoked API key"),
        (403, "the key lacks the scope this needs"),
        (404, "no such resource for this tenant"),
        (409, "the resource changed meanwhile (version conflict)"),
        (412, "a precondition (If-Match: *) failed"),
        (413, "the request body is too large"),
        (422, "a field is invalid: the message names it"),
        (429, "the key's rate limit is reached; see Retry-After"),
        (503, "starting, or the store is unreachable; see Retry-After"),
    )}


class Health(BaseModel):
    status: str
    model: str | None = Field(None, description="when ready: the model folder in use (KB_MODEL / KB_MODEL_DIR)")
    encoder: str | None = Field(None, description="when ready: the model runtime and its precision")
    catching_up: list[str] | None = Field(None, description="tenants whose index is being opened and caught up with "
                                                            "the store now (their first requests wait for it; "
                                                            "others are served)")


class ConnectorJobOut(BaseModel):
    delivery_id: str
    ticket_id: str
    state: JobState
    reason: str | None = Field(..., description="why: the policy's decision, the ignore reason, the last error")
    attempts: int
    retry_at: datetime | None
    answer_id: str | None
    received_at: datetime
    updated_at: datetime


class ConnectorOut(BaseModel):
    id: str
    version: int
    updated_at: datetime
    receiver_path: str | None = Field(..., description="where the help desk sends its webhooks (POST, on this "
                                                       "server); null for a help desk that is polled (rt)")
    settings: dict = Field(..., description="the settings as saved, without secrets (secret_set, token_set say "
                                            "whether they are stored)")
    jobs: dict[str, int] = Field(..., description="deliveries per state: queued, running, writing, done, ignored, "
                                                  "failed, set_aside")
    recent: list[ConnectorJobOut] | None = Field(None, description="the latest deliveries, last changed first")


class Receipt(BaseModel):
    """What a help desk's webhook gets back at once; the work happens in the background."""

    delivery_id: str
    queued: bool = Field(..., description="false: this delivery was received before (a retry): nothing more happens")


def _article_id(value: str | None) -> str | None:
    if value is not None and not ARTICLE_ID.match(value):
        raise ValueError(RULES["id"])
    return value
