"""POST /v1/articles/drafts (an article drafted from a gap's questions, hidden until published) and
POST /v1/articles/preview (the reply /v1/answer would give with an article, saved or not)."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from api.pipeline import answering
from kb.models import RULES, Visibility
from tests.helpers import bearer, new_key, tenant_with_articles

TENANT = "drafts"
SEEDED = ("invoice", "gift-card", "reset-password", "delivery-delay", "order-status")
# a topic the knowledge base does not cover, as customers asked it (the most central first)
ENGRAVING = [{"text": "Can you engrave a name on a bracelet?", "language": "en"},
             {"text": "Ar galite išgraviruoti vardą ant apyrankės?", "language": "lt"},
             {"text": "Do you offer engraving on jewellery?", "language": "en"},
             {"text": "ブレスレットに名前を彫ってもらえますか？", "language": "ja"},
             {"text": "Is personal engraving available for rings?", "language": "en"},
             {"text": "can you  ENGRAVE a name on a bracelet?", "language": "en"}]
DRAFT_ID = "can-you-engrave-a-name-on-a-bracelet"
WRITTEN = {
    "en": {"summary": "We engrave up to 20 letters on bracelets and rings; choose Engraving on the product page.",
           "body": "1. Open the bracelet or ring.\n2. Choose **Engraving** and type up to 20 letters.\n"
                   "3. Engraved items cannot be returned."},
    "lt": {"summary": "Išgraviruojame iki 20 raidžių ant apyrankių ir žiedų; prekės puslapyje pasirinkite "
                      "Graviravimas.",
           "body": "Prekės puslapyje pasirinkite **Graviravimas** ir įrašykite tekstą.",
           "questions": ["Ar galite išgraviruoti vardą ant apyrankės?", "graviravimas ant žiedo",
                         "ar galima užsakyti užrašą ant papuošalo"]},
    "ja": None,  # no Japanese text yet: the variant goes
}


@pytest.fixture(scope="module")
def tenant(services, demo_articles):
    return tenant_with_articles(services, TENANT, [demo_articles[article_id] for article_id in SEEDED])


@pytest.fixture(scope="module")
def admin(tenant, services):
    return bearer(new_key(services, "admin", "answer", "search", tenant=tenant))


@pytest.fixture(scope="module")
def public(tenant, services):
    return bearer(new_key(services, "search", tenant=tenant))


def search_ids(client, headers, query):
    response = client.get("/v1/search", params={"q": query, "limit": 5}, headers=headers)
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["results"]]


def draft(client, admin, **extra):
    return client.post("/v1/articles/drafts", json={"questions": ENGRAVING, **extra}, headers=admin)


def test_a_draft_is_hidden_until_published_and_found_the_moment_it_is(client, admin, public):
    created = draft(client, admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"] == DRAFT_ID and body["visibility"] == Visibility.DRAFT.value and body["version"] == 1
    assert created.headers["Location"] == f"/v1/articles/{DRAFT_ID}" and created.headers["ETag"] == '"1"'
    assert list(body["variants"]) == ["en", "lt", "ja"]
    english = body["variants"]["en"]
    assert english["title"] == "Can you engrave a name on a bracelet?"
    assert english["questions"] == [ENGRAVING[0]["text"], ENGRAVING[2]["text"], ENGRAVING[4]["text"]]
    assert body["variants"]["ja"]["questions"] == [ENGRAVING[3]["text"]]
    assert "draft" in english["body"].lower()
    question = ENGRAVING[2]["text"]
    assert DRAFT_ID not in search_ids(client, public, question) + search_ids(client, admin, question)
    assert client.get(f"/v1/articles/{DRAFT_ID}", headers=public).status_code == 404

    # two of its languages have one question each and none is written yet: it cannot be published, and
    # nothing changes
    early = client.patch(f"/v1/articles/{DRAFT_ID}", json={"visibility": "published"}, headers=admin)
    assert early.status_code == 422 and early.json()["detail"] == f"variants.en.summary: {RULES['unwritten']}"
    assert client.get(f"/v1/articles/{DRAFT_ID}", headers=admin).json()["version"] == 1

    written = client.patch(f"/v1/articles/{DRAFT_ID}", json={"variants": WRITTEN}, headers=admin)
    assert written.status_code == 200, written.text
    assert written.json()["visibility"] == "draft" and DRAFT_ID not in search_ids(client, public, question)
    published = client.patch(f"/v1/articles/{DRAFT_ID}", json={"visibility": "published"}, headers=admin)
    assert published.status_code == 200, published.text
    assert search_ids(client, public, question)[0] == DRAFT_ID
    answer = client.post("/v1/answer", json={"query": "Ar galite išgraviruoti vardą ant apyrankės?",
                                             "channel": "help_page"}, headers=public).json()
    assert answer["articles"][0]["id"] == DRAFT_ID and answer["text"] == WRITTEN["lt"]["summary"]


def test_a_draft_never_replaces_an_article_and_its_made_id_is_unique(client, admin):
    taken = draft(client, admin, id="invoice")
    assert taken.status_code == 409 and "'invoice'" in taken.json()["detail"]
    assert client.get("/v1/articles/invoice", headers=admin).json()["visibility"] == "published"
    again = draft(client, admin, category="jewellery")
    assert again.status_code == 201, again.text
    assert again.json()["id"] == f"{DRAFT_ID}-2" and again.json()["category"] == "jewellery"
    japanese = client.post("/v1/articles/drafts", json={"questions": [ENGRAVING[3]]}, headers=admin)
    assert japanese.status_code == 201 and japanese.json()["id"].startswith("draft")


@pytest.mark.parametrize("body, field", [
    ({"questions": []}, "questions"),
    ({"questions": ENGRAVING * 9}, "questions"),
    ({"questions": [{"text": "  ", "language": "en"}]}, "questions.0.text"),
    ({"questions": [{"text": "Kann ich gravieren lassen?", "language": "de"}]}, "questions.0.language"),
    ({"questions": ENGRAVING, "id": "Not An Id"}, "id"),
    ({"questions": ENGRAVING, "category": " "}, "category"),
    ({"questions": ENGRAVING, "visibility": "published"}, "visibility"),
])
def test_a_bad_draft_request_is_a_422_naming_the_field(client, admin, body, field):
    response = client.post("/v1/articles/drafts", json=body, headers=admin)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == field, response.text


def test_drafts_and_previews_need_the_admin_scope(client, public):
    assert client.post("/v1/articles/drafts", json={"questions": ENGRAVING}, headers=public).status_code == 403
    preview = {"article": article_body(client, public, "invoice"), "question": "invoice", "channel": "help_page"}
    assert client.post("/v1/articles/preview", json=preview, headers=public).status_code == 403


def article_body(client, headers, article_id):
    """A stored article as PUT takes it."""
    stored = client.get(f"/v1/articles/{article_id}", headers=headers).json()
    return {name: value for name, value in stored.items() if name not in ("id", "version", "updated_at")}


@pytest.fixture
def seeded_wording(monkeypatch):
    """/v1/answer's answer ids start with 00000000, so its replies pick the wording a preview shows (each
    answer id seeds the choice among a template's variants)."""
    monkeypatch.setattr(answering, "uuid", SimpleNamespace(uuid4=lambda: uuid.UUID(
        hex="00000000" + uuid.uuid4().hex[8:])))


