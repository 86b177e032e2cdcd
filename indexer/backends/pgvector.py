"""Vectors in PostgreSQL with pgvector, shared by every API process of a deployment.

One table holds every tenant's field vectors (``kb_vectors``: tenant, id, article, language,
field, embedding, and the second encoder's ``embedding_2``) under an HNSW index per vector column for inner
product; ids are numbered per tenant
(``kb_vector_tenants``, which also names the model the tenant's vectors are made with), so each
process keeps its owner columns dense; ``kb_vector_articles`` records, per
article, the store change its vectors were made from, so a late write of an older version never
replaces a newer one, and a process that learns of a change can tell whether its vectors are there.

pgvector specifics handled here:

* ``<#>`` returns the *negative* inner product, so the score is ``-(a <#> b)`` and the order is
  ascending ``<#>``;
* with two vector fields a query searches each column's HNSW index and scores every candidate
  either found on both columns, in one statement;
* ``hnsw.ef_search`` is set per query (its default, 40, is too low for the 256 candidates the
  search asks for), and ``hnsw.iterative_scan`` lets the query filtered to one tenant keep
  scanning the graph until it has its rows;
* vectors go to and from the server through pgvector's psycopg adapter; the tables are a series of
  versioned migrations (:data:`MIGRATIONS`) that the store's runner applies in the same database;
* rows go in through ``COPY``; connections come from a psycopg pool that checks them before use,
  statements have a timeout, and an unreachable server raises :class:`StoreUnavailableError`
  (the API answers 503 with ``Retry-After``) until it is back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from indexer.backends.base import ArticleVectors, SharedVectorBackend, split_fields
from kb.stores import StoreUnavailableError
from kb.stores.postgres import migrate_series

# The backend's tables, a series of versioned migrations run by the store's runner
# (kb.stores.postgres.migrate_series) in the same database; ``{dim}`` is the vector dimension.
# IF NOT EXISTS: databases set up before these tables were versioned already hold them.
MIGRATIONS: list[str] = [
    """
    CREATE EXTENSION IF NOT EXISTS vector;
    CREATE TABLE IF NOT EXISTS kb_vectors (
        tenant TEXT NOT NULL,
        id BIGINT NOT NULL,
        article_id TEXT,
        language SMALLINT,
        field SMALLINT,
        embedding vector({dim}) NOT NULL,
        PRIMARY KEY (tenant, id)
    );
    CREATE INDEX IF NOT EXISTS kb_vectors_by_article ON kb_vectors (tenant, article_id);
    CREATE INDEX IF NOT EXISTS kb_vectors_hnsw ON kb_vectors USING hnsw (embedding vector_ip_ops);
    CREATE TABLE IF NOT EXISTS kb_vector_articles (
        tenant TEXT NOT NULL,
        article_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        deleted BOOLEAN NOT NULL DEFAULT FALSE,
        PRIMARY KEY (tenant, article_id)
    );
    CREATE TABLE IF NOT EXISTS kb_vector_tenants (
        tenant TEXT PRIMARY KEY,
        next_id BIGINT NOT NULL
    );
    """,
    # 2: the model a tenant's vectors are made with
    """
    ALTER TABLE kb_vector_tenants ADD COLUMN IF NOT EXISTS model TEXT
    """,
    # 3: the second encoder's vector field (NULL until embedded), and the model it is made with
    """
    ALTER TABLE kb_vectors ADD COLUMN IF NOT EXISTS embedding_2 vector({second_dim});
    CREATE INDEX IF NOT EXISTS kb_vectors_hnsw_2 ON kb_vectors USING hnsw (embedding_2 vector_ip_ops);
    ALTER TABLE kb_vector_tenants ADD COLUMN IF NOT EXISTS second_model TEXT
    """,
]
# the size of the second vector field: the second encoder's (USE-m, indexer.encoders.use.DIM)
SECOND_DIM = 512
COLUMNS = ("embedding", "embedding_2")  # the vector column of each field
SERIES = "pgvector"  # the name the store's runner records these tables' version under


class PgvectorBackend(SharedVectorBackend):
    """One tenant's vectors in the shared pgvector tables.

    Args:
        dims: the size of each vector field (a second field must be :data:`SECOND_DIM` wide).
        dsn: connection string of a database where the ``vector`` extension is available.
        tenant: whose vectors this backend reads and writes.
        ef_search: HNSW candidate list size per query (at least k is used).
        pool_size: most connections held open (per pool).
        statement_timeout_ms: longest a statement may run.
        read_dsn: a streaming read replica of that database for searches and for reading the
            vectors other processes wrote (None: the primary); writes always go to ``dsn``.
    """

    name = "pgvector"
    shared = True

    def __init__(self, dims: tuple[int, ...], dsn: str, tenant: str, ef_search: int = 200, pool_size: int = 4,
                 statement_timeout_ms: int = 10_000, read_dsn: str | None = None):
        self.dims = tuple(dims)
        if len(self.dims) > 1 and self.dims[1:] != (SECOND_DIM,):
            raise ValueError(f"the pgvector backend keeps one second field of size {SECOND_DIM}, not {self.dims[1:]}")
        self.tenant = tenant
        self.ef_search = ef_search
        _migrate(dsn, int(self.dims[0]), statement_timeout_ms)
        self.pool = _pool(dsn, pool_size, statement_timeout_ms)
        self.read_pool = _pool(read_dsn, pool_size, statement_timeout_ms) if read_dsn else self.pool

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        fields = split_fields(vectors, self.dims)
        with self._connection() as connection, connection.transaction():
            connection.execute("DELETE FROM kb_vectors WHERE tenant = %s AND id = ANY(%s)",
                               (self.tenant, [int(i) for i in ids]))
            with connection.cursor().copy(f"COPY kb_vectors (id, tenant, {self._columns}) FROM STDIN") as copy:
                for number, vector_id in enumerate(ids):
                    copy.write_row((int(vector_id), self.tenant, *(field[number] for field in fields)))

    def fill_field(self, field: int, ids: np.ndarray, vectors: np.ndarray) -> None:
        column = COLUMNS[field]
        with self._connection() as connection, connection.transaction():
            connection.cursor().executemany(
                f"UPDATE kb_vectors SET {column} = %s WHERE tenant = %s AND id = %s",  # noqa: S608 (constant columns)
                [(vector, self.tenant, int(vector_id)) for vector_id, vector in
                 zip(ids, np.asarray(vectors, dtype=np.float32))])

    def missing_from_field(self, field: int) -> np.ndarray:
        with self._connection() as connection:
            rows = connection.execute(f"SELECT id FROM kb_vectors WHERE tenant = %s AND {COLUMNS[field]} IS NULL "  # noqa: S608
                                      "AND article_id IS NOT NULL ORDER BY id", (self.tenant,)).fetchall()
        return np.array([row[0] for row in rows], dtype=np.int64)

    def remove(self, ids: np.ndarray) -> None:
        with self._connection() as connection:
            connection.execute("DELETE FROM kb_vectors WHERE tenant = %s AND id = ANY(%s)",
                               (self.tenant, [int(i) for i in ids]))

    def put_articles(self, articles: list[ArticleVectors]) -> list[np.ndarray | None]:
        results: list[np.ndarray | None] = []
        with self._connection() as connection, connection.transaction():
            for article in articles:
                if not self._claim(connection, article.article_id, article.seq, deleted=False):
                    results.append(None)
                    continue
                count = len(article.fields)
                end = connection.execute(
                    "INSERT INTO kb_vector_tenants (tenant, next_id) VALUES (%s, %s) ON CONFLICT (tenant) "
                    "DO UPDATE SET next_id = kb_vector_tenants.next_id + excluded.next_id RETURNING next_id",
                    (self.tenant, count)).fetchone()[0]
                ids = list(range(end - count, end))
                with connection.cursor().copy(f"COPY kb_vectors (id, tenant, article_id, language, field, "
                                              f"{self._columns}) FROM STDIN") as copy:
                    for vector_id, language, field, *vectors in zip(
                            ids, article.languages.tolist(), article.fields.tolist(),
                            *split_fields(article.vectors, self.dims)):
                        copy.write_row((vector_id, self.tenant, article.article_id, language, field, *vectors))
                results.append(np.array(ids, dtype=np.int64))
        return results

    def delete_article(self, article_id: str, seq: int) -> None:
        with self._connection() as connection, connection.transaction():
            self._claim(connection, article_id, seq, deleted=True)

    def claim_model(self, fingerprint: str, field: int = 0) -> bool:
        model = ("model", "second_model")[field]
        with self._connection() as connection, connection.transaction():
            found = connection.execute(
                f"INSERT INTO kb_vector_tenants (tenant, next_id, {model}) VALUES (%s, 0, %s) "  # noqa: S608 (constant columns)
                f"ON CONFLICT (tenant) DO UPDATE SET tenant = excluded.tenant RETURNING {model}",
                (self.tenant, fingerprint)).fetchone()[0]
            if found == fingerprint:
                return False
            if field:  # vectors of no recorded second model (a tenant from before the field) are only missing
                connection.execute(f"UPDATE kb_vectors SET {COLUMNS[field]} = NULL WHERE tenant = %s", (self.tenant,))  # noqa: S608
            else:
                for table in ("kb_vectors", "kb_vector_articles"):
                    connection.execute(f"DELETE FROM {table} WHERE tenant = %s", (self.tenant,))  # noqa: S608 (constant table names)
            connection.execute(f"UPDATE kb_vector_tenants SET {model} = %s WHERE tenant = %s",  # noqa: S608
                               (fingerprint, self.tenant))
            return found is not None or not field

    def article_vectors(self, article_id: str) -> ArticleVectors | None:
        with self._connection(self.read_pool) as connection:
            found = connection.execute("SELECT seq FROM kb_vector_articles WHERE tenant = %s AND article_id = %s "
                                       "AND NOT deleted", (self.tenant, article_id)).fetchone()
            if found is None:
                return None
            rows = connection.execute("SELECT id, language, field FROM kb_vectors WHERE tenant = %s "
                                      "AND article_id = %s ORDER BY id", (self.tenant, article_id)).fetchall()
        columns = np.array(rows, dtype=np.int64).reshape(-1, 3)
        return ArticleVectors(article_id, found[0], columns[:, 1], columns[:, 2], ids=columns[:, 0])

    def applied(self) -> dict[str, int]:
        with self._connection() as connection:
            rows = connection.execute("SELECT article_id, seq FROM kb_vector_articles WHERE tenant = %s "
                                      "AND NOT deleted", (self.tenant,)).fetchall()
        return dict(rows)

    def vector_sources(self) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
        with self._connection() as connection:
            rows = connection.execute("SELECT id, article_id, language, field FROM kb_vectors WHERE tenant = %s "
                                      "AND article_id IS NOT NULL ORDER BY id", (self.tenant,)).fetchall()
        return (np.array([row[0] for row in rows], dtype=np.int64), [row[1] for row in rows],
                np.array([row[2] for row in rows], dtype=np.int8), np.array([row[3] for row in rows], dtype=np.int8))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self.dims) > 1:
            return self._search_fields(split_fields(queries, self.dims), k)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        with self._connection(self.read_pool) as connection, connection.transaction():
            connection.execute(f"SET LOCAL hnsw.ef_search = {max(self.ef_search, int(k))}")
            connection.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            for row, query in enumerate(np.asarray(queries, dtype=np.float32)):
                found = connection.execute(
                    "SELECT id, -(embedding <#> %s) FROM kb_vectors WHERE tenant = %s "
                    "ORDER BY embedding <#> %s LIMIT %s", (query, self.tenant, query, k)).fetchall()
                # relaxed order: HNSW may return near-ties slightly out of order
                found.sort(key=lambda item: -item[1])
                for column, (vector_id, score) in enumerate(found):
                    ids[row, column], scores[row, column] = vector_id, score
        return scores, ids

    def _search_fields(self, queries: list[np.ndarray], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Each column's nearest ``k``, then both columns' scores of every one of them, per query."""
        found = []
        with self._connection(self.read_pool) as connection, connection.transaction():
            connection.execute(f"SET LOCAL hnsw.ef_search = {max(self.ef_search, int(k))}")
            connection.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            for first, second in zip(*queries):
                found.append(connection.execute(
                    "WITH candidates AS ((SELECT id FROM kb_vectors WHERE tenant = %(tenant)s "
                    "ORDER BY embedding <#> %(first)s LIMIT %(k)s) UNION (SELECT id FROM kb_vectors "
                    "WHERE tenant = %(tenant)s ORDER BY embedding_2 <#> %(second)s LIMIT %(k)s)) "
                    "SELECT id, -(embedding <#> %(first)s), -(embedding_2 <#> %(second)s) FROM kb_vectors "
                    "WHERE tenant = %(tenant)s AND id IN (SELECT id FROM candidates) ORDER BY id",
                    {"tenant": self.tenant, "first": first, "second": second, "k": k}).fetchall())
        ids = np.full((len(found), max([1, *map(len, found)])), -1, dtype=np.int64)
        scores = np.full((*ids.shape, 2), np.nan, dtype=np.float32)
        for row, rows in enumerate(found):
            for column, (vector_id, *field_scores) in enumerate(rows):
                ids[row, column] = vector_id
                scores[row, column] = [np.nan if score is None else score for score in field_scores]
        return scores, ids

    @property
    def _columns(self) -> str:
        """The vector columns of this backend's fields, as a COPY column list."""
        return ", ".join(COLUMNS[:len(self.dims)])

    def count(self) -> int:
        with self._connection() as connection:
            return connection.execute("SELECT COUNT(*) FROM kb_vectors WHERE tenant = %s",
                                      (self.tenant,)).fetchone()[0]

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps({"backend": self.name, "tenant": self.tenant, "dim": self.dims[0]}),
                              encoding="utf-8")

    def load(self, path: Path) -> None:
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
        if saved.get("tenant") != self.tenant or saved.get("dim") != self.dims[0]:
            raise ValueError(f"{path} names tenant {saved.get('tenant')} of dimension {saved.get('dim')}, "
                             f"not {self.tenant} of {self.dims[0]}")

    def close(self) -> None:
        self.pool.close()
        self.read_pool.close()

    def _claim(self, connection, article_id: str, seq: int, deleted: bool) -> bool:
        """Make ``seq`` the article's applied change and drop its old vectors, unless a later change
        was applied already (then nothing changes and this returns False)."""
        claimed = connection.execute(
            "INSERT INTO kb_vector_articles (tenant, article_id, seq, deleted) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (tenant, article_id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted "
            "WHERE kb_vector_articles.seq <= excluded.seq RETURNING seq", (self.tenant, article_id, seq, deleted)
        ).fetchone()
        if claimed is None:
            return False
        connection.execute("DELETE FROM kb_vectors WHERE tenant = %s AND article_id = %s", (self.tenant, article_id))
        return True

    @contextmanager
    def _connection(self, pool=None) -> Iterator:
        """A connection of ``pool`` (the primary's by default); an unreachable server raises
        :class:`StoreUnavailableError`."""
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with (pool or self.pool).connection() as connection:
                yield connection
        except (PoolTimeout, psycopg.OperationalError) as error:
            raise StoreUnavailableError(f"the pgvector database is unreachable: {error}") from error


