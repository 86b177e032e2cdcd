"""Search: rank the articles for a search box, with whether the first is a confident answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.pipeline.models import SearchResult, SearchResults
from api.pipeline.steps import detect, matched_language, retrieve
from kb.filters import ArticleFilter
from kb.links import article_url
from kb.models import Language

if TYPE_CHECKING:
    from api.services import TenantKnowledgeBase


async def search(tenant_kb: TenantKnowledgeBase, query: str, language: Language | None, limit: int,
                 allowed: ArticleFilter, threshold: float, accept_language: str | None = None,
                 tokens: int | None = None, links: str | None = None) -> SearchResults:
    """Rank the articles ``allowed`` lets through for a search box: titles and summaries in the query's
    language, and whether the first is a confident answer (a pinned first result is an answer whatever the
    confidence, which stays the model's own estimate for it).

    Args:
        tenant_kb: the tenant searched.
        query: the text typed so far.
        language: the results' language; detected when None.
        limit: how many results.
        allowed: the articles the caller may be shown.
        threshold: the confidence a first result needs to count as an answer (as for an answer's concerns).
        accept_language: an ``Accept-Language`` value, a tie-breaker for undecidable text.
        tokens: the query's embedding cost when already counted.
        links: the tenant's article URL pattern (:mod:`kb.links`); results carry no URL without one.
    """
    detection = detect(query, language, accept_language)
    ranked = await retrieve(tenant_kb, query, detection.language, limit, allowed, tokens)
    hits = ranked.hits[:limit]
    language = language or matched_language(detection, hits)
    results = []
    for hit in hits:
        variant = hit.article.variant_for(language)
        results.append(SearchResult(id=hit.article.id, title=variant.title, summary=variant.summary,
                                    score=round(hit.score, 4), language=variant.language,
                                    url=article_url(links, hit.article.id, variant.language), pinned=hit.pinned))
    answered = bool(hits) and (ranked.confidence >= threshold or hits[0].pinned)
    return SearchResults(query=query, language=language, answered=answered,
                         confidence=round(ranked.confidence, 4), results=results)
