"""Stores of the knowledge base, one backend per file, chosen by name (see :mod:`kb.stores.base`)."""

from __future__ import annotations

from pathlib import Path

from kb.stores.base import (
    TENANT_NAME,
    AnswerCounts,
    AnswerRecord,
    AnswerRow,
    ApiKey,
    ArticleChange,
    ConnectorJob,
    DailyCounts,
    DraftAction,
    Feedback,
    InvalidTenantNameError,
    JobState,
    KeyQuota,
    KeyQuotaExceeded,
    MailboxLease,
    MailboxStatus,
    MailRecord,
    MailState,
    QuestionCounts,
    Scope,
    Store,
    StoredArticle,
    StoredConnector,
    StoredMailbox,
    StoredTemplate,
    StoreUnavailableError,
    UnknownTenantError,
    VersionConflict,
    checked_tenant_name,
)

STORES = ("sqlite", "postgres")


def create_store(name: str, location: str | Path) -> Store:
    """Open the store called ``name`` at ``location`` (a file path for ``sqlite``, a connection
    string for ``postgres``).

    Raises:
        ValueError: an unknown store name.
    """
    if name == "sqlite":
        from kb.stores.sqlite import SQLiteStore

        return SQLiteStore(Path(location))
    if name == "postgres":
        from kb.stores.postgres import PostgresStore

        return PostgresStore(str(location))
    raise ValueError(f"unknown store '{name}'; use one of {', '.join(STORES)}")


__all__ = ["STORES", "TENANT_NAME", "AnswerCounts", "AnswerRecord", "AnswerRow", "ApiKey", "ArticleChange", "ConnectorJob", "DailyCounts", "DraftAction",
           "Feedback", "InvalidTenantNameError", "JobState", "KeyQuota", "KeyQuotaExceeded", "MailboxLease",
           "MailboxStatus", "MailRecord", "MailState", "QuestionCounts", "Scope", "Store",
           "StoredArticle", "StoredConnector", "StoredMailbox", "StoredTemplate", "StoreUnavailableError", "UnknownTenantError", "VersionConflict",
           "checked_tenant_name", "create_store"]