@pytest.mark.parametrize("article_id, question", [
    ("invoice", "Where do I find the invoice for my purchase?"),
    ("delivery-delay", "My parcel is four days late and nobody tells me why, where is it?"),
])
@pytest.mark.parametrize("channel", ["help_page", "chat", "email"])
def test_a_preview_is_the_reply_answer_gives(client, admin, seeded_wording, article_id, question, channel):
    asked = {"query": question, "channel": channel}
    answer = client.post("/v1/answer", json=asked, headers=admin).json()
    assert answer["answer_id"].startswith("00000000") and answer["answered"], answer
    assert answer["concerns"][0]["article"]["id"] == article_id, answer
    html = client.post("/v1/answer", json={**asked, "reply_format": "html"}, headers=admin).json()["text"]
    preview = client.post("/v1/articles/preview", headers=admin, json={
        "article": article_body(client, admin, article_id), "id": article_id, "question": question,
        "channel": channel})
    assert preview.status_code == 200, preview.text
    assert preview.json() == {"channel": channel, "language": answer["language"], "text": answer["text"],
                              "html": html}


def test_a_preview_shows_an_unsaved_edit_in_every_channel_and_is_not_logged(client, admin, services):
    article = article_body(client, admin, "invoice")
    article["visibility"] = "draft"
    article["variants"]["en"]["summary"] = "Invoices now arrive by email the day your order ships."
    question = "Where do I find the invoice for my purchase?"
    period = (datetime.now(UTC) - timedelta(days=1), datetime.now(UTC) + timedelta(days=1))
    services.answer_log.flush()
    logged = services.store.answers.counts(TENANT, *period)
    replies = {}
    for channel in ("help_page", "chat", "email"):
        response = client.post("/v1/articles/preview", headers=admin,
                               json={"article": article, "question": question, "channel": channel})
        assert response.status_code == 200, response.text
        replies[channel] = response.json()
        assert replies[channel]["language"] == "en"
    assert replies["help_page"]["text"] == article["variants"]["en"]["summary"]
    assert article["variants"]["en"]["summary"] in replies["chat"]["text"]
    assert "My account › Orders" in replies["email"]["text"]  # a letter carries the body's steps
    assert "<p>" in replies["email"]["html"] and len(replies["email"]["text"]) > len(replies["chat"]["text"])
    assert client.post("/v1/articles/preview", headers=admin, json={"article": article, "question": question,
                                                                    "channel": "chat"}).json() == replies["chat"]
    services.answer_log.flush()
    assert services.store.answers.counts(TENANT, *period) == logged
    lithuanian = client.post("/v1/articles/preview", headers=admin, json={
        "article": article, "question": question, "channel": "help_page", "language": "lt"}).json()
    assert lithuanian["language"] == "lt" and lithuanian["text"] == article["variants"]["lt"]["summary"]


def test_a_bad_preview_request_is_a_422_naming_the_field(client, admin):
    article = article_body(client, admin, "invoice")
    good = {"article": article, "question": "invoice please", "channel": "chat"}
    few = copy.deepcopy(article)
    few["variants"]["en"]["questions"] = ["one"]
    for body, field in [({**good, "channel": "fax"}, "channel"), ({**good, "question": " "}, "question"),
                        ({**good, "language": "xx"}, "language"), ({**good, "id": "Bad Id"}, "id"),
                        ({**good, "article": few}, "article.variants.en.questions"),
                        ({k: v for k, v in good.items() if k != "article"}, "article")]:
        response = client.post("/v1/articles/preview", json=body, headers=admin)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field, (field, response.text)
