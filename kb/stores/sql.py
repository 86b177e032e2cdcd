"""The store over a SQL engine (``sqlite``, ``postgres``): the engine's part, shared by both.

The store is split by concern, one small class each, written once in SQL both engines accept with
``?`` placeholders: :class:`~kb.stores.articles.Articles`, :class:`~kb.stores.templates.Templates`,
:class:`~kb.stores.keys.Keys`, :class:`~kb.stores.origins.Origins`,
:class:`~kb.stores.answers.Answers`, :class:`~kb.stores.mailboxes.Mailboxes`,
:class:`~kb.stores.mail_messages.MailMessages`, :class:`~kb.stores.links.Links`,
:class:`~kb.stores.question_vectors.QuestionVectors` and :class:`~kb.stores.relevance.Relevance`. An engine
(one file each) supplies the connection, its transactions, its document locks and where it records the schema version. The schema is versioned:
:func:`migrate` applies :data:`MIGRATIONS` in order, each in its own transaction (the same runner
applies the pgvector backend's tables in PostgreSQL). Every write is one transaction, committed
before the call returns.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from kb.stores.answers import Answers
from kb.stores.articles import Articles
from kb.stores.base import Store, UnknownTenantError, checked_tenant_name
from kb.stores.columns import now
from kb.stores.connector_jobs import ConnectorJobs
from kb.stores.connectors import Connectors
from kb.stores.keys import Keys
from kb.stores.links import Links
from kb.stores.mail_messages import MailMessages
from kb.stores.mailboxes import Mailboxes
from kb.stores.origins import Origins
from kb.stores.question_vectors import QuestionVectors
from kb.stores.relevance import Relevance
from kb.stores.templates import Templates

# Schema migrations: migration i (1-based) brings the schema from version i - 1 to i.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL
    );
    CREATE TABLE articles (
        tenant TEXT NOT NULL REFERENCES tenants(id),
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant, id)
    );
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL REFERENCES tenants(id),
        hash TEXT NOT NULL UNIQUE,
        scopes TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    """,
    # 2: a key may have its own rate limit (requests per minute; NULL: the service default)
    """
    ALTER TABLE api_keys ADD COLUMN rate_per_minute INTEGER;
    """,
    # 3: the answer log (query text kept for the retention period only) and the customers' feedback
    """
    CREATE TABLE answers (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL REFERENCES tenants(id),
        created_at TEXT NOT NULL,
        channel TEXT NOT NULL,
        language TEXT NOT NULL,
        answered INTEGER NOT NULL,
        article_id TEXT,
        confidence REAL NOT NULL,
        query TEXT
    );
    CREATE INDEX answers_by_time ON answers (tenant, created_at);
    CREATE TABLE feedback (
        answer_id TEXT PRIMARY KEY REFERENCES answers(id) ON DELETE CASCADE,
        tenant TEXT NOT NULL REFERENCES tenants(id),
        created_at TEXT NOT NULL,
        helpful INTEGER NOT NULL,
        reason TEXT,
        resolved INTEGER,
        contacted_support INTEGER
    );
    """,
    # 4: each tenant's reply templates (one document per situation, and the letter frame)
    """
    CREATE TABLE templates (
        tenant TEXT NOT NULL REFERENCES tenants(id),
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant, name)
    );
    """,
    # 5: the article change feed: each article's latest write (version 0: deleted) numbered per tenant,
    # so that every process serving the tenant can catch up with writes made through the others
    """
    ALTER TABLE articles ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE article_changes (
        tenant TEXT NOT NULL REFERENCES tenants(id),
        article_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (tenant, article_id)
    );
    CREATE INDEX article_changes_by_seq ON article_changes (tenant, seq);
    INSERT INTO article_changes (tenant, article_id, seq, version) SELECT tenant, id, 0, version FROM articles
    """,
    # 6: the web origins whose pages may call the API with a tenant's keys (CORS); none by default
    """
    CREATE TABLE tenant_origins (
        tenant TEXT NOT NULL REFERENCES tenants(id),
        origin TEXT NOT NULL,
        PRIMARY KEY (tenant, origin)
    );
    CREATE INDEX tenant_origins_by_origin ON tenant_origins (origin);
    """,
    # 7: keys once created with a negative rate limit (never allowed, once accepted by the CLI) take the
    # service's default instead of refusing every request
    """
    UPDATE api_keys SET rate_per_minute = NULL WHERE rate_per_minute < 0
    """,
    # 8: support mailboxes (settings, the lease of the worker serving each, its polls) and the state of
    # every mailbox message, by Message-ID
    """
    CREATE TABLE mailboxes (
        tenant TEXT NOT NULL REFERENCES tenants(id),
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant, name)
    );
    CREATE TABLE mailbox_leases (
        tenant TEXT NOT NULL REFERENCES tenants(id),
        mailbox TEXT NOT NULL,
        holder TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        PRIMARY KEY (tenant, mailbox)
    );
    CREATE TABLE mailbox_polls (
        tenant TEXT NOT NULL REFERENCES tenants(id),
        mailbox TEXT NOT NULL,
        last_poll_at TEXT,
        last_error TEXT,
        last_error_at TEXT,
        PRIMARY KEY (tenant, mailbox)
    );
    CREATE TABLE mail_messages (
        tenant TEXT NOT NULL REFERENCES tenants(id),
        mailbox TEXT NOT NULL,
        message_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        attempts INTEGER NOT NULL,
        retry_at TEXT,
        answer_id TEXT,
        reply_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant, mailbox, message_id)
    );
    CREATE INDEX mail_messages_by_sender ON mail_messages (tenant, mailbox, sender, created_at);
    CREATE INDEX mail_messages_by_time ON mail_messages (tenant, created_at)
    """,
    # 9: each tenant's help-centre link pattern (answers carry article URLs), and what agents did with the
    # drafts suggested to them (used, edited, rejected)
    """
    CREATE TABLE tenant_links (
        tenant TEXT PRIMARY KEY REFERENCES tenants(id),
        article_url TEXT NOT NULL
    );
    CREATE TABLE draft_feedback (
        answer_id TEXT PRIMARY KEY REFERENCES answers(id) ON DELETE CASCADE,
        tenant TEXT NOT NULL REFERENCES tenants(id),
        created_at TEXT NOT NULL,
        action TEXT NOT NULL,
        reason TEXT
    )
    """,
    # 10: help-desk connectors (an id unique across tenants: the receiver's path) and their durable job queue,
    # one job per webhook delivery
    """
    CREATE TABLE connectors (
        tenant TEXT NOT NULL REFERENCES tenants(id),
        id TEXT NOT NULL UNIQUE,
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant, id)
    );
    CREATE TABLE connector_jobs (
        tenant TEXT NOT NULL REFERENCES tenants(id),
        connector TEXT NOT NULL,
        delivery_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        attempts INTEGER NOT NULL,
        retry_at TEXT,
        answer_id TEXT,
        reply TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant, connector, delivery_id)
    );
    CREATE INDEX connector_jobs_due ON connector_jobs (state, updated_at)
    """,
    # 11: the vectors of logged question texts for coverage gaps (base64 of float32), per tenant and model,
    # with the moment each text was last asked (a vector is erased with the last query text it came from)
    """
    CREATE TABLE question_vectors (
        tenant TEXT NOT NULL,
        model TEXT NOT NULL,
        text_key TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        vector TEXT NOT NULL,
        PRIMARY KEY (tenant, model, text_key)
    );
    CREATE INDEX question_vectors_seen ON question_vectors (seen_at)
    """,
    # 12: each tenant's relevance controls (synonym groups and pins, JSON lists), one version for both that
    # every process serving the tenant polls
    """
    CREATE TABLE relevance_controls (
        tenant TEXT PRIMARY KEY REFERENCES tenants(id),
        version INTEGER NOT NULL,
        synonyms TEXT NOT NULL,
        pins TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
]


def migrate(begin: Callable[[], AbstractContextManager[Any]], migrations: list[str],
            version: Callable[[Any], int], record: Callable[[Any, int], None]) -> None:
    """Apply the migrations of one series that a database lacks, in order, each in its own transaction.

    Args:
        begin: opens a write transaction that only one migrating process holds at a time; yields
            something with ``execute(sql)``.
        migrations: the series; migration i (1-based) brings its tables from version i - 1 to i,
            its statements separated by ``;``.
        version: the version the series has reached, read inside the transaction (another process
            may have migrated meanwhile).
        record: records the version a migration reached, inside its transaction.
    """
    while True:
        with begin() as db:
            reached = version(db)
            if reached >= len(migrations):
                return
            for statement in migrations[reached].split(";"):
                if statement.strip():
                    db.execute(statement)
            record(db, reached + 1)


class SqlStore(Store):
    """The store over a SQL engine; subclasses give the connection and its transactions, then call
    ``super().__init__()``."""

    def __init__(self):
        self._migrate()
        self.articles = Articles(self)
        self.templates = Templates(self)
        self.keys = Keys(self)
        self.origins = Origins(self)
        self.answers = Answers(self)
        self.mailboxes = Mailboxes(self)
        self.mail_messages = MailMessages(self)
        self.links = Links(self)
        self.connectors = Connectors(self)
        self.connector_jobs = ConnectorJobs(self)
        self.question_vectors = QuestionVectors(self)
        self.relevance = Relevance(self)

    def transaction(self) -> AbstractContextManager[Any]:
        """One write transaction, taken at once (conditional writes of a row cannot interleave);
        yields something with ``execute(sql, params)`` and ``executemany(sql, rows)``."""
        raise NotImplementedError

    def reading(self) -> AbstractContextManager[Any]:
        """A connection for reads."""
        raise NotImplementedError

    def lock_document(self, db, table: str, tenant: str, key: str) -> None:
        """Serialise writers of one document until the transaction ends (engines whose write
        transactions do not already)."""

    def _schema_version(self, db) -> int:
        """The last of :data:`MIGRATIONS` the database has."""
        raise NotImplementedError

    def _migrate(self) -> None:
        """Bring the store's tables to the last of :data:`MIGRATIONS` (with :func:`migrate`)."""
        raise NotImplementedError

    @property
    def schema_version(self) -> int:
        with self.reading() as db:
            return self._schema_version(db)

    def ensure_tenant(self, tenant: str) -> None:
        checked_tenant_name(tenant)
        with self.transaction() as db:
            db.execute("INSERT INTO tenants (id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (tenant, now()))

    def tenants(self) -> list[str]:
        with self.reading() as db:
            return [row[0] for row in db.execute("SELECT id FROM tenants ORDER BY id").fetchall()]

    @staticmethod
    def require_tenant(db, tenant: str) -> None:
        """Inside a transaction: refuse a write for a tenant that does not exist.

        Raises:
            UnknownTenantError: no such tenant.
        """
        if db.execute("SELECT 1 FROM tenants WHERE id = ?", (tenant,)).fetchone() is None:
            raise UnknownTenantError(f"no tenant '{tenant}'")
