"""The answer's shape per channel, in every language."""

from __future__ import annotations

import pytest

from kb.compose import PHRASES
from kb.models import Language

QUERIES = {
    "en": "how do I send back an item that doesn't fit",
    "ja": "サイズが合わない服を返品したい",
    "zh": "衣服不合适想退货",
    "lt": "kaip grąžinti netinkamo dydžio drabužį",
}


def ask(client, lang, channel, **extra):
    response = client.post("/v1/answer", json={"query": QUERIES[lang], "channel": channel, **extra})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answered"] and body["articles"][0]["id"] == "return-item", body
    assert body["language"] == lang and body["detected_language"] == lang
    return body


@pytest.mark.parametrize("lang", QUERIES)
@pytest.mark.parametrize("channel", ["help_page", "contact_form"])
def test_terse_channels_return_the_summary_alone(client, demo_articles, lang, channel):
    body = ask(client, lang, channel)
    assert body["text"] == demo_articles["return-item"].variants[Language(lang)].summary
    for phrase in PHRASES[Language(lang)].values():
        assert phrase.split("{")[0].strip() not in body["text"] or not phrase.split("{")[0].strip()


@pytest.mark.parametrize("lang", QUERIES)
@pytest.mark.parametrize("channel", ["chat", "chatbot"])
def test_chat_wraps_the_summary_in_acknowledgement_and_closing(client, demo_articles, lang, channel):
    body = ask(client, lang, channel)
    summary = demo_articles["return-item"].variants[Language(lang)].summary
    phrases = PHRASES[Language(lang)]
    assert list(body["parts"]) == ["acknowledgement", "solution", "closing"]
    text = body["text"]
    assert text.index(phrases["acknowledge"]) < text.index(summary) < text.index(phrases["closing_chat"])


@pytest.mark.parametrize("lang", QUERIES)
@pytest.mark.parametrize("channel", ["email", "ticket"])
def test_letters_have_greeting_solution_closing_signature(client, demo_articles, lang, channel):
    variant = demo_articles["return-item"].variants[Language(lang)]
    body = ask(client, lang, channel, customer_name="Aiko")
    assert list(body["parts"]) == ["greeting", "acknowledgement", "solution", "closing", "signature"]
    assert "Aiko" in body["parts"]["greeting"]
    text = body["text"]
    assert text.index("Aiko") < text.index(variant.summary) < text.index(variant.body[:40])
    assert text.index(variant.body[:40]) < text.index(PHRASES[Language(lang)]["closing_letter"])


@pytest.mark.parametrize("lang", QUERIES)
def test_letter_without_a_name_has_no_empty_salutation(client, lang):
    body = ask(client, lang, "email")
    assert body["parts"]["greeting"] == PHRASES[Language(lang)]["greeting_anonymous"]
    assert "{" not in body["text"] and " ," not in body["text"]


def test_explicit_language_wins_over_detection(client):
    body = client.post("/v1/answer", json={"query": QUERIES["en"], "channel": "help_page", "language": "ja"}).json()
    assert body["detected_language"] == "en" and body["language"] == "ja"
    assert body["articles"][0]["language"] == "ja"


def test_off_topic_question_is_not_answered(client):
    body = client.post("/v1/answer", json={"query": "What is the capital of Australia?", "channel": "chat"}).json()
    assert body["answered"] is False
    assert body["confidence"] < 0.5
    assert body["text"] == PHRASES[Language.EN]["no_answer"]
    help_page = client.post("/v1/answer", json={"query": "What is the capital of Australia?",
                                                "channel": "help_page"}).json()
    assert help_page["text"] == "" and help_page["articles"], "no answer text, but suggestions"


def test_search_returns_titles_and_summaries_in_query_language(client, demo_articles):
    response = client.get("/v1/search", params={"q": "退款什么时候到账", "limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "zh" and len(body["results"]) == 3
    top = body["results"][0]
    assert top["id"] == "refund-status"
    assert top["summary"] == demo_articles["refund-status"].variants[Language.ZH].summary


def test_article_endpoint(client):
    body = client.get("/v1/articles/invoice").json()
    assert set(body["variants"]) == {"en", "ja", "zh", "lt"}
    assert client.get("/v1/articles/no-such-article").status_code == 404
