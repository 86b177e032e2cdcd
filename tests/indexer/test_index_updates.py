"""Live index changes: an upserted article is found at once, a removed one never again; a restart
neither re-tokenises the knowledge base nor re-embeds the situation triggers, embeds again only the
articles that changed, and rebuilds a corrupt or torn index; an index from before the second encoder gets only
that field embedded; live changes are checkpointed in batches."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import threading

import numpy as np
import pytest

from indexer.__main__ import main as indexer_main
from indexer.build import (
    DIGESTS_FILE,
    INDEX_FORMAT,
    OWNERS_FILE,
    VECTORS_FILE,
    _whole_kb_fingerprint,
    article_entries,
    build_index,
    index_is_current,
    lexical_index,
)
from indexer.checkpoint import Checkpointer
from indexer.lexical import BM25, tokenize
from indexer.search import ArticleIndex
from indexer.settings import DEMO_KB
from indexer.sync import open_index
from indexer.vector_sources import LANGUAGES, Entry, VectorSources
from kb.models import Language
from tests.helpers import record_embeddings

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
    live = small_index.sources.vectors_of("gift-card")
    assert {LANGUAGES[code] for code in small_index.sources.languages[live]} == {Language.EN}
    assert len(live) == len(article_entries(dataclasses.replace(old, variants={Language.EN: english})))
    assert small_index.backend.count() == small_index.sources.live_count()


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

    first = SituationDetector(services.default.templates, services.encoder, cache_dir=tmp_path)
    assert list(tmp_path.glob("situations-*.npy"))

    def refuse(*_args, **_kwargs):
        raise AssertionError("the cached centroids should have been used")

    monkeypatch.setattr(services.encoder, "encode_queries", refuse)
    second = SituationDetector(services.default.templates, services.encoder, cache_dir=tmp_path)
    np.testing.assert_array_equal(first.centroids, second.centroids)


@pytest.mark.parametrize("old_format", [1, 2])
def test_an_index_of_an_older_format_is_upgraded_in_place_without_re_embedding(services, demo_articles, tmp_path,
                                                                                monkeypatch, old_format):
    articles = [demo_articles[article_id] for article_id in KEPT]
    folder = tmp_path / "index"
    build_index(articles, services.encoder, folder, show_progress=False)
    expected = VectorSources.load(folder / OWNERS_FILE)
    # the same index as the older format wrote it: one fingerprint of the whole KB, no digests;
    # format 1 also kept every entry with its text instead of the owners file
    if old_format == 1:
        entries = [entry for article in articles for entry in article_entries(article)]
        (folder / "entries.json").write_text(json.dumps([entry.as_dict() for entry in entries]), encoding="utf-8")
        (folder / OWNERS_FILE).unlink()
    (folder / DIGESTS_FILE).unlink()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps(
        {**manifest, "format": old_format, "kb": _whole_kb_fingerprint(articles)}), encoding="utf-8")
    monkeypatch.setattr("indexer.build.embed_entries", lambda *_: pytest.fail("the upgrade must not re-embed"))

    assert index_is_current(folder, articles, services.encoder)
    upgraded = VectorSources.load(folder / OWNERS_FILE)
    assert upgraded.article_ids == expected.article_ids
    np.testing.assert_array_equal(upgraded.articles, expected.articles)
    np.testing.assert_array_equal(upgraded.fields, expected.fields)
    assert not (folder / "entries.json").exists()
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["format"] == INDEX_FORMAT
    assert top_id(ArticleIndex.load(articles, folder, services.encoder), "I forgot my password") == "reset-password"


@pytest.mark.parametrize("before", ["missing", "stale"])
def test_an_index_without_the_second_field_gets_only_that_field_embedded_in_place(services, demo_articles, tmp_path,
                                                                                  monkeypatch, before):
    pair = services.encoder
    articles = [demo_articles[article_id] for article_id in KEPT]
    folder = tmp_path / "index"
    build_index(articles, pair.primary if before == "missing" else pair, folder, show_progress=False)
    if before == "stale":  # made with another second model: every second vector is embedded again
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        manifest["fields"][1] = "use-m-of-another-release"
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    first_vectors = folder.joinpath(VECTORS_FILE).read_bytes()
    embedded_with = record_embeddings(monkeypatch, "indexer.sync")
    monkeypatch.setattr("indexer.search.embed_entries", lambda *_: pytest.fail("no article is embedded again"))
    monkeypatch.setattr("indexer.sync.build_index", lambda *_, **__: pytest.fail("no full rebuild"))
    index = open_index(articles, pair, folder)

    vectors = sum(len(article_entries(article)) for article in articles)
    assert {encoder for encoder, _ in embedded_with} == {pair.second}
    assert sum(len(entries) for _, entries in embedded_with) == vectors
    assert folder.joinpath(VECTORS_FILE).read_bytes() == first_vectors  # e5's field untouched
    assert index_is_current(folder, articles, pair) and len(index.backend.missing_from_field(1)) == 0
    rebuilt = tmp_path / "rebuilt"
    build_index(articles, pair, rebuilt, show_progress=False)
    fresh = ArticleIndex.load(articles, rebuilt, pair)
    for query in ("I forgot my password", "請求書が必要です", "礼品卡怎么用"):
        assert ([(hit.article.id, round(hit.rank_score, 5)) for hit in index.search(query, 3)]
                == [(hit.article.id, round(hit.rank_score, 5)) for hit in fresh.search(query, 3)])


def test_vector_sources_keep_each_articles_best_field_and_drop_removed_vectors(tmp_path):
    sources = VectorSources.of_entries([Entry("a", "en", "title", "A"), Entry("a", "lt", "body", "A"),
                                        Entry("b", "ja", "question", "B"), Entry("c", "zh", "summary", "C")])
    sources.remove(sources.vectors_of("c"))
    sources.save(tmp_path / "owners.json")
    loaded = VectorSources.load(tmp_path / "owners.json")
    scores, ids = np.array([0.9, 0.8, 0.7, 0.6, 0.0]), np.array([1, 3, 2, 0, -1])
    assert loaded.best_per_article(scores, ids) == [("a", 0.9, Language.LT, "body"),
                                                    ("b", 0.7, Language.JA, "question")]
    assert loaded.live_count() == 3 and list(loaded.vectors_of("c")) == []


def test_a_restart_embeds_again_only_the_articles_that_changed(services, demo_articles, tmp_path, monkeypatch):
    articles = [demo_articles[article_id] for article_id in KEPT]
    folder = tmp_path / "index"
    open_index(articles, services.encoder, folder)
    english = articles[0].variants[Language.EN]
    edited = dataclasses.replace(articles[0], variants={
        **articles[0].variants, Language.EN: dataclasses.replace(english, title="Returning a parcel to the shop")})
    now = [edited, *articles[1:3], demo_articles["delivery-delay"]]  # two removed, one added, one edited
    calls = record_embeddings(monkeypatch, "indexer.search")
    monkeypatch.setattr("indexer.sync.build_index", lambda *_, **__: pytest.fail("no full rebuild"))
    index = open_index(now, services.encoder, folder)
    embedded = [article_id for _, entries in calls for article_id in {entry.article_id for entry in entries}]
    assert sorted(embedded) == sorted([edited.id, "delivery-delay"])
    assert top_id(index, "my package is late, when will it arrive?") == "delivery-delay"
    assert KEPT[3] not in [hit.article.id for hit in index.search("I forgot my password", 10, language=Language.EN)]
    assert index_is_current(folder, now, services.encoder)
    calls.clear()
    again = open_index(now, services.encoder, folder)
    assert calls == [] and top_id(again, "my package is late, when will it arrive?") == "delivery-delay"


def test_a_corrupt_index_file_is_rebuilt_with_a_log_line(services, demo_articles, tmp_path, caplog):
    articles = [demo_articles[article_id] for article_id in KEPT]
    folder = tmp_path / "index"
    open_index(articles, services.encoder, folder)
    vectors = folder / VECTORS_FILE
    vectors.write_bytes(vectors.read_bytes()[:100])
    with caplog.at_level(logging.WARNING):
        index = open_index(articles, services.encoder, folder)
    assert f"torn ({VECTORS_FILE} not as written)" in caplog.text and "building it" in caplog.text
    assert top_id(index, "I forgot my password") == "reset-password"
    (folder / OWNERS_FILE).unlink()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="indexer.sync"):
        assert top_id(open_index(articles, services.encoder, folder), "I forgot my password") == "reset-password"
    assert "missing" in caplog.text


def test_a_torn_checkpoint_is_noticed_and_ignored(services, demo_articles, tmp_path, caplog):
    """A file whose bytes are not those the manifest recorded (a save torn by a power cut: same size,
    other bytes) is never loaded: the index is rebuilt from the knowledge base instead."""
    articles = [demo_articles[article_id] for article_id in KEPT]
    folder = tmp_path / "index"
    open_index(articles, services.encoder, folder)
    vectors = folder / VECTORS_FILE
    torn = bytearray(vectors.read_bytes())
    torn[-4000:] = bytes(4000)  # the last vectors zeroed, the file still loads
    vectors.write_bytes(bytes(torn))
    with caplog.at_level(logging.WARNING, logger="indexer.build"):
        index = open_index(articles, services.encoder, folder)
    assert "torn" in caplog.text and VECTORS_FILE in caplog.text
    assert top_id(index, "I forgot my password") == "reset-password"
    assert index_is_current(folder, articles, services.encoder)


def test_a_checkpoint_swap_cut_short_by_a_crash_is_completed_at_the_next_start(services, demo_articles, tmp_path,
                                                                              monkeypatch):
    articles = [demo_articles[article_id] for article_id in KEPT]
    folder = tmp_path / "index"
    open_index(articles, services.encoder, folder)
    folder.rename(folder.with_name("index.old"))  # write_index's first rename done, the second not
    monkeypatch.setattr("indexer.sync.build_index", lambda *_, **__: pytest.fail("no full rebuild"))
    index = open_index(articles, services.encoder, folder)
    assert top_id(index, "I forgot my password") == "reset-password" and folder.is_dir()


def test_the_checkpointer_saves_a_burst_of_writes_once_after_its_interval(services, demo_articles, tmp_path):
    articles = [demo_articles[article_id] for article_id in KEPT]
    folder = tmp_path / "index"
    index = open_index(articles, services.encoder, folder)
    now = [0.0]
    checkpointer = Checkpointer(index, folder, threading.Lock(), interval_s=2.0, clock=lambda: now[0])
    assert not checkpointer.save_if_due()  # nothing changed
    index.upsert(demo_articles["delivery-delay"])
    assert not checkpointer.save_if_due()  # changed just now: wait for more writes
    index.remove("invoice")
    now[0] = 1.9
    assert not checkpointer.save_if_due()
    now[0] = 2.0
    assert checkpointer.save_if_due() and checkpointer.saves == 1
    assert not checkpointer.save_if_due() and not checkpointer.save_if_changed()
    saved = [article for article in articles if article.id != "invoice"] + [demo_articles["delivery-delay"]]
    assert index_is_current(folder, saved, services.encoder)


def test_make_index_fills_only_the_second_field_of_an_index_made_without_it(tmp_path, monkeypatch, capsys):
    kb = tmp_path / "kb"
    (kb / "articles").mkdir(parents=True)
    for article_id in ("invoice", "gift-card"):
        shutil.copy(DEMO_KB / "articles" / f"{article_id}.yaml", kb / "articles")
    out = tmp_path / "index"
    build = ["build", "--kb", str(kb), "--out", str(out)]
    monkeypatch.setenv("KB_SECOND_ENCODER", "none")
    assert indexer_main(build) == 0 and not (out / "vectors-2.faiss").exists()
    e5_vectors = (out / VECTORS_FILE).read_bytes()
    monkeypatch.delenv("KB_SECOND_ENCODER")
    capsys.readouterr()
    assert indexer_main(build) == 0
    assert "embedding only that field, in place" in capsys.readouterr().out
    assert (out / VECTORS_FILE).read_bytes() == e5_vectors and (out / "vectors-2.faiss").is_file()
    assert indexer_main(build) == 0 and "is current" in capsys.readouterr().out
