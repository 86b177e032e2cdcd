"""/v1/suggest for help-desk sidebars, its draft feedback in analytics, and article URLs from /v1/links."""

from __future__ import annotations

import pytest

from tests.helpers import bearer, new_key

TICKET = ("Hello,\n\nI ordered a jacket two weeks ago. I need an invoice for it for my company's accounts, and how "
          "can I change the delivery address of my next order?\n\nBest regards,\nAnn Smith")


@pytest.fixture
def links(client):
    """The demo tenant's help centre pattern, set for the test."""
    assert client.put("/v1/links", json={"article_url": "https://help.acme.example/{language}/a/{id}"}).status_code == 200
    yield
    client.put("/v1/links", json={"article_url": None})


def test_a_sidebar_gets_the_draft_its_sources_and_the_handoff_advice_in_one_response(client, links):
    suggestion = client.post("/v1/suggest", json={"query": TICKET, "subject": "Invoice and address",
                                                  "customer_name": "Ann", "agent_name": "Rasa"})
    assert suggestion.status_code == 200, suggestion.text
    body = suggestion.json()
    assert body["answered"] and not body["handoff"] and body["handoff_reason"] is None
    assert "Ann" in body["draft"]["text"] and "Rasa" in body["draft"]["text"]
    assert "<p>" in body["draft"]["html"] and "**" not in body["draft"]["text"]
    ids = [article["id"] for article in body["articles"]]
    assert {"invoice", "change-address"} <= set(ids[:2])
    invoice = body["articles"][ids.index("invoice")]
    assert invoice["url"] == "https://help.acme.example/en/a/invoice" and invoice["snippet"]
    assert [concern["article"]["url"] for concern in body["concerns"]] == [
        f"https://help.acme.example/en/a/{concern['article']['id']}" for concern in body["concerns"]]


def test_an_unanswerable_ticket_says_why_a_person_should_answer(client):
    body = client.post("/v1/suggest", json={"query": "What will the weather be in Kaunas tomorrow?"}).json()
    assert body["handoff"] and body["handoff_reason"].startswith("no article answers: 'What will the weather")
    assert body["articles"][0]["url"] is None  # no pattern set


def test_what_agents_did_with_drafts_is_counted_in_analytics(client):
    before = client.get("/v1/analytics/summary").json()["drafts"]
    ids = [client.post("/v1/suggest", json={"query": "How do I reset my password?"}).json()["answer_id"]
           for _ in range(3)]
    for answer_id, action in zip(ids, ("used", "edited", "rejected")):
        recorded = client.post(f"/v1/suggest/{answer_id}/feedback", json={"action": action, "reason": "test"})
        assert recorded.status_code == 200 and recorded.json() == {"answer_id": answer_id, "recorded": True}
    client.post(f"/v1/suggest/{ids[2]}/feedback", json={"action": "used"})  # a later verdict replaces it
    after = client.get("/v1/analytics/summary").json()["drafts"]
    assert after.get("used", 0) == before.get("used", 0) + 2 and after.get("edited", 0) == before.get("edited", 0) + 1
    assert after.get("rejected", 0) == before.get("rejected", 0)
    missing = client.post("/v1/suggest/nothing-like-it/feedback", json={"action": "used"})
    assert missing.status_code == 404 and "/v1/suggest" in missing.json()["detail"]
    assert client.post(f"/v1/suggest/{ids[0]}/feedback", json={"action": "liked"}).status_code == 422


def test_suggest_needs_the_answer_scope_and_a_ticket_channel(client, services):
    search_only = bearer(new_key(services, "search"))
    assert client.post("/v1/suggest", json={"query": "Where is my parcel?"}, headers=search_only).status_code == 403
    wrong = client.post("/v1/suggest", json={"query": "Where is my parcel?", "channel": "chat"})
    assert wrong.status_code == 422 and "channel" in wrong.text


def test_search_and_answer_results_carry_urls_once_a_pattern_is_set(client, links):
    results = client.get("/v1/search", params={"q": "reset password", "lang": "ja"}).json()["results"]
    assert results[0]["url"] == f"https://help.acme.example/ja/a/{results[0]['id']}"
    answer = client.post("/v1/answer", json={"query": "How do I reset my password?", "channel": "chat"}).json()
    assert answer["articles"][0]["url"] == "https://help.acme.example/en/a/reset-password"


def test_a_pattern_that_cannot_make_a_url_is_a_422_and_admin_only(client, services):
    refused = client.put("/v1/links", json={"article_url": "https://help.acme.example/articles"})
    assert refused.status_code == 422 and "must hold {id}" in refused.text
    answer_only = bearer(new_key(services, "answer"))
    assert client.get("/v1/links", headers=answer_only).status_code == 403
    assert client.get("/v1/links").json() == {"article_url": None}
