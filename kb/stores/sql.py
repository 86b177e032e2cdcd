"""The store's logic in SQL, shared by its SQL backends (``sqlite``, ``postgres``).

Statements are written once, with ``?`` placeholders and SQL both engines accept; a backend
supplies the connection, its transactions and where it records the schema version. The schema
is versioned: :func:`migrate` applies :data:`MIGRATIONS` in order, each in its own transaction (the
same runner applies the pgvector backend's tables in PostgreSQL). Every write is one transaction,
committed before the call returns.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kb.loader import parse_article
from kb.models import Article
from kb.stores.base import (AnswerCounts, AnswerRecord, AnswerRow, ApiKey, ArticleChange, Feedback, KeyQuota,
                            KeyQuotaExceeded, QuestionCounts, Scope, Store, StoredArticle, StoredTemplate,
                            UnknownTenantError, VersionConflict, checked_tenant_name, key_hash, new_key_secret)

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
]
API_KEY_COLUMNS = "id, tenant, scopes, name, created_at, revoked_at, rate_per_minute"
# the columns of AnswerCounts over answers (a) with their feedback (f)
ANSWER_COUNTS = ("a.language, a.channel, COUNT(*), SUM(a.answered), COUNT(f.helpful), "
                 "COUNT(CASE WHEN f.helpful = 1 THEN 1 END), "
                 "COUNT(CASE WHEN f.resolved IS NOT NULL OR f.contacted_support IS NOT NULL THEN 1 END), "
                 "COUNT(CASE WHEN f.resolved = 1 AND COALESCE(f.contacted_support, 0) = 0 THEN 1 END)")
ALL = 2**62  # LIMIT without a limit (engines disagree on how to say "no limit")
# articles and templates are versioned JSON documents keyed by (tenant, this column)
DOCUMENT_KEYS = {"articles": "id", "templates": "name"}


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
    """The store over a SQL engine; subclasses give the connection and its transactions."""

    def _transaction(self) -> AbstractContextManager[Any]:
        """One write transaction, taken at once (conditional writes of a row cannot interleave);
        yields something with ``execute(sql, params)`` and ``executemany(sql, rows)``."""
        raise NotImplementedError

    def _reading(self) -> AbstractContextManager[Any]:
        """A connection for reads."""
        raise NotImplementedError

    def _schema_version(self, db) -> int:
        """The last of :data:`MIGRATIONS` the database has."""
        raise NotImplementedError

    def _lock_document(self, db, table: str, tenant: str, key: str) -> None:
        """Serialise writers of one document (engines whose write transactions do not already)."""

    @property
    def schema_version(self) -> int:
        with self._reading() as db:
            return self._schema_version(db)

    def _migrate(self) -> None:
        """Bring the store's tables to the last of :data:`MIGRATIONS` (with :func:`migrate`)."""
        raise NotImplementedError

    def ensure_tenant(self, tenant: str) -> None:
        checked_tenant_name(tenant)
        with self._transaction() as db:
            db.execute("INSERT INTO tenants (id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (tenant, _now()))

    def tenants(self) -> list[str]:
        with self._reading() as db:
            return [row[0] for row in db.execute("SELECT id FROM tenants ORDER BY id").fetchall()]

    def put_article(self, tenant: str, article: Article, if_match: int | None = None) -> StoredArticle:
        version, updated_at, seq = self._put("articles", tenant, article.id, article.as_mapping(), if_match,
                                             f"article '{article.id}'")
        return StoredArticle(article, version, updated_at, seq)

    def get_article(self, tenant: str, article_id: str) -> StoredArticle | None:
        with self._reading() as db:
            row = db.execute("SELECT document, version, updated_at, seq FROM articles WHERE tenant = ? AND id = ?",
                             (tenant, article_id)).fetchone()
        return _stored(row) if row else None

    def list_articles(self, tenant: str, offset: int = 0, limit: int | None = None) -> tuple[list[StoredArticle], int]:
        with self._reading() as db:
            total = db.execute("SELECT COUNT(*) FROM articles WHERE tenant = ?", (tenant,)).fetchone()[0]
            rows = db.execute("SELECT document, version, updated_at, seq FROM articles WHERE tenant = ? "
                              "ORDER BY id LIMIT ? OFFSET ?", (tenant, ALL if limit is None else limit, offset)).fetchall()
        return [_stored(row) for row in rows], total

    def delete_article(self, tenant: str, article_id: str, if_match: int | None = None) -> int:
        return self._delete("articles", tenant, article_id, if_match, f"article '{article_id}'")

    def article_changes(self, tenant: str, after: int = 0) -> list[ArticleChange]:
        with self._reading() as db:
            rows = db.execute("SELECT seq, article_id, version FROM article_changes WHERE tenant = ? AND seq > ? "
                              "ORDER BY seq", (tenant, after)).fetchall()
        return [ArticleChange(*row) for row in rows]

    def last_change(self, tenant: str) -> int:
        with self._reading() as db:
            return db.execute("SELECT COALESCE(MAX(seq), 0) FROM article_changes WHERE tenant = ?",
                              (tenant,)).fetchone()[0]

    def put_template(self, tenant: str, name: str, document: dict, if_match: int | None = None) -> StoredTemplate:
        version, updated_at, _ = self._put("templates", tenant, name, document, if_match, f"template '{name}'")
        return StoredTemplate(name, document, version, updated_at)

    def get_template(self, tenant: str, name: str) -> StoredTemplate | None:
        row = self._get("templates", tenant, name)
        return _template(name, row) if row else None

    def list_templates(self, tenant: str) -> list[StoredTemplate]:
        with self._reading() as db:
            rows = db.execute("SELECT name, document, version, updated_at FROM templates WHERE tenant = ? "
                              "ORDER BY name", (tenant,)).fetchall()
        return [_template(row[0], row[1:]) for row in rows]

    def delete_template(self, tenant: str, name: str, if_match: int | None = None) -> bool:
        return bool(self._delete("templates", tenant, name, if_match, f"template '{name}'"))

    def _put(self, table: str, tenant: str, key: str, document: dict, if_match: int | None,
             what: str) -> tuple[int, datetime, int]:
        """Write a document; returns its version, when, and its change number (articles; 0 otherwise)."""
        column = DOCUMENT_KEYS[table]
        with self._transaction() as db:
            self._require_tenant(db, tenant)
            current = self._checked_version(db, table, tenant, key, if_match, what)
            version, updated_at = (current or 0) + 1, _now()
            db.execute(f"INSERT INTO {table} (tenant, {column}, version, document, updated_at) VALUES (?, ?, ?, ?, ?) "  # noqa: S608 (table and columns come from constants, never from a request)
                       f"ON CONFLICT (tenant, {column}) DO UPDATE SET version = excluded.version, "
                       "document = excluded.document, updated_at = excluded.updated_at",
                       (tenant, key, version, json.dumps(document, ensure_ascii=False), updated_at))
            seq = self._record_change(db, tenant, key, version) if table == "articles" else 0
        return version, datetime.fromisoformat(updated_at), seq

    def _record_change(self, db, tenant: str, article_id: str, version: int) -> int:
        """Number an article write in the tenant's change feed (version 0: a deletion), inside its transaction.

        The tenant's writers take the feed's number one at a time, each holding it until it commits,
        so changes become visible in the order of their numbers and a reader that remembers the
        last number it saw misses none.
        """
        self._lock_document(db, "article_changes", tenant, "")
        seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM article_changes WHERE tenant = ?",
                         (tenant,)).fetchone()[0]
        db.execute("INSERT INTO article_changes (tenant, article_id, seq, version) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (tenant, article_id) DO UPDATE SET seq = excluded.seq, version = excluded.version",
                   (tenant, article_id, seq, version))
        if version:
            db.execute("UPDATE articles SET seq = ? WHERE tenant = ? AND id = ?", (seq, tenant, article_id))
        return seq

    def _get(self, table: str, tenant: str, key: str):
        with self._reading() as db:
            return db.execute(f"SELECT document, version, updated_at FROM {table} WHERE tenant = ? AND "  # noqa: S608 (table and columns come from constants, never from a request)
                              f"{DOCUMENT_KEYS[table]} = ?", (tenant, key)).fetchone()

    def _delete(self, table: str, tenant: str, key: str, if_match: int | None, what: str) -> int:
        """Delete a document; returns 0 when there was none, else its change number (articles) or 1."""
        with self._transaction() as db:
            current = self._checked_version(db, table, tenant, key, if_match, what)
            if current is None:
                return 0
            db.execute(f"DELETE FROM {table} WHERE tenant = ? AND {DOCUMENT_KEYS[table]} = ?", (tenant, key))  # noqa: S608 (table and columns come from constants, never from a request)
            return self._record_change(db, tenant, key, 0) if table == "articles" else 1

    def create_key(self, tenant: str, scopes: set[Scope], name: str = "",
                   rate_per_minute: int | None = None, quota: KeyQuota | None = None) -> tuple[str, ApiKey]:
        secret = new_key_secret()
        key = ApiKey(id=secrets.token_hex(4), tenant=tenant, scopes=frozenset(scopes), name=name,
                     created_at=datetime.now(UTC), rate_per_minute=rate_per_minute)
        with self._transaction() as db:
            self._require_tenant(db, tenant)
            if quota is not None:
                self._check_key_quota(db, tenant, quota, unlimited=rate_per_minute == 0)
            db.execute("INSERT INTO api_keys (id, tenant, hash, scopes, name, created_at, rate_per_minute) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (key.id, tenant, key_hash(secret), ",".join(sorted(s.value for s in key.scopes)), name,
                        key.created_at.isoformat(), rate_per_minute))
        return secret, key

    def _check_key_quota(self, db, tenant: str, quota: KeyQuota, unlimited: bool) -> None:
        """Refuse a new key that would pass the tenant's quota; the tenant's key writers wait until
        the transaction ends, so concurrent creations cannot both take the last place."""
        self._lock_document(db, "api_keys", tenant, "")
        live, live_unlimited = db.execute(
            "SELECT COUNT(*), COUNT(CASE WHEN rate_per_minute = 0 THEN 1 END) FROM api_keys "
            "WHERE tenant = ? AND revoked_at IS NULL", (tenant,)).fetchone()
        if live >= quota.keys:
            raise KeyQuotaExceeded(tenant, quota.keys, unlimited=False)
        if unlimited and live_unlimited >= quota.unlimited_keys:
            raise KeyQuotaExceeded(tenant, quota.unlimited_keys, unlimited=True)

    def find_key(self, secret: str) -> ApiKey | None:
        with self._reading() as db:
            row = db.execute(f"SELECT {API_KEY_COLUMNS} FROM api_keys WHERE hash = ? AND revoked_at IS NULL",  # noqa: S608 (table and columns come from constants, never from a request)
                                   (key_hash(secret),)).fetchone()
        return _key(row) if row else None

    def list_keys(self, tenant: str) -> list[ApiKey]:
        with self._reading() as db:
            rows = db.execute(f"SELECT {API_KEY_COLUMNS} FROM api_keys WHERE tenant = ? ORDER BY created_at, id",  # noqa: S608 (table and columns come from constants, never from a request)
                              (tenant,)).fetchall()
        return [_key(row) for row in rows]

    def revoke_key(self, tenant: str, key_id: str) -> bool:
        with self._transaction() as db:
            changed = db.execute("UPDATE api_keys SET revoked_at = ? WHERE tenant = ? AND id = ? AND revoked_at IS NULL",
                                 (_now(), tenant, key_id)).rowcount
        return changed == 1

    def allowed_origins(self, tenant: str) -> list[str]:
        with self._reading() as db:
            rows = db.execute("SELECT origin FROM tenant_origins WHERE tenant = ? ORDER BY origin", (tenant,)).fetchall()
        return [row[0] for row in rows]

    def set_allowed_origins(self, tenant: str, origins: list[str]) -> None:
        with self._transaction() as db:
            self._require_tenant(db, tenant)
            db.execute("DELETE FROM tenant_origins WHERE tenant = ?", (tenant,))
            db.executemany("INSERT INTO tenant_origins (tenant, origin) VALUES (?, ?)",
                           [(tenant, origin) for origin in sorted(set(origins))])

    def origin_allowed(self, origin: str) -> bool:
        with self._reading() as db:
            return db.execute("SELECT 1 FROM tenant_origins WHERE origin = ? LIMIT 1", (origin,)).fetchone() is not None

    def log_answers(self, records: list[AnswerRecord]) -> None:
        with self._transaction() as db:
            db.executemany("INSERT INTO answers (id, tenant, created_at, channel, language, answered, "
                           "article_id, confidence, query) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                           [(r.answer_id, r.tenant, _utc(r.created_at), r.channel, r.language, int(r.answered),
                             r.article_id, r.confidence, r.query) for r in records])

    def put_feedback(self, tenant: str, feedback: Feedback) -> bool:
        with self._transaction() as db:
            known = db.execute("SELECT 1 FROM answers WHERE id = ? AND tenant = ?",
                               (feedback.answer_id, tenant)).fetchone()
            if known is None:
                return False
            db.execute("INSERT INTO feedback (answer_id, tenant, created_at, helpful, reason, resolved, "
                       "contacted_support) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (answer_id) DO UPDATE SET "
                       "created_at = excluded.created_at, helpful = excluded.helpful, reason = excluded.reason, "
                       "resolved = excluded.resolved, contacted_support = excluded.contacted_support",
                       (feedback.answer_id, tenant, _now(), int(feedback.helpful), feedback.reason,
                        _flag(feedback.resolved), _flag(feedback.contacted_support)))
        return True

    def answer_rows(self, tenant: str, since: datetime, until: datetime) -> list[AnswerRow]:
        with self._reading() as db:
            rows = db.execute(
                "SELECT a.id, a.created_at, a.channel, a.language, a.answered, a.article_id, a.confidence, a.query, "
                "f.helpful, f.reason, f.resolved, f.contacted_support FROM answers a "
                "LEFT JOIN feedback f ON f.answer_id = a.id "
                "WHERE a.tenant = ? AND a.created_at >= ? AND a.created_at < ? ORDER BY a.created_at",
                (tenant, _utc(since), _utc(until))).fetchall()
        return [AnswerRow(answer_id, tenant, datetime.fromisoformat(created_at), channel, language, bool(answered),
                          article_id, confidence, query, _bool(helpful), reason, _bool(resolved), _bool(contacted))
                for (answer_id, created_at, channel, language, answered, article_id, confidence, query, helpful,
                     reason, resolved, contacted) in rows]

    def answer_counts(self, tenant: str, since: datetime, until: datetime, language: str | None = None,
                      channel: str | None = None) -> list[AnswerCounts]:
        where, params = _answers_in(tenant, since, until, language, channel)
        with self._reading() as db:
            rows = db.execute(f"SELECT {ANSWER_COUNTS} FROM answers a LEFT JOIN feedback f ON f.answer_id = a.id "  # noqa: S608 (columns and conditions are constants; values are parameters)
                              f"WHERE {where} GROUP BY a.language, a.channel", params).fetchall()
        return [AnswerCounts(*row) for row in rows]

    def question_counts(self, tenant: str, since: datetime, until: datetime, language: str | None = None,
                        channel: str | None = None, unanswered: bool = False) -> list[QuestionCounts]:
        where, params = _answers_in(tenant, since, until, language, channel)
        where += " AND a.query IS NOT NULL" + (" AND (a.answered = 0 OR f.helpful = 0)" if unanswered else "")
        joined = f"FROM answers a LEFT JOIN feedback f ON f.answer_id = a.id WHERE {where}"
        with self._reading() as db:
            rows = db.execute("SELECT a.query, COUNT(*), SUM(a.answered), COUNT(CASE WHEN f.helpful = 0 THEN 1 END), "  # noqa: S608 (conditions are constants; values are parameters)
                              f"MIN(a.created_at), MAX(a.created_at) {joined} GROUP BY a.query", params).fetchall()
            reasons = db.execute(f"SELECT a.query, f.reason, COUNT(*) {joined} AND f.reason IS NOT NULL "  # noqa: S608 (conditions are constants; values are parameters)
                                 "GROUP BY a.query, f.reason ORDER BY MIN(a.created_at), f.reason", params).fetchall()
        given: dict[str, dict[str, int]] = {}
        for query, reason, count in reasons:
            given.setdefault(query, {})[reason] = count
        return [QuestionCounts(query, count, answered, not_helpful, datetime.fromisoformat(first),
                               datetime.fromisoformat(last), given.get(query, {}))
                for query, count, answered, not_helpful, first, last in rows]

    def forget_queries(self, tenant: str | None, before: datetime) -> int:
        with self._transaction() as db:
            if tenant is None:
                return db.execute("UPDATE answers SET query = NULL WHERE created_at < ? AND query IS NOT NULL",
                                  (_utc(before),)).rowcount
            return db.execute("UPDATE answers SET query = NULL WHERE tenant = ? AND created_at < ? "
                              "AND query IS NOT NULL", (tenant, _utc(before))).rowcount

    def _checked_version(self, db, table: str, tenant: str, key: str, if_match: int | None, what: str) -> int | None:
        """The document's current version (None: it does not exist), its writers held off until the
        transaction ends; a write expecting another version is refused.

        Raises:
            VersionConflict: ``if_match`` is given and is not the current version (0 for "absent").
        """
        self._lock_document(db, table, tenant, key)
        row = db.execute(f"SELECT version FROM {table} WHERE tenant = ? AND {DOCUMENT_KEYS[table]} = ?",  # noqa: S608 (table and columns come from constants, never from a request)
                         (tenant, key)).fetchone()
        current = row[0] if row else None
        if if_match is not None and (current or 0) != if_match:
            raise VersionConflict(what, current)
        return current

    @staticmethod
    def _require_tenant(db, tenant: str) -> None:
        if db.execute("SELECT 1 FROM tenants WHERE id = ?", (tenant,)).fetchone() is None:
            raise UnknownTenantError(f"no tenant '{tenant}'")


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _utc(moment: datetime) -> str:
    """Moments are stored as ISO text in UTC, so that they sort and compare as text."""
    return moment.astimezone(UTC).isoformat()


