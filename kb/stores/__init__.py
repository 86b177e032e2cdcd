"""Stores of the knowledge base, one backend per file, chosen by name (see :mod:`kb.stores.base`)."""

from __future__ import annotations

from pathlib import Path

from kb.stores.base import (AnswerRecord, AnswerRow, ApiKey, Feedback, Scope, Store, StoredArticle, StoredTemplate,
                            UnknownTenantError, VersionConflict)

STORES = ("sqlite",)


def create_store(name: str, location: str | Path) -> Store:
    """Open the store called ``name`` at ``location`` (a file path for ``sqlite``).

    Raises:
        ValueError: an unknown store name.
    """
    if name == "sqlite":
        from kb.stores.sqlite import SQLiteStore

        return SQLiteStore(Path(location))
    raise ValueError(f"unknown store '{name}'; use one of {', '.join(STORES)}")


__all__ = ["STORES", "AnswerRecord", "AnswerRow", "ApiKey", "Feedback", "Scope", "Store", "StoredArticle", "StoredTemplate", "UnknownTenantError", "VersionConflict",
           "create_store"]
