"""Search-box queries: short, exact, keyword-like, in four languages."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("q, article_id", [
    ("invoice", "invoice"),
    ("SPRING20", "discount-code"),
    ("返品", "return-item"),
    ("退款", "refund-status"),
    ("sąskaita", "invoice"),
    ("gift card balance", "gift-card"),
    ("grazinimas", "return-item"),
])
def test_short_and_exact_queries_find_their_article(client, q, article_id):
    response = client.get("/v1/search", params={"q": q, "limit": 3})
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["id"] == article_id, response.json()["results"]


def test_lexical_signal_reranks_exact_code(services):
    """The code SPRING20 appears only in discount-code: BM25 finds it there and only there."""
    assert set(services.index.lexical_scores("SPRING20")) == {"discount-code"}
