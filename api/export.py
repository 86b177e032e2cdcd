"""Analytics reports as CSV for a team's own BI: a header row, then one row per item, UTF-8, each value
written as the JSON response has it (moments ISO 8601, rates as decimals, an absent value empty).

Nested fields are flattened with dotted column names (``nearest_article.id``, ``languages.ja``,
``reasons.not_related``); a gap cluster's questions are joined in one cell. A text cell that a spreadsheet
would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return: a customer's
question can be anything) gets a leading ``'``, so it shows as the text it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import Query, Response

from api.schemas import (
    AnalyticsSummary,
    CoverageGaps,
    DailyAnalytics,
    DayCounts,
    FeedbackReason,
    QuestionStat,
    Rates,
    UnansweredStat,
)
from kb.models import Language

ExportFormat = Annotated[Literal["json", "csv"], Query(alias="format", description="json (the default) or csv: "
                                                                                    "a header row, one row per item")]
# the 200 response's CSV form, beside the JSON one, for the OpenAPI document
CSV_RESPONSE: dict[int | str, dict] = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUESTIONS_SEPARATOR = " | "
TOTAL = "all"  # the language and channel of the summary's total row
Row = dict[str, Any]


def csv_response(report: str, since: datetime, until: datetime, columns: Sequence[str], rows: list[Row]) -> Response:
    """A CSV download of a report.

    Args:
        report: the report's name, e.g. ``daily`` (the file is ``<report>-<since>-<until>.csv``).
        since: the period's start.
        until: the period's end.
        columns: the header row.
        rows: one mapping per row, by column (a missing or None value is an empty cell).

    Returns:
        ``text/csv`` in UTF-8, as an attachment.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([[_cell(row.get(column)) for column in columns] for row in rows])
    filename = f"{report}-{since.date().isoformat()}-{until.date().isoformat()}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def summary_table(summary: AnalyticsSummary) -> tuple[list[str], list[Row]]:
    """One row per language and channel, then the total (language and channel ``all``)."""
    rows = [group.model_dump(mode="json") for group in summary.by_language_and_channel]
    rows.append({"language": TOTAL, "channel": TOTAL, **summary.total.model_dump(mode="json")})
    return ["language", "channel", *Rates.model_fields], rows


def daily_table(daily: DailyAnalytics) -> tuple[list[str], list[Row]]:
    return list(DayCounts.model_fields), [day.model_dump(mode="json") for day in daily.days]


def top_questions_table(questions: list[QuestionStat]) -> tuple[list[str], list[Row]]:
    return list(QuestionStat.model_fields), [question.model_dump(mode="json") for question in questions]


def unanswered_table(questions: list[UnansweredStat]) -> tuple[list[str], list[Row]]:
    """One row per question, a ``reasons.<reason>`` column per feedback reason."""
    reasons = [f"reasons.{reason}" for reason in get_args(FeedbackReason)]
    columns = [name for name in UnansweredStat.model_fields if name != "reasons"]
    return [*columns, *reasons], [{**question.model_dump(mode="json", exclude={"reasons"}),
                                   **{f"reasons.{reason}": count for reason, count in question.reasons.items()}}
                                  for question in questions]


def gaps_table(gaps: CoverageGaps) -> tuple[list[str], list[Row]]:
    """One row per cluster: a ``languages.<language>`` column per language, its questions' texts joined
    (the most central first), its nearest article's id, title and score."""
    columns = ["size", "texts", "first_half", "second_half", *(f"languages.{language.value}" for language in Language),
               "questions", "nearest_article.id", "nearest_article.title", "nearest_article.score"]
    rows = []
    for cluster in gaps.clusters:
        row = {**cluster.model_dump(mode="json", exclude={"languages", "questions", "nearest_article"}),
               **{f"languages.{language}": count for language, count in cluster.languages.items()},
               "questions": QUESTIONS_SEPARATOR.join(question.text for question in cluster.questions)}
        if cluster.nearest_article is not None:
            row.update({f"nearest_article.{name}": value
                        for name, value in cluster.nearest_article.model_dump(mode="json").items()})
        rows.append(row)
    return columns, rows


def _cell(value: Any) -> Any:
    """A value (as the JSON response has it) as a CSV cell: None empty, a text that would start a formula
    with a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value

