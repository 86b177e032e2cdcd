"""The knowledge-base format and the demo knowledge base."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from kb.compose import ConcernReply, ReplyContext, compose_answer
from kb.loader import KBFormatError, load_article, load_articles
from kb.models import ArticleVariant, Channel, Language
from kb.templates import Situation, load_templates

REQUIRED_IDS = {
    "order-status", "delivery-delay", "delivery-options", "change-address", "cancel-order", "return-item",
    "refund-status", "damaged-item", "wrong-item", "out-of-stock", "payment-methods", "payment-failed",
    "invoice", "reset-password", "account-delete", "change-email", "subscription-cancel", "discount-code",
    "warranty", "contact-support", "size-guide", "gift-card", "price-match", "feature-request",
    "newsletter-unsubscribe",
}

VALID = {
    "id": "sample", "category": "orders", "tags": ["a"],
    "variants": {"en": {"title": "T", "summary": "S.", "body": "B", "questions": ["q1", "q2", "q3"]}},
}


def test_demo_kb_has_every_required_article_in_four_languages(demo_articles):
    assert REQUIRED_IDS <= set(demo_articles)
    for article in demo_articles.values():
        assert set(article.variants) == set(Language), article.id
        for variant in article.variants.values():
            assert len(variant.questions) >= 3, (article.id, variant.language)
            assert variant.summary and variant.body and variant.title


def write(tmp_path, data, name="sample"):
    folder = tmp_path / "articles"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_missing_language_is_allowed(tmp_path):
    write(tmp_path, VALID)
    [article] = load_articles(tmp_path)
    assert set(article.variants) == {Language.EN}
    assert article.variant_for(Language.LT).language is Language.EN


@pytest.mark.parametrize("change, field", [
    (lambda d: d.pop("category"), "category"),
    (lambda d: d["variants"]["en"].pop("summary"), "variants.en.summary"),
    (lambda d: d["variants"]["en"].update(questions=["only one"]), "variants.en.questions"),
    (lambda d: d["variants"].update(ko=d["variants"]["en"]), "variants.ko"),
    (lambda d: d.update(id="Bad ID"), "id"),
    (lambda d: d["variants"]["en"].update(extra="x"), "variants.en.extra"),
])
def test_malformed_article_names_file_and_field(tmp_path, change, field):
    data = yaml.safe_load(yaml.safe_dump(VALID))
    change(data)
    path = write(tmp_path, data)
    with pytest.raises(KBFormatError) as caught:
        load_article(path)
    assert caught.value.field == field
    assert str(path) in str(caught.value) and field in str(caught.value)


def test_invalid_yaml_names_the_file(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    path = folder / "broken.yaml"
    path.write_text("id: broken\nvariants: [unclosed\n", encoding="utf-8")
    with pytest.raises(KBFormatError, match="broken.yaml"):
        load_articles(tmp_path)


def test_a_jsonl_line_nested_too_deep_or_with_a_lone_surrogate_names_the_line(tmp_path):
    (tmp_path / "articles.jsonl").write_text('{"id": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    with pytest.raises(KBFormatError, match=r"articles.jsonl:1: field '\(line\)': nested too deep"):
        load_articles(tmp_path)
    (tmp_path / "articles.jsonl").write_text('{"id": "a", "category": "x\\udc00"}\n', encoding="utf-8")
    with pytest.raises(KBFormatError, match=r"field 'category': character 1 is a lone surrogate"):
        load_articles(tmp_path)


def test_id_must_match_file_name(tmp_path):
    path = write(tmp_path, VALID, name="other-name")
    with pytest.raises(KBFormatError, match="does not match the file name"):
        load_article(path)


def test_one_article_schema_reads_files_import_items_and_stored_documents(demo_articles):
    from kb.loader import parse_article
    from kb.models import RULES, ArticleDocument

    for article in demo_articles.values():  # as the store keeps them
        assert ArticleDocument.model_validate(article.as_mapping()).to_article() == article
    broken = yaml.safe_load(yaml.safe_dump(VALID))
    broken["variants"]["en"]["questions"] = ["only one"]
    with pytest.raises(KBFormatError) as caught:
        parse_article(broken, "item 1")
    assert str(caught.value) == f"item 1: field 'variants.en.questions': {RULES['questions']}"


def copy_templates(tmp_path):
    import shutil

    from indexer.settings import DEMO_KB

    shutil.copytree(DEMO_KB / "templates", tmp_path / "templates")
    return tmp_path / "templates"


def edit_template(path, language, part, text):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["parts"][language][part][0] = text
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize("language, text, phrase", [
    ("en", "I don't know, sorry.", "i don't know"),
    ("ja", "申し訳ございませんが、わかりません。", "わかりません"),
    ("zh", "这个我不知道。", "我不知道"),
    ("lt", "Deja, nežinau.", "nežinau"),
    ("en", "Please hold while I transfer you.", "please hold while i transfer you"),
])
def test_template_failing_the_tone_guard_is_rejected_with_the_phrase(tmp_path, language, text, phrase):
    folder = copy_templates(tmp_path)
    edit_template(folder / "general.yaml", language, "acknowledge", text)
    with pytest.raises(KBFormatError) as caught:
        load_templates(tmp_path)
    assert phrase in str(caught.value) and f"parts.{language}.acknowledge" in str(caught.value)


def test_template_with_unknown_placeholder_is_rejected(tmp_path):
    folder = copy_templates(tmp_path)
    edit_template(folder / "farewell.yaml", "en", "closing", "Bye {first_name}!")
    with pytest.raises(KBFormatError, match=r"placeholder \{first_name\} is not allowed \(unknown name\)"):
        load_templates(tmp_path)


@pytest.mark.parametrize("references, problem", [
    ({"order_number": {"pattern": "BC-(\\d{6}", "labels": {"en": ["order number"]}}},
     r"references.order_number.pattern': not a valid regular expression"),
    ({"order_number": {"pattern": "x*", "labels": {"en": ["order number"]}}}, "matches the empty text"),
    ({"order_number": {"pattern": "x" * 201, "labels": {"en": ["order number"]}}}, "at most 200 characters"),
    ({"order_number": {"labels": {"en": ["order number"]}}}, r"references.order_number.pattern': required"),
    ({"order_number": {"pattern": "BC-\\d{6}", "labels": {"en": "order number"}}},
     r"references.order_number.labels.en': required; a list"),
    ({"order_number": {"pattern": "BC-\\d{6}", "labels": {"xx": ["order number"]}}}, "unknown language"),
])
def test_a_tenants_reference_kinds_are_checked(tmp_path, references, problem):
    folder = copy_templates(tmp_path)
    frame = yaml.safe_load((folder / "_frame.yaml").read_text(encoding="utf-8"))
    frame["references"] = references
    (folder / "_frame.yaml").write_text(yaml.safe_dump(frame, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KBFormatError, match=problem):
        load_templates(tmp_path)


def test_demo_templates_cover_every_situation_in_four_languages():
    from indexer.settings import DEMO_KB
    from kb.templates import PARTS

    templates = load_templates(DEMO_KB)
    assert set(templates.templates) == set(Situation)
    for template in templates.templates.values():
        assert set(template.parts) == set(Language)
        for parts in template.parts.values():
            assert all(len(parts[p]) >= 2 for p in PARTS)
        if template.situation is not Situation.UNKNOWN_ANSWER:
            assert set(template.triggers) == set(Language)


@pytest.mark.parametrize("closing, rendered", [
    ("Anything else, {customer_name:d}?", "Anything else, {customer_name:d}?"),  # str.format raised ValueError
    ("{customer_name}, thanks from {company:>20000000}", "Anna, thanks from {company:>20000000}"),  # 20 MB
    ("Thanks from {company.upper}", "Thanks from {company.upper}"),
    ("Thanks from {company[0]}", "Thanks from {company[0]}"),
    ("Thanks from {company!r}", "Thanks from {company!r}"),
    ("Thanks from {}", "Thanks from {}"),
    ("Anything else? {", "Anything else? {"),
])
def test_a_template_stored_without_validation_renders_without_raising_or_padding(closing, rendered):
    """Loading rejects these placeholders; should one be stored anyway, only plain ones are filled."""
    from indexer.settings import DEMO_KB

    templates = load_templates(DEMO_KB)
    general = templates.templates[Situation.GENERAL]
    parts = {**general.parts, Language.EN: {**general.parts[Language.EN], "closing": (closing,)}}
    unchecked = replace(templates, templates={**templates.templates, Situation.GENERAL: replace(general, parts=parts)})
    variant = ArticleVariant(Language.EN, "Invoices", "Download it from Orders.", "1. Open Orders.", ("invoice",))
    composed = compose_answer([ConcernReply(variant)], Channel.EMAIL, Language.EN, Situation.GENERAL, unchecked,
                              ReplyContext(customer_name="Anna"))
    assert composed.parts["closing"] == rendered
    assert len(composed.text) < 2000