def _migrate(dsn: str, dim: int, statement_timeout_ms: int) -> None:
    """Create or upgrade the backend's tables (:data:`MIGRATIONS`) for vectors of dimension ``dim``.

    Raises:
        StoreUnavailableError: the server cannot be reached.
    """
    import psycopg

    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5,
                             options=f"-c statement_timeout={statement_timeout_ms}") as connection:
            migrate_series(connection, SERIES, [migration.format(dim=dim, second_dim=SECOND_DIM)
                                                for migration in MIGRATIONS])
    except psycopg.OperationalError as error:
        raise StoreUnavailableError(f"the pgvector database is unreachable: {error}") from error


def _pool(dsn: str, size: int, statement_timeout_ms: int):
    """An open connection pool that checks connections before use (so it recovers after an outage)
    and passes numpy vectors as pgvector's ``vector`` (its psycopg adapter).

    Raises:
        StoreUnavailableError: the server cannot be reached.
    """
    from pgvector.psycopg import register_vector
    from psycopg_pool import ConnectionPool

    pool = ConnectionPool(dsn, min_size=1, max_size=size, open=False, timeout=5,
                          check=ConnectionPool.check_connection, configure=register_vector,
                          kwargs={"autocommit": True, "connect_timeout": 5,
                                  "options": f"-c statement_timeout={statement_timeout_ms}"})
    try:
        pool.open(wait=True, timeout=10)
    except Exception as error:
        pool.close()
        raise StoreUnavailableError(f"the pgvector database is unreachable: {error}") from error
    return pool
