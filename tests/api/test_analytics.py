"""Feedback and analytics: answers are logged, feedback and deflection are recorded, and a tenant's
admin reads top and unanswered questions and rates per language, channel and period — its own only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.analytics import AnswerLog
from kb.stores import AnswerRecord, create_store
from tests.helpers import bearer, new_key

TENANT = "analytics"
IN_DOMAIN = "How do I get an invoice for my order?"
OFF_TOPIC = "What is the boiling point of tungsten?"


@pytest.fixture(scope="module")
def keys(services, demo_articles):
    services.store.ensure_tenant(TENANT)
    for article_id in ("invoice", "gift-card", "return-item"):
        services.store.articles.put(TENANT, demo_articles[article_id])
    return {"answer": bearer(new_key(services, "answer", tenant=TENANT)),
            "search": bearer(new_key(services, "search", tenant=TENANT)),
            "admin": bearer(new_key(services, "admin", tenant=TENANT))}


@pytest.fixture(scope="module")
def answered(client, keys):
    """Four answers with feedback: helpful and resolved; not helpful; off-topic then a ticket; none."""
    ids = []
    for query, channel in ((IN_DOMAIN, "chat"), ("how do i get an INVOICE for my order?", "email"),
                           (OFF_TOPIC, "chat"), ("Kaip grąžinti prekę?", "chat")):
        response = client.post("/v1/answer", json={"query": query, "channel": channel}, headers=keys["answer"])
        assert response.status_code == 200
        ids.append(response.json()["answer_id"])
    feedback = [{"answer_id": ids[0], "helpful": True, "resolved": True},
                {"answer_id": ids[1], "helpful": False, "reason": "related_but_incomplete"},
                {"answer_id": ids[2], "helpful": False, "reason": "not_related", "contacted_support": True}]
    for item in feedback:
        response = client.post("/v1/feedback", json=item, headers=keys["search"])
        assert response.status_code == 200 and response.json()["recorded"]
    return ids


def test_rates_count_answers_feedback_and_deflection(client, keys, answered):
    summary = client.get("/v1/analytics/summary", headers=keys["admin"]).json()
    total = summary["total"]
    assert (total["answers"], total["answered"], total["feedback"], total["outcomes"]) == (4, 3, 3, 2)
    assert total["answer_rate"] == 0.75 and total["helpful_rate"] == round(1 / 3, 4)
    assert total["deflection_rate"] == 0.5
    groups = {(g["language"], g["channel"]): g["answers"] for g in summary["by_language_and_channel"]}
    assert groups == {("en", "chat"): 2, ("en", "email"): 1, ("lt", "chat"): 1}
    lithuanian = client.get("/v1/analytics/summary", params={"language": "lt"}, headers=keys["admin"]).json()
    assert lithuanian["total"]["answers"] == 1
    email = client.get("/v1/analytics/summary", params={"channel": "email"}, headers=keys["admin"]).json()
    assert email["total"]["answers"] == 1 and email["total"]["helpful_rate"] == 0.0
    earlier = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    before = client.get("/v1/analytics/summary", params={"until": earlier}, headers=keys["admin"]).json()
    assert before["total"]["answers"] == 0 and before["total"]["answer_rate"] is None


def test_top_and_unanswered_questions(client, keys, answered):
    top = client.get("/v1/analytics/top-questions", headers=keys["admin"]).json()
    assert top[0]["count"] == 2 and top[0]["query"].lower() == IN_DOMAIN.lower() and top[0]["answer_rate"] == 1.0
    unanswered = {item["query"]: item for item in
                  client.get("/v1/analytics/unanswered", headers=keys["admin"]).json()}
    assert unanswered[OFF_TOPIC]["not_answered"] == 1 and unanswered[OFF_TOPIC]["reasons"] == {"not_related": 1}
    incomplete = unanswered["how do i get an INVOICE for my order?"]
    assert incomplete["not_helpful"] == 1 and incomplete["reasons"] == {"related_but_incomplete": 1}


def test_feedback_and_analytics_stay_within_the_tenant(client, keys, answered):
    demo_admin = bearer(new_key(client.app.state.services, "admin", "answer"))
    demo_top = client.get("/v1/analytics/top-questions", params={"limit": 500}, headers=demo_admin).json()
    assert OFF_TOPIC not in [item["query"] for item in demo_top]
    other = client.post("/v1/feedback", json={"answer_id": answered[3], "helpful": True}, headers=demo_admin)
    assert other.status_code == 404 and "no answer" in other.json()["detail"]
    assert client.get("/v1/analytics/summary", headers=keys["search"]).status_code == 403


def test_bad_feedback_is_refused_with_a_message(client, keys, answered):
    unknown = client.post("/v1/feedback", json={"answer_id": "nope", "helpful": True}, headers=keys["search"])
    assert unknown.status_code == 404
    reason = client.post("/v1/feedback", json={"answer_id": answered[0], "helpful": False, "reason": "ugly"},
                         headers=keys["search"])
    assert reason.status_code == 422 and "reason" in reason.json()["detail"]
    period = client.get("/v1/analytics/summary", params={"since": "2027-01-01T00:00:00Z",
                                                         "until": "2026-01-01T00:00:00Z"}, headers=keys["admin"])
    assert period.status_code == 422 and "since" in period.json()["detail"]


def test_query_text_can_be_erased(client, keys, answered):
    erased = client.delete("/v1/analytics/queries", headers=keys["admin"]).json()["erased"]
    assert erased == 4
    assert client.get("/v1/analytics/top-questions", headers=keys["admin"]).json() == []
    assert client.get("/v1/analytics/summary", headers=keys["admin"]).json()["total"]["answers"] == 4


def test_without_retention_no_query_text_is_stored(tmp_path):
    store = create_store("sqlite", tmp_path / "store.sqlite3")
    store.ensure_tenant("t")
    answer_log = AnswerLog(store, retention_days=0)
    now = datetime.now(UTC)
    answer_log.record(AnswerRecord("a1", "t", now, "chat", "en", True, "invoice", 0.9, "my private question"))
    answer_log.flush()
    rows = store.answers.rows("t", now - timedelta(minutes=1), now + timedelta(minutes=1))
    assert [(row.answer_id, row.query) for row in rows] == [("a1", None)]
    answer_log.close()


def test_the_store_counts_what_analytics_reports_as_computed_by_hand(open_store):
    from api import analytics
    from kb.stores import Feedback

    store = open_store()
    store.ensure_tenant("t")
    store.ensure_tenant("u")
    now = datetime.now(UTC)
    store.answers.log([
        AnswerRecord("a1", "t", now - timedelta(minutes=3), "chat", "en", True, "x", 0.9, "Where is my order?"),
        AnswerRecord("a2", "t", now - timedelta(minutes=2), "chat", "en", False, None, 0.1, "where is  my ORDER?"),
        AnswerRecord("a3", "t", now - timedelta(minutes=1), "email", "lt", True, "y", 0.8, "Kaip grąžinti?"),
        AnswerRecord("a4", "t", now - timedelta(minutes=1), "chat", "en", True, "z", 0.7, "Gift card"),
        AnswerRecord("a5", "t", now - timedelta(days=40), "chat", "en", False, None, 0.1, "Gift card"),  # too old
        AnswerRecord("a6", "u", now, "chat", "en", False, None, 0.1, "Where is my order?"),  # another tenant
        AnswerRecord("a7", "t", now, "chat", "en", True, "x", 0.9, None)])  # its text not kept
    for feedback in (Feedback("a1", helpful=True, resolved=True),
                     Feedback("a2", helpful=False, reason="not_related", contacted_support=True),
                     Feedback("a3", helpful=False, reason="related_but_incomplete"),
                     Feedback("a4", helpful=True, resolved=True, contacted_support=False),
                     Feedback("a6", helpful=False, reason="not_related")):
        assert store.answers.put_feedback("u" if feedback.answer_id == "a6" else "t", feedback)
    period = ("t", now - timedelta(hours=1), now + timedelta(minutes=1))

    def rates(answers, answered, feedback, helpful, outcomes, deflected):
        return {"answers": answers, "answered": answered, "answer_rate": round(answered / answers, 4),
                "feedback": feedback, "helpful_rate": round(helpful / feedback, 4) if feedback else None,
                "outcomes": outcomes, "deflection_rate": round(deflected / outcomes, 4) if outcomes else None}

    assert analytics.summary(store.answers.counts(*period)) == {
        "total": rates(5, 4, 4, 2, 3, 2),
        "by_language_and_channel": [{"language": "en", "channel": "chat", **rates(4, 3, 3, 2, 3, 2)},
                                    {"language": "lt", "channel": "email", **rates(1, 1, 1, 0, 0, 0)}]}
    assert analytics.summary(store.answers.counts(*period, language="lt"))["total"] == rates(1, 1, 1, 0, 0, 0)
    assert analytics.summary(store.answers.counts(*period, channel="chat"))["total"] == rates(4, 3, 3, 2, 3, 2)
    assert analytics.top_questions(store.answers.question_counts(*period), 2) == [
        {"query": "where is  my ORDER?", "count": 2, "answer_rate": 0.5, "last_asked": now - timedelta(minutes=2)},
        {"query": "Gift card", "count": 1, "answer_rate": 1.0, "last_asked": now - timedelta(minutes=1)}]
    assert analytics.unanswered_questions(store.answers.question_counts(*period, unanswered=True), 20) == [
        {"query": "Kaip grąžinti?", "count": 1, "not_answered": 0, "not_helpful": 1,
         "reasons": {"related_but_incomplete": 1}, "last_asked": now - timedelta(minutes=1)},
        {"query": "where is  my ORDER?", "count": 1, "not_answered": 1, "not_helpful": 1,
         "reasons": {"not_related": 1}, "last_asked": now - timedelta(minutes=2)}]
    by_email = store.answers.question_counts(*period, channel="email")
    assert analytics.top_questions(by_email, 20)[0]["query"] == "Kaip grąžinti?"
