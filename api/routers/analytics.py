"""/v1/analytics: top and unanswered questions, answer and deflection rates, counts per day and coverage gaps
(admin scope), each as JSON or as a CSV download (``format=csv``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import AfterValidator

from api import analytics, export, gaps
from api.auth import AdminCaller, Caller
from api.deps import AnswerServiceDep
from api.export import ExportFormat
from api.routing import TextCheckedRoute
from api.schemas import (
    ERROR_RESPONSES,
    AnalyticsSummary,
    CoverageGaps,
    DailyAnalytics,
    DayCounts,
    ErasedQueries,
    GapArticle,
    GapCluster,
    GapQuestion,
    QuestionStat,
    UnansweredStat,
)
from api.services import AnswerService
from kb.models import Channel, Language
from kb.stores import QuestionCounts

router = APIRouter(prefix="/v1/analytics", tags=["analytics"], responses=ERROR_RESPONSES, route_class=TextCheckedRoute)
DEFAULT_PERIOD = timedelta(days=30)


def in_utc(moment: datetime) -> datetime:
    """A query's moment in UTC, as the store compares them (a moment without a time zone is UTC).

    Raises:
        ValueError: in UTC it falls before year 1 or after year 9999 (``0001-01-01T00:00:00+05:00``).
    """
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:
        edge = "before year 1" if moment.year == datetime.min.year else "after year 9999"
        raise ValueError(f"{moment.isoformat()} is {edge} in UTC; send a moment from 0001-01-01T00:00:00Z "
                         "to 9999-12-31T23:59:59Z") from None


Moment = Annotated[datetime, AfterValidator(in_utc)]
Since = Annotated[Moment | None, Query(description="from this moment (ISO 8601; default: 30 days before until)")]
Until = Annotated[Moment | None, Query(description="until this moment (default: now)")]
LanguageFilter = Annotated[Language | None, Query(description="only answers in this language")]
ChannelFilter = Annotated[Channel | None, Query(description="only answers on this channel")]
Limit = Annotated[int, Query(ge=1, le=500, description="how many questions")]


def logged_period(services: AnswerService, since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """The period ``[since, until)`` asked for (until now and from 30 days before ``until`` by default),
    once every answer given so far is in the store.

    Raises:
        HTTPException: 422 when the period is empty or its default start falls before year 1.
    """
    until = until or datetime.now(UTC)
    if since is None:
        if until - datetime.min.replace(tzinfo=UTC) < DEFAULT_PERIOD:
            raise HTTPException(status_code=422, detail=f"until: {until.isoformat()} is less than "
                                                        f"{DEFAULT_PERIOD.days} days after year 1, so the default "
                                                        "period cannot start before it: send since as well")
        since = until - DEFAULT_PERIOD
    if since >= until:
        raise HTTPException(status_code=422, detail="since must be earlier than until")
    services.answer_log.flush()
    return since, until


def questions(services: AnswerService, caller: Caller, since: datetime, until: datetime, language: Language | None,
              channel: Channel | None, unanswered: bool = False) -> list[QuestionCounts]:
    """The caller's answers in the period (as :func:`logged_period` gives it) counted per question text."""
    return services.store.answers.question_counts(caller.tenant, since, until, _value(language), _value(channel),
                                                  unanswered)


@router.get("/summary", response_model=AnalyticsSummary, responses=export.CSV_RESPONSE,
            summary="Answer, helpful and deflection rates",
            description=f"CSV: one row per language and channel, then the total (language and channel "
                        f"`{export.TOTAL}`); the drafts' and mailboxes' counts are in the JSON only.")
def get_summary(services: AnswerServiceDep, caller: AdminCaller, since: Since = None, until: Until = None,
                language: LanguageFilter = None, channel: ChannelFilter = None,
                export_format: ExportFormat = "json") -> AnalyticsSummary | Response:
    since, until = logged_period(services, since, until)
    groups = services.store.answers.counts(caller.tenant, since, until, _value(language), _value(channel))
    mail = services.store.mail_messages.counts(caller.tenant, since, until) if channel in (None, Channel.EMAIL) else {}
    drafts = services.store.answers.draft_counts(caller.tenant, since, until)
    report = AnalyticsSummary(**analytics.summary(groups), drafts=drafts, mailbox=mail)
    if export_format == "csv":
        return export.csv_response("summary", since, until, *export.summary_table(report))
    return report


@router.get("/daily", response_model=DailyAnalytics, responses=export.CSV_RESPONSE,
            summary="Answers, handoffs, feedback and deflection per day (UTC), language and channel")
