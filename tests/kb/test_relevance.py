"""Relevance controls: the synonym groups' and pins' rules, pin matching, and the controls in the store."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kb.models import ArticleDocument, Language
from kb.relevance import Pin, Pins, RelevanceControls, SynonymGroups, normalise
from kb.stores import UnknownTenantError
from kb.stores.relevance import UnknownArticlesError


def groups(*groups: tuple[str, list[str]]) -> SynonymGroups:
    return SynonymGroups.model_validate({"groups": [{"language": lang, "terms": terms} for lang, terms in groups]})


def test_terms_are_trimmed_and_repeats_dropped_keeping_the_first_spelling():
    [group] = groups(("lt", [" siunta ", "Siunta", "siuntinys", "pakuotė"])).groups
    assert group.terms == ["siunta", "siuntinys", "pakuotė"]


@pytest.mark.parametrize(("body", "problem"), [
    ({"groups": [{"language": "en", "terms": ["parcel", " PARCEL"]}]}, "at least two different terms"),
    ({"groups": [{"language": "en", "terms": ["parcel"]}]}, "at least 2 items"),
    ({"groups": [{"language": "fr", "terms": ["colis", "paquet"]}]}, "'ja', 'zh', 'lt' or 'en'"),
    ({"groups": [{"language": "en", "terms": ["parcel", "?!"]}]}, "no letter or digit"),
    ({"groups": [{"language": "en", "terms": ["parcel", "x" * 101]}]}, "longer than 100"),
    ({"groups": [{"language": "ja", "terms": ["配送", "発送"]}, {"language": "ja", "terms": ["お届け", "配送"]}]},
     "'配送' (ja) is in groups 0 and 1"),
])
def test_groups_that_break_a_rule_are_refused_naming_it(body, problem):
    with pytest.raises(ValidationError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        SynonymGroups.model_validate(body)


def test_a_term_may_be_in_one_group_per_language():
    assert len(groups(("en", ["parcel", "package"]), ("lt", ["parcel", "siunta"])).groups) == 2


@pytest.mark.parametrize(("pin", "problem"), [
    ({"pattern": "   ", "article_id": "invoice"}, "must contain a letter or digit"),
    ({"pattern": "", "article_id": "invoice"}, "must contain a letter or digit"),
    ({"pattern": "invoice", "language": "de", "article_id": "invoice"}, "'ja', 'zh', 'lt' or 'en'"),
    ({"pattern": "invoice", "article_id": ""}, "at least 1 character"),
    ({"pattern": "x" * 201, "article_id": "invoice"}, "at most 200 characters"),
])
def test_pins_that_break_a_rule_are_refused_naming_it(pin, problem):
    with pytest.raises(ValidationError, match=problem):
        Pins.model_validate({"pins": [pin]})


def test_normalising_folds_width_case_and_whitespace():
    assert normalise("  Track\u3000MY\n\tＰＡＲＣＥＬ ") == "track my parcel"


def test_a_pin_matches_queries_containing_its_pattern_in_its_language_first_match_first():
    controls = RelevanceControls(3, (), (
        Pin(pattern="Track  my parcel", language=Language.EN, article_id="order-status"),
        Pin(pattern="parcel", article_id="delivery-delay"),
        Pin(pattern="配送", language=Language.JA, article_id="delivery-options"),
        Pin(pattern="lost parcel", article_id="delivery-delay"),
    ))
    assert controls.pinned("Where can I TRACK my   parcel?", Language.EN) == ["order-status", "delivery-delay"]
    assert controls.pinned("track my parcel", Language.LT) == ["delivery-delay"]  # the English pin is not for lt
    assert controls.pinned("I want a refund", Language.EN) == []
    assert controls.pinned("配送料金", Language.ZH) == ["delivery-options"]  # Han text: ja and zh share it
    assert controls.pinned("配送料金", None) == ["delivery-options"]


def test_the_store_keeps_each_tenants_controls_with_one_growing_version(open_store):
    store = open_store()
    for tenant in ("acme", "other"):
        store.ensure_tenant(tenant)
    article = ArticleDocument.model_validate({"id": "order-status", "category": "orders", "variants": {"en": {
        "title": "Order status", "summary": "See it in your account.", "body": "Open My account.",
        "questions": ["where is my order", "order status", "track my order"]}}}).to_article()
    store.articles.put("acme", article)
    assert store.relevance.controls("acme") == RelevanceControls() and store.relevance.version("acme") == 0

    synonyms = groups(("ja", ["配送", "発送", "お届け"]), ("en", ["parcel", "package"])).groups
    assert store.relevance.replace_synonyms("acme", synonyms).version == 1
    pins = [Pin(pattern="track my parcel", language=Language.EN, article_id="order-status")]
    controls = store.relevance.replace_pins("acme", pins)
    assert controls == RelevanceControls(2, tuple(synonyms), tuple(pins))

    with pytest.raises(UnknownArticlesError, match="'gone'"):
        store.relevance.replace_pins("acme", [*pins, Pin(pattern="x", article_id="gone")])
    with pytest.raises(UnknownArticlesError):  # another tenant's article is unknown here
        store.relevance.replace_pins("other", pins)
    with pytest.raises(UnknownTenantError):
        store.relevance.replace_synonyms("nobody", synonyms)

    reopened = open_store()
    assert reopened.relevance.controls("acme") == controls and reopened.relevance.version("acme") == 2
    assert reopened.relevance.controls("other") == RelevanceControls()
    assert reopened.relevance.replace_synonyms("acme", []).groups == () and reopened.relevance.version("acme") == 3
    assert reopened.relevance.controls("acme").pins == tuple(pins)  # replacing synonyms leaves the pins
