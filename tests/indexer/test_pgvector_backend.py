"""The pgvector backend against a real PostgreSQL: the same answers as FAISS on the demo KB, and
the rules that let many processes share it."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from evals.common import load_yaml
from indexer.backends import ArticleVectors, create_backend
from indexer.backends.pgvector import MIGRATIONS as PGVECTOR_MIGRATIONS
from indexer.backends.pgvector import SECOND_DIM
from indexer.build import article_entries, embed_entries
from indexer.search import ArticleIndex
from indexer.sync import open_shared_index
from kb.models import Language
from kb.stores import StoredArticle
from tests.helpers import record_embeddings
from tests.postgres import PostgresServer
from tests.servers import free_port

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def faiss_services(services):
    if services.settings.vector_backend != "faiss":
        pytest.skip("compares pgvector with the FAISS-backed service")
    return services


def test_pgvector_returns_the_top_3_articles_of_faiss_for_every_test_query(postgres, faiss_services):
    services = faiss_services
    faiss_index = services.default.index
    stored = [StoredArticle(article, 1, None, seq) for seq, article in enumerate(faiss_index.articles.values(), 1)]
    backend = create_backend("pgvector", services.encoder.dims, postgres.create_database("vectors"), "demo")
    pg_index = open_shared_index(stored, services.encoder, backend)
    assert backend.count() == faiss_index.backend.count() == pg_index.sources.live_count()
    queries = [(text, Language(code)) for by_language in load_yaml("paraphrases.yaml").values()
               for code, text in by_language.items()]
    for text, language in queries:
        vector = services.encoder.encode_queries([text])[0]
        expected = [hit.article.id for hit in faiss_index.search(text, 3, vector, language)]
        assert [hit.article.id for hit in pg_index.search(text, 3, vector, language)] == expected, text
    assert open_shared_index(stored, services.encoder, backend).sources.live_count() == backend.count()  # nothing re-embedded
    backend.close()


def test_pgvector_adds_replaces_removes_and_pads(postgres):
    backend = create_backend("pgvector", 4, postgres.create_database("small"), "small")
    unit = np.eye(4, dtype=np.float32)
    backend.add(np.array([10, 11, 12]), unit[:3])
    scores, ids = backend.search(unit[:1], 5)
    assert ids[0, 0] == 10 and scores[0, 0] == pytest.approx(1.0) and list(ids[0, 3:]) == [-1, -1]
    backend.add(np.array([10]), unit[3:4])  # replace vector 10
    backend.remove(np.array([11]))
    assert backend.count() == 2
    _, ids = backend.search(unit[3:4], 1)
    assert ids[0, 0] == 10
    with pytest.raises(ValueError, match="dsn"):
        create_backend("pgvector", 4)
    backend.close()


def test_tenants_are_apart_and_a_late_write_of_an_older_change_is_ignored(postgres):
    dsn = postgres.create_database("shared")
    first, second = create_backend("pgvector", 4, dsn, "first"), create_backend("pgvector", 4, dsn, "second")
    unit = np.eye(4, dtype=np.float32)

    def vectors(seq: int, rows: np.ndarray) -> ArticleVectors:
        return ArticleVectors("a", seq, np.zeros(len(rows), dtype=np.int8), np.zeros(len(rows), dtype=np.int8), rows)

    [ids] = first.put_articles([vectors(2, unit[:2])])
    assert list(ids) == [0, 1]
    assert first.put_articles([vectors(1, unit[2:3])]) == [None]  # older than what is there: ignored
    assert first.article_vectors("a").seq == 2 and first.count() == 2
    assert second.count() == 0 and second.search(unit[:1], 3)[1][0, 0] == -1  # the other tenant sees nothing
    [ids] = second.put_articles([vectors(1, unit[:1])])
    assert list(ids) == [0]  # ids are numbered per tenant
    first.delete_article("a", 3)
    assert first.put_articles([vectors(2, unit[:1])]) == [None]  # a write that lost the race with the deletion
    assert first.count() == 0 and first.article_vectors("a") is None and first.applied() == {}
    assert second.applied() == {"a": 1}
    first.close()
    second.close()


def test_vectors_of_another_model_are_dropped(postgres):
    backend = create_backend("pgvector", 4, postgres.create_database("models"), "t")
    codes = np.zeros(1, dtype=np.int8)
    assert not backend.claim_model("model-a")  # a new tenant: nothing to drop
    backend.put_articles([ArticleVectors("a", 1, codes, codes, np.eye(4, dtype=np.float32)[:1])])
    assert not backend.claim_model("model-a") and backend.count() == 1  # same model: kept
    assert backend.claim_model("model-b")
    assert backend.count() == 0 and backend.applied() == {}
    [ids] = backend.put_articles([ArticleVectors("a", 1, codes, codes, np.eye(4, dtype=np.float32)[:1])])
    assert list(ids) == [1]  # ids never repeat, so no process can confuse an old vector with a new one
    backend.close()


def unit_rows(count: int, dim: int, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(count, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_the_second_field_is_searched_scored_filled_and_dropped_on_its_own(postgres):
    dsn = postgres.create_database("fields")
    backend = create_backend("pgvector", (4, SECOND_DIM), dsn, "t")
    first, second = np.eye(4, dtype=np.float32), unit_rows(4, SECOND_DIM)
    codes = np.zeros(3, dtype=np.int8)
    assert not backend.claim_model("e5") and not backend.claim_model("use-m", field=1)  # a new tenant: none to drop
    [ids] = backend.put_articles([ArticleVectors("a", 1, codes, codes, np.hstack([first[:3], second[:3]]))])
    scores, found = backend.search(np.hstack([first[:1], second[2:3]]), 1)
    assert {ids[0], ids[2]} <= set(found[0].tolist())  # the first field finds one, the second the other
    for column, vector_id in enumerate(found[0]):
        position = list(ids).index(vector_id)
        np.testing.assert_allclose(scores[0, column], [first[position] @ first[0], second[position] @ second[2]],
                                   atol=1e-5)
    # a process without the second encoder writes its vectors with that field empty
    one_field = create_backend("pgvector", 4, dsn, "t")
    [late] = one_field.put_articles([ArticleVectors("b", 1, codes[:1], codes[:1], first[3:4])])
    np.testing.assert_array_equal(backend.missing_from_field(1), late)
    scores, found = backend.search(np.hstack([first[3:4], second[3:4]]), 4)
    assert np.isnan(scores[0, list(found[0]).index(late[0]), 1])
    backend.fill_field(1, late, second[3:4])
    assert len(backend.missing_from_field(1)) == 0
    assert not backend.claim_model("use-m", field=1) and len(backend.missing_from_field(1)) == 0
    assert backend.claim_model("use-m-next", field=1)  # another second model: only that field goes
    assert backend.count() == 4 and len(backend.missing_from_field(1)) == 4 and not backend.claim_model("e5")
    with pytest.raises(ValueError, match=f"one second field of size {SECOND_DIM}"):
        create_backend("pgvector", (4, 8), dsn, "t")
    backend.close()
    one_field.close()


def test_a_shared_index_from_before_the_second_encoder_gets_only_that_field_embedded(postgres, faiss_services,
                                                                                    monkeypatch):
    pair = faiss_services.encoder
    articles = list(faiss_services.default.index.articles.values())[:4]
    stored = [StoredArticle(article, 1, None, seq) for seq, article in enumerate(articles, 1)]
    dsn = postgres.create_database("upgrade")
    before = create_backend("pgvector", pair.primary.dims, dsn, "demo")
    open_shared_index(stored, pair.primary, before)
    before.close()
    embedded_with = record_embeddings(monkeypatch, "indexer.sync")
    backend = create_backend("pgvector", pair.dims, dsn, "demo")
    index = open_shared_index(stored, pair, backend)
    assert {encoder for encoder, _ in embedded_with} == {pair.second}
    assert sum(len(entries) for _, entries in embedded_with) == backend.count() and len(backend.missing_from_field(1)) == 0
    entries = [entry for article in articles for entry in article_entries(article)]
    local_vectors = create_backend("faiss", pair.dims)
    local_vectors.add(np.flatnonzero(index.sources.articles >= 0), embed_entries(pair, entries))
    local = ArticleIndex(articles, index.sources, local_vectors, pair)
    for query in ("I forgot my password", "退货要多久"):
        assert [hit.article.id for hit in index.search(query, 3)] == [hit.article.id for hit in local.search(query, 3)]
    backend.close()


def test_searches_can_go_to_a_streaming_read_replica(postgres):
    dsn = postgres.create_database("replicated")
    replica = PostgresServer(Path(tempfile.mkdtemp(prefix="kb-pg-replica-")), free_port())
    backend = None
    try:
        replica.start_replica_of(postgres)
        backend = create_backend("pgvector", 4, dsn, "t", read_dsn=replica.database_dsn("replicated"))
        with backend.read_pool.connection() as connection:
            assert connection.execute("SELECT pg_is_in_recovery()").fetchone()[0]  # searches read the replica
        unit = np.eye(4, dtype=np.float32)
        codes = np.zeros(2, dtype=np.int8)
        [ids] = backend.put_articles([ArticleVectors("a", 1, codes, codes, unit[:2])])  # written to the primary
        deadline = time.monotonic() + 30
        while backend.article_vectors("a") is None:  # read from the replica, once it has replayed the write
            assert time.monotonic() < deadline, "the replica never received the vectors"
            time.sleep(0.05)
        assert backend.search(unit[1:2], 1)[1][0, 0] == ids[1]
    finally:
        if backend is not None:
            backend.close()
        replica.stop()
        shutil.rmtree(replica.folder, ignore_errors=True)


# the backend's tables as the code before they were versioned made them, with one tenant's vector
UNVERSIONED_VECTOR_TABLES = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE IF NOT EXISTS kb_vectors (
    tenant TEXT NOT NULL, id BIGINT NOT NULL, article_id TEXT, language SMALLINT, field SMALLINT,
    embedding vector(4) NOT NULL, PRIMARY KEY (tenant, id));
CREATE INDEX IF NOT EXISTS kb_vectors_by_article ON kb_vectors (tenant, article_id);
CREATE INDEX IF NOT EXISTS kb_vectors_hnsw ON kb_vectors USING hnsw (embedding vector_ip_ops);
CREATE TABLE IF NOT EXISTS kb_vector_articles (
    tenant TEXT NOT NULL, article_id TEXT NOT NULL, seq BIGINT NOT NULL, deleted BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (tenant, article_id));
CREATE TABLE IF NOT EXISTS kb_vector_tenants (tenant TEXT PRIMARY KEY, next_id BIGINT NOT NULL, model TEXT);
ALTER TABLE kb_vector_tenants ADD COLUMN IF NOT EXISTS model TEXT;
INSERT INTO kb_vectors (tenant, id, article_id, language, field, embedding) VALUES ('t', 0, 'a', 0, 0, '[0,1,0,0]');
INSERT INTO kb_vector_articles (tenant, article_id, seq) VALUES ('t', 'a', 1);
INSERT INTO kb_vector_tenants (tenant, next_id, model) VALUES ('t', 1, 'model-a')
"""