def get_daily(services: AnswerServiceDep, caller: AdminCaller, since: Since = None, until: Until = None,
              language: LanguageFilter = None, channel: ChannelFilter = None,
              export_format: ExportFormat = "json") -> DailyAnalytics | Response:
    since, until = logged_period(services, since, until)
    groups = services.store.answers.daily_counts(caller.tenant, since, until, _value(language), _value(channel))
    report = DailyAnalytics(days=[DayCounts(**day) for day in analytics.daily(groups)])
    if export_format == "csv":
        return export.csv_response("daily", since, until, *export.daily_table(report))
    return report


@router.get("/top-questions", response_model=list[QuestionStat], responses=export.CSV_RESPONSE,
            summary="The most asked questions")
def get_top_questions(services: AnswerServiceDep, caller: AdminCaller, since: Since = None, until: Until = None,
                      language: LanguageFilter = None, channel: ChannelFilter = None, limit: Limit = 20,
                      export_format: ExportFormat = "json") -> list[QuestionStat] | Response:
    since, until = logged_period(services, since, until)
    report = [QuestionStat(**item) for item in
              analytics.top_questions(questions(services, caller, since, until, language, channel), limit)]
    if export_format == "csv":
        return export.csv_response("top-questions", since, until, *export.top_questions_table(report))
    return report


@router.get("/unanswered", response_model=list[UnansweredStat], responses=export.CSV_RESPONSE,
            summary="Questions without an answer or with an answer marked not helpful",
            description="CSV: a `reasons.<reason>` column per feedback reason.")
def get_unanswered(services: AnswerServiceDep, caller: AdminCaller, since: Since = None, until: Until = None,
                   language: LanguageFilter = None, channel: ChannelFilter = None, limit: Limit = 20,
                   export_format: ExportFormat = "json") -> list[UnansweredStat] | Response:
    since, until = logged_period(services, since, until)
    asked = questions(services, caller, since, until, language, channel, unanswered=True)
    report = [UnansweredStat(**item) for item in analytics.unanswered_questions(asked, limit)]
    if export_format == "csv":
        return export.csv_response("unanswered", since, until, *export.unanswered_table(report))
    return report


@router.get("/gaps", response_model=CoverageGaps, responses=export.CSV_RESPONSE,
            summary="Unanswered and low-confidence questions clustered by meaning across languages",
            description="CSV: one row per cluster, its questions joined with ` | `, a `languages.<language>` "
                        "column per language.")
def get_gaps(services: AnswerServiceDep, caller: AdminCaller, since: Since = None, until: Until = None,
             language: LanguageFilter = None, channel: ChannelFilter = None,
             limit: Annotated[int, Query(ge=1, le=500, description="how many clusters")] = 20,
             export_format: ExportFormat = "json") -> CoverageGaps | Response:
    since, until = logged_period(services, since, until)
    asked = gaps.weak_questions(services.store.answers.rows(caller.tenant, since, until), since, until,
                                services.settings.answer_threshold, _value(language), _value(channel))
    found = gaps.find_gaps(asked, partial(services.gap_vectors.vectors, caller.tenant), services.gap_vectors.offsets,
                           gaps.nearest_articles(services.tenant_kb(caller.tenant).index), limit)
    report = CoverageGaps(weak_questions=found.weak_questions, clustered_texts=found.clustered_texts,
                          left_out_texts=found.left_out_texts, clusters=[GapCluster(
                              size=gap.size, texts=gap.texts, first_half=gap.first_half, second_half=gap.second_half,
                              languages=gap.languages, questions=[GapQuestion(
                                  text=question.text, language=question.languages.most_common(1)[0][0],
                                  asked=question.count) for question in gap.questions],
                              nearest_article=gap.nearest_article and GapArticle(
                                  id=gap.nearest_article.article_id, title=gap.nearest_article.title,
                                  score=gap.nearest_article.score)) for gap in found.clusters])
    if export_format == "csv":
        return export.csv_response("gaps", since, until, *export.gaps_table(report))
    return report


@router.delete("/queries", response_model=ErasedQueries, summary="Erase the query text of answers (privacy)")
def delete_queries(services: AnswerServiceDep, caller: AdminCaller,
                   before: Annotated[Moment | None, Query(description="erase text older than this "
                                                                      "(default: all)")] = None) -> ErasedQueries:
    services.answer_log.flush()
    erased = services.store.answers.forget_queries(caller.tenant, before or datetime.now(UTC) + timedelta(seconds=1))
    return ErasedQueries(erased=erased)


def _value(choice: Language | Channel | None) -> str | None:
    return choice.value if choice else None
