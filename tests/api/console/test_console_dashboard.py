"""The dashboard and the questions page in Debian's Chromium over the seeded answer log: the numbers shown are the
API's, filters and exports use the same period, a gap asked in three languages is one cluster, drafting an article
from it, a question that is markup shown as text; screenshots in every language."""

from __future__ import annotations

import json

import pytest

from tests.api.console.conftest import HOSTILE, open_route, seeded_days
from tests.browser import screenshot

LANGUAGES = ["en", "ja", "zh", "lt"]
DAILY_COUNTS = ["answers", "answered", "handoffs", "feedback", "helpful", "outcomes", "deflected"]
GROUP_RATES = ["answers", "answer_rate", "helpful_rate", "deflection_rate"]
READ_TABLE = """selector => [...document.querySelectorAll(`${selector} tbody tr`)].map(row =>
    [...row.cells].map(cell => { const value = cell.querySelector("data, time");
                                 return value ? (value.value ?? value.dateTime) : cell.textContent; }))"""


def number(value: str) -> float | None:
    """A <data> value as the API's number (an empty value: null)."""
    return float(value) if value else None


def api_period(console, **filters) -> dict[str, str]:
    return {**console.seeded.period, **filters}


def test_the_dashboard_shows_the_numbers_the_api_returns(page, console):
    open_route(page, console, "dashboard", **seeded_days(console))
    summary = console.api("GET", "/v1/analytics/summary", params=api_period(console)).json()
    daily = console.api("GET", "/v1/analytics/daily", params=api_period(console)).json()["days"]
    tiles = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll("[data-total]")].map(
        tile => [tile.dataset.total, tile.querySelector("data").value]))""")
    assert tiles and {key: number(value) for key, value in tiles.items()} == {
        key: summary["total"][key] for key in tiles}
    assert summary["total"]["answers"] == sum(row["answers"] for row in daily) > 0
    groups = page.evaluate(READ_TABLE, "#by-group")
    assert [[language, channel, *map(number, rates)] for language, channel, *rates in groups] == [
        [group["language"], group["channel"], *(group[key] for key in GROUP_RATES)]
        for group in summary["by_language_and_channel"]]
    page.locator("#daily-numbers summary").click()  # the table behind the charts, shown on request
    assert page.locator("#daily").is_visible()
    shown = page.evaluate(READ_TABLE, "#daily")
    assert [[day, language, channel, *map(int, counts)] for day, language, channel, *counts in shown] == [
        [row["day"], row["language"], row["channel"], *(row[key] for key in DAILY_COUNTS)] for row in daily]
    assert len({row["day"] for row in daily}) == 6  # every seeded day
    plotted = page.evaluate("""() => [...document.querySelectorAll("[data-chart] .dot, [data-chart] .bar")].map(
        mark => [mark.closest("[data-chart]").dataset.chart, mark.dataset.day, Number(mark.dataset.value)])""")
    per_day: dict[str, dict[str, int]] = {}
    for row in daily:
        totals = per_day.setdefault(row["day"], dict.fromkeys(DAILY_COUNTS, 0))
        for key in DAILY_COUNTS:
            totals[key] += row[key]
    assert sorted(mark[1:] for mark in plotted if mark[0] == "Answer rate") == sorted(
        [day, totals["answered"] / totals["answers"]] for day, totals in per_day.items())
    assert sorted(mark[1:] for mark in plotted if mark[0] == "Handed to an agent") == sorted(
        [day, totals["handoffs"]] for day, totals in per_day.items())
    titles = page.locator("[data-chart] svg > title").all_text_contents()
    assert titles == ["Answer rate", "Handed to an agent", "Solved without an agent", "Found helpful"]


def test_the_filters_narrow_the_dashboard_and_the_exports_use_them(page, console):
    days = seeded_days(console)
    open_route(page, console, "dashboard", **days)
    form = page.locator("form.filters")
    form.get_by_label("Language").select_option("ja")
    form.get_by_label("Channel").select_option("chat")
    form.get_by_role("button", name="Show").click()
    page.wait_for_function("() => location.hash.includes('language=ja') && location.hash.includes('channel=chat')")
    page.locator("section[data-page=dashboard]:not([aria-busy]) #daily").wait_for(state="attached")
    filters = api_period(console, language="ja", channel="chat")
    summary = console.api("GET", "/v1/analytics/summary", params=filters).json()
    assert [row[:2] for row in page.evaluate(READ_TABLE, "#by-group")] == [["ja", "chat"]]
    answers = page.locator("[data-total=answers] data").get_attribute("value")
    assert int(answers) == summary["total"]["answers"] > 0
    with page.expect_download() as download:
        page.locator("[data-export='daily.csv']").click()
    saved = download.value
    assert saved.suggested_filename == f"daily-{days['since']}-{days['until']}.csv"
    expected = console.api("GET", "/v1/analytics/daily", params={**filters, "format": "csv"})
    assert expected.headers["content-type"].startswith("text/csv")
    assert saved.path().read_bytes() == expected.content and expected.text.startswith("day,")
    with page.expect_download() as download:
        page.locator("[data-export='summary.json']").click()
    assert json.loads(download.value.path().read_bytes()) == summary


def cluster_texts(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll("#gaps .cluster")].map(cluster => ({
        size: Number(cluster.dataset.size),
        languages: [...cluster.querySelectorAll(".languages data")].map(item => item.value),
        questions: [...cluster.querySelectorAll(".gap-questions q")].map(item => item.textContent)}))""")


