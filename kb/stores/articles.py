"""A tenant's articles in the store, and the change feed that numbers every article write."""

from __future__ import annotations

from datetime import datetime

from kb.models import Article, ArticleDocument
from kb.stores.base import ArticleChange, StoredArticle
from kb.stores.documents import Documents

ALL = 2**62  # LIMIT without a limit (engines disagree on how to say "no limit")


class Articles(Documents):
    """Articles per tenant, with optimistic concurrency on writes and a change feed other processes
    follow."""

    table, key, kind = "articles", "id", "article"

    def put(self, tenant: str, article: Article, if_match: int | None = None) -> StoredArticle:
        """Create or replace an article; committed when this returns.

        Args:
            tenant: whose knowledge base.
            article: the new content.
            if_match: the version the writer last saw; 0 means "must not exist yet"; None writes
                unconditionally.

        Raises:
            VersionConflict: ``if_match`` is not the current version.
        """
        version, updated_at, seq = self._put(tenant, article.id, article.as_mapping(), if_match)
        return StoredArticle(article, version, updated_at, seq)

    def get(self, tenant: str, article_id: str) -> StoredArticle | None:
        with self.store.reading() as db:
            row = db.execute("SELECT document, version, updated_at, seq FROM articles WHERE tenant = ? AND id = ?",
                             (tenant, article_id)).fetchone()
        return _stored(row) if row else None

    def list(self, tenant: str, offset: int = 0, limit: int | None = None) -> tuple[list[StoredArticle], int]:
        """A page of articles by id, and how many there are in all."""
        with self.store.reading() as db:
            total = db.execute("SELECT COUNT(*) FROM articles WHERE tenant = ?", (tenant,)).fetchone()[0]
            rows = db.execute("SELECT document, version, updated_at, seq FROM articles WHERE tenant = ? "
                              "ORDER BY id LIMIT ? OFFSET ?", (tenant, ALL if limit is None else limit, offset)).fetchall()
        return [_stored(row) for row in rows], total

    def delete(self, tenant: str, article_id: str, if_match: int | None = None) -> int:
        """Delete an article.

        Returns:
            The number of the deletion in the tenant's change feed; 0 when there was no such article.

        Raises:
            VersionConflict: ``if_match`` is not the current version.
        """
        return self._delete(tenant, article_id, if_match)

    def changes(self, tenant: str, after: int = 0) -> list[ArticleChange]:
        """The articles written or deleted since change number ``after``, oldest first (one entry per
        article: its latest change)."""
        with self.store.reading() as db:
            rows = db.execute("SELECT seq, article_id, version FROM article_changes WHERE tenant = ? AND seq > ? "
                              "ORDER BY seq", (tenant, after)).fetchall()
        return [ArticleChange(*row) for row in rows]

    def last_change(self, tenant: str) -> int:
        """The number of the tenant's latest article change (0: none yet)."""
        with self.store.reading() as db:
            return db.execute("SELECT COALESCE(MAX(seq), 0) FROM article_changes WHERE tenant = ?",
                              (tenant,)).fetchone()[0]

    def _changed(self, db, tenant: str, article_id: str, version: int) -> int:
        """Number an article write in the tenant's change feed (version 0: a deletion), inside its transaction.

        The tenant's writers take the feed's number one at a time, each holding it until it commits,
        so changes become visible in the order of their numbers and a reader that remembers the
        last number it saw misses none.
        """
        self.store.lock_document(db, "article_changes", tenant, "")
        seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM article_changes WHERE tenant = ?",
                         (tenant,)).fetchone()[0]
        db.execute("INSERT INTO article_changes (tenant, article_id, seq, version) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (tenant, article_id) DO UPDATE SET seq = excluded.seq, version = excluded.version",
                   (tenant, article_id, seq, version))
        if version:
            db.execute("UPDATE articles SET seq = ? WHERE tenant = ? AND id = ?", (seq, tenant, article_id))
        return seq


def _stored(row) -> StoredArticle:
    document, version, updated_at, seq = row
    return StoredArticle(ArticleDocument.model_validate_json(document).to_article(), version,
                         datetime.fromisoformat(updated_at), seq)
