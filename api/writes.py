"""Knowledge-base writes: the store commits first, then the tenant's index (or templates) apply the change.

A write is acknowledged only after its commit, and the index is updated before the reply, so an
acknowledged article is searchable at once. Writes of one tenant go one at a time, so the index
never applies two versions of an article out of order. Should the process die between the commit
and the index update, the next start catches the index up from the store (``indexer.sync``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.schemas import ImportItem, ImportReport
from api.services import (
    STORED_TEMPLATES,
    AnswerService,
    TenantKnowledgeBase,
    situation_detector,
    tenant_template_documents,
)
from kb.loader import KBFormatError, parse_article
from kb.models import Article
from kb.stores import StoredArticle, StoredTemplate
from kb.templates import template_set


def put_article(services: AnswerService, tenant_kb: TenantKnowledgeBase, article: Article,
                if_match: int | None = None) -> StoredArticle:
    """Create or replace an article.

    Returns:
        The stored article (``is_new`` when this write created it).

    Raises:
        VersionConflict: ``if_match`` is not the current version.
    """
    with tenant_kb.write_lock:
        stored = services.store.articles.put(tenant_kb.tenant, article, if_match)
        if tenant_kb.index.upsert(article, stored.seq):
            tenant_kb.follower.wrote(article.id, stored.seq)
    return stored


def delete_article(services: AnswerService, tenant_kb: TenantKnowledgeBase, article_id: str,
                   if_match: int | None = None) -> bool:
    """Delete an article; False when there was none.

    Raises:
        VersionConflict: ``if_match`` is not the current version.
    """
    with tenant_kb.write_lock:
        seq = services.store.articles.delete(tenant_kb.tenant, article_id, if_match)
        if seq:
            tenant_kb.index.remove(article_id, seq)
            tenant_kb.follower.wrote(article_id, seq)
    return bool(seq)


def put_template(services: AnswerService, tenant_kb: TenantKnowledgeBase, name: str, document: dict | None,
                 if_match: int | None = None) -> StoredTemplate | None:
    """Store a tenant's own version of a template (``document``), or drop it (None: back to the
    default); the whole set is checked first (tone guard, placeholders, every language), and the
    tenant's replies and situation detection use the new set when this returns.

    Returns:
        The stored template (None after a drop).

    Raises:
        KBFormatError: the template (or the set with it) is invalid; nothing is stored.
        VersionConflict: ``if_match`` is not the current version.
    """
    with tenant_kb.write_lock:
        documents = tenant_template_documents(services, tenant_kb.tenant)
        if document is None:
            documents[name] = services.default_templates[name]
        else:
            documents[name] = document
        templates = template_set(documents, STORED_TEMPLATES)
        template = next((t for t in templates.templates.values() if t.situation.value == name), None)
        unknown = (sorted((template.articles or set()) - tenant_kb.index.articles.keys())
                   if document and template else [])
        if unknown:
            raise KBFormatError(STORED_TEMPLATES / f"{name}.yaml", "articles",
                                f"no article with the id(s) {', '.join(unknown)} in this knowledge base")
        if document is None:
            stored = None
            if not services.store.templates.delete(tenant_kb.tenant, name, if_match):
                raise LookupError(f"tenant has no template '{name}' of its own")
        else:
            stored = services.store.templates.put(tenant_kb.tenant, name, document, if_match)
        tenant_kb.situations = situation_detector(services, templates)
        tenant_kb.templates = templates
    return stored


def import_articles(services: AnswerService, tenant_kb: TenantKnowledgeBase,
                    items: list[tuple[str, Any]]) -> ImportReport:
    """Create or replace many articles in a tenant's store and index; each item on its own.

    Args:
        items: (where it came from, article mapping with its ``id`` — or why it could not be read).

    Returns:
        A per-item report: created, updated, unchanged or rejected (with the reason).
    """
    return import_items(items, lambda article_id: services.store.articles.get(tenant_kb.tenant, article_id),
                        lambda article: put_article(services, tenant_kb, article))


def import_items(items: list[tuple[str, Any]], current: Callable[[str], StoredArticle | None],
                 write: Callable[[Article], StoredArticle]) -> ImportReport:
    """Check and write articles one by one and report on each.

    Args:
        items: (where it came from, the parsed mapping or an error message string) per item.
        current: the stored article with an id, or None.
        write: stores an article and returns it stored.
    """
    report = []
    for where, item in items:
        article_id = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
        try:
            if not isinstance(item, dict):
                raise KBFormatError(where, "(item)", item if isinstance(item, str) else "expected an article")
            article = parse_article(item, where)
        except KBFormatError as error:
            report.append(ImportItem(id=article_id, status="rejected", error=str(error)))
            continue
        stored = current(article.id)
        if stored is not None and stored.article == article:
            report.append(ImportItem(id=article.id, status="unchanged", version=stored.version))
            continue
        stored = write(article)
        report.append(ImportItem(id=article.id, status="created" if stored.is_new else "updated",
                                 version=stored.version))
    counts = {status: sum(item.status == status for item in report)
              for status in ("created", "updated", "unchanged", "rejected")}
    return ImportReport(**counts, items=report)
