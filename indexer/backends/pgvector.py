"""Vectors in PostgreSQL with pgvector: one table per index, an HNSW index for inner product.

pgvector specifics handled here:

* ``<#>`` returns the *negative* inner product, so the score is ``-(a <#> b)`` and the order is
  ascending ``<#>``;
* ``hnsw.ef_search`` is set per query (its default, 40, is too low for the 256 candidates the
  search asks for) and ``hnsw.iterative_scan`` lets a filtered query keep scanning until it has
  its rows;
* bulk loads go through ``COPY``; the HNSW index is built once, after the first bulk load.

The index folder keeps only a small file naming the table (never the connection string).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from indexer.backends.base import VectorBackend

TABLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PgvectorBackend(VectorBackend):
    """Inner-product search in a PostgreSQL table.

    Args:
        dim: vector dimension.
        dsn: connection string of a database with the ``vector`` extension available.
        table: the table holding this index (lowercase letters, digits, underscores).
        ef_search: HNSW candidate list size per query (at least k is used).
        pool_size: most connections held open.
    """

    name = "pgvector"

    def __init__(self, dim: int, dsn: str, table: str, ef_search: int = 200, pool_size: int = 4):
        from psycopg_pool import ConnectionPool

        if not TABLE.match(table):
            raise ValueError(f"table name {table!r}: use lowercase letters, digits and underscores")
        self.dim = dim
        self.table = table
        self.ef_search = ef_search
        self.pool = ConnectionPool(dsn, min_size=1, max_size=pool_size, open=True, timeout=5,
                                   check=ConnectionPool.check_connection, kwargs={"autocommit": True})
        with self.pool.connection() as connection:
            connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
            connection.execute(f"CREATE TABLE IF NOT EXISTS {table} (id BIGINT PRIMARY KEY, embedding vector({dim}))")

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        rows = [(int(i), _literal(v)) for i, v in zip(ids, np.asarray(vectors, dtype=np.float32))]
        with self.pool.connection() as connection, connection.transaction():
            connection.execute(f"DELETE FROM {self.table} WHERE id = ANY(%s)", ([row[0] for row in rows],))  # noqa: S608 (the table name matched TABLE in __init__)
            with connection.cursor().copy(f"COPY {self.table} (id, embedding) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            connection.execute(f"CREATE INDEX IF NOT EXISTS {self.table}_hnsw ON {self.table} "
                               "USING hnsw (embedding vector_ip_ops)")

    def remove(self, ids: np.ndarray) -> None:
        with self.pool.connection() as connection:
            connection.execute(f"DELETE FROM {self.table} WHERE id = ANY(%s)", ([int(i) for i in ids],))  # noqa: S608 (the table name matched TABLE in __init__)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        with self.pool.connection() as connection, connection.transaction():
            connection.execute(f"SET LOCAL hnsw.ef_search = {max(self.ef_search, k)}")
            connection.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            for row, query in enumerate(np.asarray(queries, dtype=np.float32)):
                found = connection.execute(
                    f"SELECT id, -(embedding <#> %s::vector) FROM {self.table} "  # noqa: S608 (the table name matched TABLE in __init__)
                    f"ORDER BY embedding <#> %s::vector LIMIT %s", (_literal(query), _literal(query), k)).fetchall()
                # relaxed order: HNSW may return near-ties slightly out of order
                found.sort(key=lambda item: -item[1])
                for column, (vector_id, score) in enumerate(found):
                    ids[row, column], scores[row, column] = vector_id, score
        return scores, ids

    def count(self) -> int:
        with self.pool.connection() as connection:
            return connection.execute(f"SELECT COUNT(*) FROM {self.table}").fetchone()[0]  # noqa: S608 (the table name matched TABLE in __init__)

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps({"backend": self.name, "table": self.table, "dim": self.dim}),
                              encoding="utf-8")

    def load(self, path: Path) -> None:
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
        if saved.get("table") != self.table or saved.get("dim") != self.dim:
            raise ValueError(f"{path} names table {saved.get('table')} of dimension {saved.get('dim')}, "
                             f"not {self.table} of {self.dim}")

    def close(self) -> None:
        self.pool.close()


def _literal(vector: np.ndarray) -> str:
    """pgvector's text form of a vector: ``[0.1,0.2,...]``."""
    return "[" + ",".join(f"{x:.8g}" for x in vector) + "]"
