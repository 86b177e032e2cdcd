"""The store in PostgreSQL: what many stateless API replicas share.

The same statements and migrations as the embedded store (:mod:`kb.stores.sql`), over a psycopg 3
connection pool. Writers of one document are serialised with a transaction-scoped advisory lock,
so conditional writes from different replicas cannot interleave; every statement has a timeout.
When the server cannot be reached, calls fail fast with :class:`StoreUnavailableError` (the API
answers 503 with ``Retry-After``); the pool checks connections before use, so the store recovers by
itself when the server is back.

The database may hold other series of versioned tables beside the store's (the pgvector backend's):
:func:`migrate_series` applies each, recording the version of each series in ``schema_version``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kb.stores.base import StoreUnavailableError
from kb.stores.sql import MIGRATIONS, SqlStore, migrate

STORE_SERIES = "store"  # the store's own tables (kb.stores.sql.MIGRATIONS)
SCHEMA_LOCK = "schema//"  # the advisory lock one migrating process holds (any series)
SCHEMA_VERSIONS = [
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
    # versions recorded before there were other series are the store's
    f"ALTER TABLE schema_version ADD COLUMN IF NOT EXISTS series TEXT NOT NULL DEFAULT '{STORE_SERIES}'",
]


def migrate_series(connection, series: str, migrations: list[str]) -> None:
    """Apply the migrations of ``series`` that the database lacks (see :func:`kb.stores.sql.migrate`).

    Args:
        connection: a psycopg connection in autocommit mode.
        series: the name the series' version is recorded under, e.g. ``store`` or ``pgvector``.
        migrations: the series, statements without placeholders.
    """
    session = _Session(connection)

    @contextmanager
    def locked() -> Iterator[_Session]:
        with connection.transaction():
            session.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (SCHEMA_LOCK,))
            yield session

    with locked() as db:
        for statement in SCHEMA_VERSIONS:
            db.execute(statement)
    migrate(locked, migrations, lambda db: _series_version(db, series),
            lambda db, version: db.execute("INSERT INTO schema_version (series, version) VALUES (?, ?)",
                                           (series, version)))


def _series_version(db: _Session, series: str) -> int:
    return db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version WHERE series = ?",
                      (series,)).fetchone()[0]


class PostgresStore(SqlStore):
    """The store in a PostgreSQL database.

    Args:
        dsn: the connection string, e.g. ``postgresql://user@127.0.0.1:5432/kb``.
        pool_size: most connections held open.
        statement_timeout_ms: longest a statement may run.
    """

    def __init__(self, dsn: str, pool_size: int = 8, statement_timeout_ms: int = 5000, wait_s: float = 2.0):
        from psycopg_pool import ConnectionPool

        self.dsn = dsn
        self.pool = ConnectionPool(dsn, min_size=1, max_size=pool_size, open=True, timeout=wait_s,
                                   check=ConnectionPool.check_connection,
                                   kwargs={"autocommit": True, "connect_timeout": max(1, int(wait_s)),
                                           "options": f"-c statement_timeout={statement_timeout_ms}"})
        super().__init__()

    @contextmanager
    def transaction(self) -> Iterator[_Session]:
        with self._connection() as connection, connection.transaction():
            yield _Session(connection)

    @contextmanager
    def reading(self) -> Iterator[_Session]:
        with self._connection() as connection:
            yield _Session(connection)

    @contextmanager
    def _connection(self):
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self.pool.connection() as connection:
                yield connection
        except (PoolTimeout, psycopg.OperationalError) as error:
            raise StoreUnavailableError(f"the PostgreSQL store is unreachable: {error}") from error

    def _migrate(self) -> None:
        with self._connection() as connection:
            migrate_series(connection, STORE_SERIES, MIGRATIONS)

    def _schema_version(self, db: _Session) -> int:
        return _series_version(db, STORE_SERIES)

    def lock_document(self, db: _Session, table: str, tenant: str, key: str) -> None:
        db.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"{table}/{tenant}/{key}",))

    def close(self) -> None:
        self.pool.close()


class _Session:
    """A connection that takes the shared statements' ``?`` placeholders."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, sql: str, params: tuple = ()):
        return self.connection.execute(sql.replace("?", "%s"), params)

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)