def test_a_gap_asked_in_three_languages_is_one_cluster(page, console):
    open_route(page, console, "questions", **seeded_days(console))
    gap_texts = {text for text, _, _ in console.seeded.gap}
    clusters = [cluster for cluster in cluster_texts(page) if gap_texts & set(cluster["questions"])]
    assert len(clusters) == 1, clusters
    [cluster] = clusters
    assert sorted(cluster["languages"]) == ["en", "ja", "lt"]
    assert set(cluster["questions"]) <= gap_texts and len(cluster["questions"]) >= 3
    assert cluster["size"] == sum(times for _, _, times in console.seeded.gap)
    gaps = console.api("GET", "/v1/analytics/gaps", params=api_period(console)).json()
    assert [item["size"] for item in cluster_texts(page)] == [item["size"] for item in gaps["clusters"]]


def test_drafting_an_article_from_a_gap_opens_it_in_the_editor(page, console):
    open_route(page, console, "questions", **seeded_days(console))
    gap_texts = {text for text, _, _ in console.seeded.gap}
    cluster = page.locator("#gaps .cluster").filter(has_text="Is your packaging recyclable?")
    shown = cluster.locator(".gap-questions q").all_inner_texts()
    with page.expect_request("**/v1/articles/drafts") as request:
        cluster.get_by_role("button", name="Draft an article from it").click()
    sent = request.value.post_data_json["questions"]
    assert [question["text"] for question in sent] == shown and set(shown) <= gap_texts
    assert {question["language"] for question in sent} == {"en", "ja", "lt"}
    page.wait_for_function("() => location.hash.startsWith('#/articles?id=')")
    article_id = page.evaluate("() => new URLSearchParams(location.hash.split('?')[1]).get('id')")
    try:
        article = console.api("GET", f"/v1/articles/{article_id}").json()
        assert article["visibility"] == "draft" and set(article["variants"]) == {"en", "ja", "lt"}
    finally:
        console.api("DELETE", f"/v1/articles/{article_id}")


def test_a_question_that_is_markup_is_shown_as_text(page, console):
    open_route(page, console, "questions", **seeded_days(console))
    for table in ("#top-questions", "#unanswered-questions"):
        texts = page.locator(f"{table} th.query").all_text_contents()
        assert HOSTILE in texts
    assert page.locator("main img, main script").count() == 0
    assert page.evaluate("() => window.__pwned") is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboard_and_questions_in_every_language(page, console, language):
    open_route(page, console, "dashboard", **seeded_days(console))
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("[data-chart]").count() == 4
    screenshot(page, f"console-dashboard-{language}")
    open_route(page, console, "questions", **seeded_days(console))
    assert page.locator("#gaps .cluster").count() >= 1
    screenshot(page, f"console-questions-{language}")
