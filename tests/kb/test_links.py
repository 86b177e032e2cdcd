"""Article URLs from a tenant's help-centre pattern, and the pattern in the store."""

from __future__ import annotations

import pytest

from kb.links import article_url, checked_article_url
from kb.models import Language
from kb.stores import UnknownTenantError


def test_the_url_fills_in_the_id_and_language_url_encoded():
    pattern = checked_article_url(" https://help.example.com/{language}/articles/{id} ")
    assert article_url(pattern, "return item/ü", Language.JA) == (
        "https://help.example.com/ja/articles/return%20item%2F%C3%BC")
    assert article_url(None, "invoice", Language.EN) is None


@pytest.mark.parametrize(("pattern", "problem"), [
    ("https://help.example.com/articles/", "must hold {id}"),
    ("https://help.example.com/{slug}/{id}", "only the placeholders {id} and {language}"),
    ("https://help.example.com/{id!r}", "only the placeholders"),
    ("https://help.example.com/{id.real}", "only the placeholders"),
    ("https://help.example.com/{id", "is not a pattern"),
    ("help.example.com/{id}", "absolute http(s) URL"),
    ("javascript:alert(1)//{id}", "absolute http(s) URL"),
    ("https://help.example.com/" + "x" * 500 + "{id}", "longer than 500"),
])
def test_patterns_that_cannot_make_a_url_are_refused_naming_why(pattern, problem):
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        checked_article_url(pattern)


def test_the_store_keeps_one_pattern_per_tenant(open_store):
    store = open_store()
    store.ensure_tenant("acme")
    store.ensure_tenant("other")
    assert store.links.pattern("acme") is None
    store.links.set("acme", "https://help.acme.example/{id}")
    store.links.set("acme", "https://help.acme.example/{language}/{id}")
    assert store.links.pattern("acme") == "https://help.acme.example/{language}/{id}"
    assert store.links.pattern("other") is None
    store.links.set("acme", None)
    assert store.links.pattern("acme") is None
    with pytest.raises(UnknownTenantError):
        store.links.set("nobody", "https://x.example/{id}")
