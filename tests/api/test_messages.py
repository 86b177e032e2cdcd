"""Whole emails and tickets through POST /v1/answer, with the real model and index."""

from __future__ import annotations

import re

import pytest

from kb.models import Language
from tests.helpers import first_step

pytestmark = pytest.mark.usefixtures("faiss_only")

NEWSLETTER_UNDER_A_LATE_PARCEL = """Laba diena,

gaunu jūsų naujienlaiškį kone kasdien, o man jo nebereikia. Kaip galėčiau jo atsisakyti?

Ačiū,
Rūta

2026-11-02, pr, 09:41 Brightcart <help@brightcart.example> rašė:
> Sveiki, Rūta,
> labai atsiprašome, kad Jūsų siunta BC-730112 vėluoja. Kurjeris perdavė, kad siunta atkeliaus per dvi dienas.
> Jei siuntos vis dar negausite, parašykite mums.
"""

TWO_QUESTIONS = """Hello there,

I bought a pair of trail shoes from you last month and they rub my heel badly, so I would like to send them
back. How do I return them?

Separately, my company needs a proper invoice for the rain jacket I ordered for work, order BC-418207.
Where can I download an invoice with our VAT number on it?

Many thanks,
Oliver Grant
"""

SIGNED_IN_LITHUANIAN = """Hi,

I have a Brightcart gift card from my colleagues and I'm not sure how to use it at checkout. Can I use it
together with my credit card if the order costs more than the card is worth?

Best regards,
Marta Jonaitytė
UAB „Žalioji šviesa“, Šiauliai
"""


def ask(client, query: str, channel: str = "email", **extra) -> dict:
    response = client.post("/v1/answer", json={"query": query, "channel": channel, **extra})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def faiss_only(settings):
    """The pipeline on top of retrieval is backend-independent: one run, on FAISS."""
    if settings.vector_backend != "faiss":
        pytest.skip("runs once, on the FAISS backend")


def test_a_quoted_thread_never_decides_the_article(client):
    body = ask(client, NEWSLETTER_UNDER_A_LATE_PARCEL, subject="Re: Jūsų siunta vėluoja")
    assert body["language"] == "lt" and body["answered"] is True
    assert [concern["article"]["id"] for concern in body["concerns"]] == ["newsletter-unsubscribe"]
    assert "vėluoja" not in body["concerns"][0]["text"]
    # the quote gave the order number: the reply never asks for it
    assert body["references"] == [{"kind": "order_number", "value": "BC-730112"}]
    assert "užsakymo numer" not in body["text"].lower()


def test_two_questions_get_two_answers_in_one_letter(client, demo_articles):
    body = ask(client, TWO_QUESTIONS, subject="Return + invoice")
    assert [(c["article"]["id"], c["answered"]) for c in body["concerns"]] == [("return-item", True),
                                                                               ("invoice", True)]
    assert body["answered"] is True and body["handoff"] is False
    assert "How do I return them?" in body["concerns"][0]["text"]
    assert [article["id"] for article in body["articles"][:2]] == ["return-item", "invoice"]
    text = body["text"]
    for article_id in ("return-item", "invoice"):
        variant = demo_articles[article_id].variants[Language.EN]
        assert variant.title in body["parts"]["solution"] and first_step(variant) in text
    # one letter: one greeting, one agreement, one closing, one signature
    assert list(body["parts"]) == ["greeting", "acknowledgement", "solution", "agreement", "closing", "signature"]
    assert text.count(body["parts"]["signature"]) == 1
    assert text.index(demo_articles["return-item"].variants[Language.EN].title) < text.index(
        demo_articles["invoice"].variants[Language.EN].title)
    # the order number was given: the invoice steps do not ask for it again, they name it
    solution = body["parts"]["solution"]
    assert "BC-418207" in solution and "have your order number ready" not in solution.lower()
    assert all(solution[match.end():match.end() + 13] == " (BC-418207)," or solution[match.end():].startswith("s")
               for match in re.finditer("order number", solution)), solution