def _answers_in(tenant: str, since: datetime, until: datetime, language: str | None,
                channel: str | None) -> tuple[str, tuple]:
    """The condition selecting a tenant's answers (``a``) in ``[since, until)``, of one language and
    channel when given, and its parameters."""
    where, params = "a.tenant = ? AND a.created_at >= ? AND a.created_at < ?", [tenant, _utc(since), _utc(until)]
    for column, value in (("language", language), ("channel", channel)):
        if value is not None:
            where += f" AND a.{column} = ?"
            params.append(value)
    return where, tuple(params)


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _bool(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def _stored(row) -> StoredArticle:
    document, version, updated_at, seq = row
    return StoredArticle(parse_article(json.loads(document), Path("store")), version,
                         datetime.fromisoformat(updated_at), seq)


def _template(name: str, row) -> StoredTemplate:
    document, version, updated_at = row
    return StoredTemplate(name, json.loads(document), version, datetime.fromisoformat(updated_at))


def _key(row) -> ApiKey:
    key_id, tenant, scopes, name, created_at, revoked_at, rate_per_minute = row
    return ApiKey(key_id, tenant, frozenset(Scope(s) for s in scopes.split(",") if s), name,
                  datetime.fromisoformat(created_at), datetime.fromisoformat(revoked_at) if revoked_at else None,
                  rate_per_minute)
