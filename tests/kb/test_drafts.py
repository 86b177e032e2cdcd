"""Drafting an article from customers' questions: variants per language, titles, ids, and the checks that
let a draft have few questions but not a published article."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kb.drafts import (
    FALLBACK_ID,
    MAX_SLUG_CHARS,
    AskedQuestion,
    draft_article,
    slugified,
    unique_id,
)
from kb.models import DRAFT_BODY, MIN_QUESTIONS, RULES, ArticleDocument, Language, Visibility, field_problem

QUESTIONS = [AskedQuestion("can I pay with a  gift card?", Language.EN),
             AskedQuestion("Ar galiu sumokėti dovanų kortele?", Language.LT),
             AskedQuestion("ギフトカードで支払えますか？", Language.JA),
             AskedQuestion("Do you take gift cards at checkout", Language.EN),
             AskedQuestion("Can I pay with a gift card?", Language.EN)]


def nothing_taken(_: str) -> bool:
    return False


def test_a_draft_has_a_variant_per_language_with_its_questions_in_order():
    draft = draft_article(QUESTIONS, nothing_taken)
    assert draft.visibility is Visibility.DRAFT
    assert list(draft.variants) == [Language.EN, Language.LT, Language.JA]
    english = draft.variants[Language.EN]
    # the repeat that differs in case and spacing is kept once, as first asked (spacing collapsed)
    assert english.questions == ("can I pay with a gift card?", "Do you take gift cards at checkout")
    assert english.title == "Can I pay with a gift card?"
    assert draft.variants[Language.JA].title == "ギフトカードで支払えますか？"
    assert draft.variants[Language.LT].body == DRAFT_BODY[Language.LT]
    assert draft.id == "can-i-pay-with-a-gift-card"


def test_the_id_avoids_articles_that_exist_and_titles_without_latin_letters():
    taken = {"can-i-pay-with-a-gift-card", "can-i-pay-with-a-gift-card-2"}
    assert draft_article(QUESTIONS, taken.__contains__).id == "can-i-pay-with-a-gift-card-3"
    assert unique_id(["ギフトカード", "Kaip grąžinti prekę?"], nothing_taken) == "kaip-grazinti-preke"
    assert unique_id(["ギフトカード", "礼品卡"], {FALLBACK_ID}.__contains__) == f"{FALLBACK_ID}-2"
    assert draft_article(QUESTIONS, nothing_taken, article_id="gift-cards").id == "gift-cards"


def test_a_long_title_gives_an_id_cut_between_words():
    slug = slugified("Why " + "very " * 30 + "long")
    assert len(slug) <= MAX_SLUG_CHARS and slug.startswith("why-very-") and slug.endswith("very")
    assert slugified("Įšėjimas: 100 % „Ūkis“") == "isejimas-100-ukis"


def test_a_draft_needs_a_question():
    with pytest.raises(ValueError, match="at least one question"):
        draft_article([], nothing_taken)


def test_a_draft_passes_the_article_schema_but_cannot_be_shown_until_written():
    mapping = draft_article(QUESTIONS, nothing_taken).as_mapping()
    assert ArticleDocument.model_validate(mapping).to_article().visibility is Visibility.DRAFT
    with pytest.raises(ValidationError) as caught:
        ArticleDocument.model_validate({**mapping, "visibility": "published"})
    assert field_problem(caught.value) == ("variants.en.questions", RULES["questions"])
    assert [error["loc"] for error in caught.value.errors()] == [
        ("variants", language, field) for language in ("en", "lt", "ja") for field in ("questions", "summary", "body")]
    assert {error["msg"] for error in caught.value.errors() if error["loc"][-1] != "questions"} == {
        f"Value error, {RULES['unwritten']}"}
    english = {**mapping["variants"]["en"], "questions": [f"question {n}" for n in range(MIN_QUESTIONS)]}
    unwritten = {**mapping, "visibility": "internal", "variants": {"en": english}}
    with pytest.raises(ValidationError) as caught:  # enough questions, but the draft's words are still there
        ArticleDocument.model_validate(unwritten)
    assert [error["loc"] for error in caught.value.errors()] == [("variants", "en", "summary"),
                                                                 ("variants", "en", "body")]
    written = {**unwritten, "variants": {"en": {**english, "summary": "Yes, gift cards are accepted.",
                                                "body": "Enter the card's code at checkout."}}}
    assert ArticleDocument.model_validate(written).visibility is Visibility.INTERNAL
    empty = {**mapping, "variants": {"en": {**mapping["variants"]["en"], "questions": []}}}
    with pytest.raises(ValidationError) as caught:
        ArticleDocument.model_validate(empty)
    assert field_problem(caught.value) == ("variants.en.questions", RULES["questions"])