def test_a_chat_turn_with_two_questions_is_answered_twice_and_briefly(client):
    body = ask(client, "hi! do you take paypal? and can I still change the delivery address of my order?",
               channel="chat")
    assert {c["article"]["id"] for c in body["concerns"] if c["answered"]} == {"payment-methods", "change-address"}
    assert list(body["parts"]) == ["acknowledgement", "solution", "closing"]


def test_an_open_concern_is_acknowledged_beside_the_answer(client):
    # (with "... for my father's birthday" the fused ranking answers this concern with the gift-card article at
    # confidence 0.39: a known miss of the second encoder, kept out of this test of the acknowledgement)
    body = ask(client, "Can I pay with PayPal? Also, could you engrave my initials on the leather wallet I want "
                       "to order?")
    answered = [c for c in body["concerns"] if c["answered"]]
    open_concerns = [c for c in body["concerns"] if not c["answered"]]
    assert [c["article"]["id"] for c in answered] == ["payment-methods"]
    assert len(open_concerns) == 1 and "engrave" in open_concerns[0]["text"] and open_concerns[0]["handoff"]
    assert body["answered"] is False and body["handoff"] is True
    assert "engrave my initials" in body["parts"]["follow_up"]


def test_a_name_in_the_signature_never_changes_the_language(client):
    body = ask(client, SIGNED_IN_LITHUANIAN)
    assert body["detected_language"] == "en" and body["language"] == "en"
    assert body["concerns"][0]["article"]["id"] == "gift-card"
    assert "Jonaitytė" not in body["concerns"][0]["text"]


def test_an_html_mail_is_answered_like_its_text(client):
    html = ("<html><head><style>.sig{color:#888}</style></head><body>"
            "<div>Hello there,</div><div><br></div>"
            "<div>I bought a pair of trail shoes from you last month and they rub my heel badly, so I would like to "
            "send them back. <b>How do I return them?</b></div><div><br></div>"
            "<div>Separately, my company needs a proper invoice for the rain jacket I ordered for work, order "
            "BC-418207.<br>Where can I download an invoice with our VAT number on it?</div><div><br></div>"
            "<div>Many thanks,<br>Oliver Grant</div>"
            "<div class='gmail_quote'><div>On Fri, 6 Nov 2026, Brightcart wrote:</div>"
            "<blockquote>Your parcel is late, we are sorry.</blockquote></div></body></html>")
    from_html = ask(client, html, format="html", subject="Return + invoice")
    from_text = ask(client, TWO_QUESTIONS, subject="Return + invoice")
    for field in ("language", "answered", "situation", "references"):
        assert from_html[field] == from_text[field], field
    assert [(c["article"]["id"], c["answered"]) for c in from_html["concerns"]] == [
        (c["article"]["id"], c["answered"]) for c in from_text["concerns"]]


def test_a_long_ticket_is_read_whole(client):
    story = ("We moved flats in October and honestly everything that could go wrong did go wrong, from the van "
             "arriving late to the neighbours' dog barking all night long. ")
    ticket = story * 40 + "\n\nAnyway: how long does it take until the refund for my returned lamp shows up?"
    assert len(ticket) > 5000
    body = ask(client, ticket, channel="ticket")
    assert body["concerns"][0]["article"]["id"] == "refund-status" and body["answered"] is True


def test_too_long_and_quote_only_messages_say_what_to_send(client):
    too_long = client.post("/v1/answer", json={"query": "a" * 20_001, "channel": "email"})
    assert too_long.status_code == 422 and "20000" in too_long.json()["detail"]
    quote_only = client.post("/v1/answer", json={
        "query": "On Mon, 9 Nov 2026 at 08:02, Brightcart <help@brightcart.example> wrote:\n> Your refund is on "
                 "its way.\n> Kind regards", "channel": "email"})
    assert quote_only.status_code == 422
    detail = quote_only.json()["detail"]
    assert detail.startswith("query:") and "quoted" in detail and "Send the customer's new text" in detail
    markup_only = client.post("/v1/answer", json={"query": "<html><body><br></body></html>", "channel": "email",
                                                  "format": "html"})
    assert markup_only.status_code == 422 and "markup" in markup_only.json()["detail"]


def test_openapi_states_the_message_limits(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["AnswerRequest"]["properties"]
    assert schema["query"]["maxLength"] == 20_000 and schema["subject"]["anyOf"][0]["maxLength"] == 1000
    assert schema["format"]["enum"] == ["text", "html"]


def test_a_lower_configured_message_limit_is_named(client, services, monkeypatch):
    """KB_MAX_MESSAGE_CHARS may lower the limit below the schema's 20,000; the 422 names it (the length is the
    message's without its surrounding white space)."""
    monkeypatch.setattr(services.settings, "max_message_chars", 300)
    response = client.post("/v1/answer", json={"query": "Where is my parcel? " * 20, "channel": "email"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "query", "message": (
        "399 characters long; the maximum is 300. Send the customer's message without attachments, "
        "or its newest part.")}]
    assert client.post("/v1/answer", json={"query": "Where is my parcel?", "channel": "email"}).status_code == 200


@pytest.mark.parametrize("query", ["ok great, thanks!", "Ačiū, viskas sutvarkyta, gražios dienos!",
                                   "返金を確認できました。ご対応ありがとうございました。", "收到了，谢谢！"])
@pytest.mark.parametrize("channel", ["chat", "email", "help_page"])
def test_thanks_and_farewells_are_never_answered_with_an_article(client, query, channel):
    reply = client.post("/v1/answer", json={"query": query, "channel": channel}).json()
    assert reply["situation"] == "farewell" and not reply["answered"] and not reply["handoff"]
    assert not any(concern["answered"] for concern in reply["concerns"])


@pytest.mark.parametrize("query, not_asserted", [
    ("How should I wash the wool blanket I bought from you? Cold water or hand wash?", "defective_product"),
    ("Can I pay with Apple Pay when I order?", "feature_request_refused"),
    ("Hi, where do I type in my discount code at checkout?", "exception_request"),
])
def test_a_question_is_not_answered_as_a_situation_the_customer_does_not_have(client, query, not_asserted):
    reply = client.post("/v1/answer", json={"query": query, "channel": "email"}).json()
    assert reply["situation"] != not_asserted, reply["text"]


def test_lithuanian_typed_without_diacritics_is_answered_like_with_them(client):
    written = client.post("/v1/answer", json={"query": "Kur galiu pamatyti, kokia mano užsakymo būsena?",
                                              "channel": "chat"}).json()
    typed = client.post("/v1/answer", json={"query": "Kur galiu pamatyti, kokia mano uzsakymo busena?",
                                            "channel": "chat"}).json()
    assert written["answered"] and typed["answered"]
    assert written["articles"][0]["id"] == typed["articles"][0]["id"] == "order-status"


def test_a_reply_comes_as_plain_text_markdown_or_html(client):
    ask = {"query": "How do I get an invoice with my company's VAT number?", "channel": "email",
           "customer_name": "<b>Ann</b>"}
    text, markdown, html = (client.post("/v1/answer", json={**ask, "reply_format": form}).json()
                            for form in ("text", "markdown", "html"))
    assert "**" in markdown["text"] and "**" not in text["text"] and "**" not in html["text"]
    assert "<strong>" in html["text"] and "&lt;b&gt;Ann&lt;/b&gt;" in html["text"] and "<b>" not in html["text"]
    assert html["parts"]["signature"].count("<br") >= 1  # signature lines stay lines
    wrong = client.post("/v1/answer", json={**ask, "reply_format": "rtf"})
    assert wrong.status_code == 422 and "reply_format" in wrong.text


def test_a_transfer_without_an_answer_names_the_team_the_caller_gives(client):
    ask = {"query": "blorf snarp wibble quonk", "language": "en", "channel": "email",
           "situation": "transfer_to_specialist"}
    named = client.post("/v1/answer", json={**ask, "team": "our legal team"}).json()
    assert not named["answered"] and named["handoff"] and "our legal team" in named["parts"]["agreement"]
    default = client.post("/v1/answer", json=ask).json()
    assert "our specialist team" in default["parts"]["agreement"]
    too_long = client.post("/v1/answer", json={**ask, "team": "x" * 101})
    assert too_long.status_code == 422 and "team" in too_long.text
