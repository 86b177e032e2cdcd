"""Live index changes: an upserted article is found at once, a removed one never again; a restart
neither re-tokenises the knowledge base nor re-embeds the situation triggers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from indexer.build import build_index, lexical_index
from indexer.lexical import BM25, tokenize
from indexer.search import ArticleIndex
from kb.models import Language

KEPT = ("return-item", "reset-password", "invoice", "gift-card", "order-status")


@pytest.fixture()
def small_index(services, demo_articles, tmp_path):
    articles = [demo_articles[article_id] for article_id in KEPT]
    build_index(articles, services.encoder, tmp_path / "index", show_progress=False)
    return ArticleIndex.load(articles, tmp_path / "index", services.encoder)


def top_id(index, query, language=Language.EN):
    return index.search(query, limit=1, language=language)[0].article.id


def test_an_upserted_article_is_searchable_when_upsert_returns(small_index, demo_articles):
    question = "my package is late, when will it arrive?"
    assert top_id(small_index, question) != "delivery-delay"
    small_index.upsert(demo_articles["delivery-delay"])
    assert top_id(small_index, question) == "delivery-delay"
    assert top_id(small_index, "配達が遅れています", Language.JA) == "delivery-delay"
    assert small_index.version == 1


def test_replacing_an_article_drops_its_old_text(small_index, demo_articles):
    old = demo_articles["gift-card"]
    english = dataclasses.replace(old.variants[Language.EN], title="Ferry timetable to Nida",
                                  summary="Ferries leave Klaipėda hourly.", body="Ferries leave Klaipėda hourly.",
                                  questions=("ferry times", "when does the ferry leave", "boat to the spit"))
    small_index.upsert(dataclasses.replace(old, variants={Language.EN: english}))
    assert top_id(small_index, "when does the ferry to Nida leave") == "gift-card"
    assert "gift-card" not in small_index.lexical_scores("ギフトカードの残高", Language.JA)
    live = [entry for entry in small_index.entries if entry is not None and entry.article_id == "gift-card"]
    assert {entry.language for entry in live} == {"en"} and live[0].text == "Ferry timetable to Nida"
    assert small_index.backend.count() == len([e for e in small_index.entries if e is not None])


def test_a_removed_article_is_never_found_again(small_index):
    assert top_id(small_index, "I forgot my password") == "reset-password"
    assert small_index.remove("reset-password")
    hits = small_index.search("I forgot my password", limit=10, language=Language.EN)
    assert "reset-password" not in [hit.article.id for hit in hits]
    assert "reset-password" not in small_index.lexical_scores("password reset", Language.EN)
    assert not small_index.remove("reset-password") and small_index.version == 1


def test_the_saved_lexical_index_scores_like_a_fresh_one(small_index, demo_articles, tmp_path):
    articles = [demo_articles[article_id] for article_id in KEPT]
    _, fresh = lexical_index(articles)
    for query in ("invoice PDF", "パスワード", "grąžinti prekę", "礼品卡余额"):
        terms = tokenize(query)
        np.testing.assert_allclose(small_index.lexical.scores(terms), fresh.scores(terms))


def test_bm25_add_and_remove_and_a_saved_copy(tmp_path):
    documents = [tokenize(text) for text in ("red apple pie", "green apple", "blue sky")]
    index = BM25(documents[:2])
    position = index.add(documents[2])
    index.remove(0)
    scores = index.scores(tokenize("apple sky"))
    assert position == 2 and scores[0] == 0 and scores[1] > 0 and scores[2] > 0
    index.save(tmp_path / "bm25.npz")
    np.testing.assert_allclose(BM25.load(tmp_path / "bm25.npz").scores(tokenize("apple sky")), scores)


def test_loading_an_index_does_not_re_tokenise_the_knowledge_base(services, demo_articles, tmp_path, monkeypatch):
    articles = [demo_articles[article_id] for article_id in KEPT]
    build_index(articles, services.encoder, tmp_path / "index", show_progress=False)

    def refuse(_articles):
        raise AssertionError("the saved lexical index should have been used")

    monkeypatch.setattr("indexer.search.lexical_index", refuse)
    assert ArticleIndex.load(articles, tmp_path / "index", services.encoder).search("invoice", 1)


def test_situation_centroids_are_embedded_once_and_reused(services, tmp_path, monkeypatch):
    from indexer.situations import SituationDetector

    first = SituationDetector(services.templates, services.encoder, cache_dir=tmp_path)
    assert list(tmp_path.glob("situations-*.npy"))

    def refuse(*_args, **_kwargs):
        raise AssertionError("the cached centroids should have been used")

    monkeypatch.setattr(services.encoder, "encode_queries", refuse)
    second = SituationDetector(services.templates, services.encoder, cache_dir=tmp_path)
    np.testing.assert_array_equal(first.centroids, second.centroids)