def test_a_database_made_before_the_vector_tables_were_versioned_is_upgraded_keeping_its_vectors(postgres):
    import psycopg

    from kb.stores import create_store
    from kb.stores.sql import MIGRATIONS as STORE_MIGRATIONS

    dsn = postgres.create_database("unversioned")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for version, migration in enumerate(STORE_MIGRATIONS, start=1):
            for statement in migration.split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
        for statement in UNVERSIONED_VECTOR_TABLES.split(";"):
            connection.execute(statement)
    backend = create_backend("pgvector", 4, dsn, "t")
    store = create_store("postgres", dsn)
    try:
        assert backend.count() == 1 and backend.applied() == {"a": 1} and not backend.claim_model("model-a")
        assert backend.search(np.eye(4, dtype=np.float32)[1:2], 1)[1][0, 0] == 0
        assert store.schema_version == len(STORE_MIGRATIONS)
        with psycopg.connect(dsn) as connection:
            versions = dict(connection.execute("SELECT series, MAX(version) FROM schema_version GROUP BY series"))
        assert versions == {"store": len(STORE_MIGRATIONS), "pgvector": len(PGVECTOR_MIGRATIONS)}
    finally:
        backend.close()
        store.close()


def test_the_vector_tables_and_the_store_migrate_in_either_order_once(postgres):
    import psycopg

    from kb.stores import create_store
    from kb.stores.sql import MIGRATIONS as STORE_MIGRATIONS

    for order in (("pgvector", "postgres"), ("postgres", "pgvector")):
        dsn = postgres.create_database(f"fresh_{order[0]}")
        opened = [create_backend(name, 4, dsn, "t") if name == "pgvector" else create_store(name, dsn)
                  for name in order * 2]  # the second time: up to date, nothing applied again
        with psycopg.connect(dsn) as connection:
            rows = connection.execute("SELECT series, version FROM schema_version ORDER BY series, version").fetchall()
        assert rows == ([("pgvector", version) for version in range(1, len(PGVECTOR_MIGRATIONS) + 1)]
                        + [("store", version) for version in range(1, len(STORE_MIGRATIONS) + 1)]), order
        for thing in opened:
            thing.close()
