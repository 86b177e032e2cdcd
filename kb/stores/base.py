"""The durable store behind the service: articles, API keys (and, with later migrations, more).

The store is the source of truth; the vector and lexical indexes are derived from it and can be
rebuilt from it at any time. One backend per file (``sqlite`` today), behind this base class.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from kb.models import Article


class Scope(str, Enum):
    """What an API key may do."""

    SEARCH = "search"  # search and help-page answers over published articles: safe in a public web page
    ANSWER = "answer"  # answers in every channel, internal articles included
    ADMIN = "admin"  # knowledge-base writes, keys, analytics


class VersionConflict(Exception):
    """A conditional write named a version that is not the current one.

    Args:
        article_id: the article written.
        current: its current version, None when it does not exist.
    """

    def __init__(self, article_id: str, current: int | None):
        state = f"its current version is {current}" if current is not None else "it does not exist"
        super().__init__(f"article '{article_id}' was changed by someone else: {state}")
        self.article_id = article_id
        self.current = current


class UnknownTenantError(LookupError):
    """No tenant with that id."""


@dataclass(frozen=True)
class StoredArticle:
    """An article as stored: its content, version (1, 2, ... per write) and last change."""

    article: Article
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class ApiKey:
    """A key's record (never the key itself: only its hash is stored)."""

    id: str
    tenant: str
    scopes: frozenset[Scope]
    name: str
    created_at: datetime
    revoked_at: datetime | None = None


def new_key_secret() -> str:
    """A fresh random API key (256 bits)."""
    return "kb_" + secrets.token_urlsafe(32)


def key_hash(secret: str) -> str:
    """What is stored for a key: its SHA-256 (keys are random, so no slow hash is needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class Store:
    """Articles and API keys per tenant, with optimistic concurrency on article writes."""

    def ensure_tenant(self, tenant: str) -> None:
        """Create the tenant when it does not exist."""
        raise NotImplementedError

    def tenants(self) -> list[str]:
        raise NotImplementedError

    def put_article(self, tenant: str, article: Article, if_match: int | None = None) -> StoredArticle:
        """Create or replace an article; committed when this returns.

        Args:
            tenant: whose knowledge base.
            article: the new content.
            if_match: the version the writer last saw; 0 means "must not exist yet"; None writes
                unconditionally.

        Raises:
            VersionConflict: ``if_match`` is not the current version.
        """
        raise NotImplementedError

    def get_article(self, tenant: str, article_id: str) -> StoredArticle | None:
        raise NotImplementedError

    def list_articles(self, tenant: str, offset: int = 0, limit: int | None = None) -> tuple[list[StoredArticle], int]:
        """A page of articles by id, and how many there are in all."""
        raise NotImplementedError

    def delete_article(self, tenant: str, article_id: str, if_match: int | None = None) -> bool:
        """Delete an article; False when there was none.

        Raises:
            VersionConflict: ``if_match`` is not the current version.
        """
        raise NotImplementedError

    def create_key(self, tenant: str, scopes: set[Scope], name: str = "") -> tuple[str, ApiKey]:
        """A new API key for the tenant.

        Returns:
            The secret (shown once, never stored) and the key's record.
        """
        raise NotImplementedError

    def find_key(self, secret: str) -> ApiKey | None:
        """The live (not revoked) key with this secret, or None."""
        raise NotImplementedError

    def list_keys(self, tenant: str) -> list[ApiKey]:
        raise NotImplementedError

    def revoke_key(self, tenant: str, key_id: str) -> bool:
        """Revoke a key of the tenant; False when it has no such live key."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError
