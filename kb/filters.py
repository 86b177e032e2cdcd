"""Which articles a request may see: visibility, validity window, category, product and tags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kb.models import Article, Visibility


@dataclass(frozen=True)
class ArticleFilter:
    """A predicate over articles; frozen, so it can be part of a cache key.

    Args:
        visibilities: the visibilities allowed (a public key sees published articles only).
        at: articles outside their ``valid_from``/``valid_until`` window at this moment are hidden;
            None ignores the windows.
        category: only this category.
        product: only this product.
        tags: only articles carrying every one of these tags.
    """

    visibilities: frozenset[Visibility] = frozenset({Visibility.PUBLISHED})
    at: datetime | None = None
    category: str | None = None
    product: str | None = None
    tags: frozenset[str] = frozenset()

    def allows(self, article: Article) -> bool:
        return (article.visibility in self.visibilities
                and (self.at is None or article.shown_at(self.at))
                and (self.category is None or article.category == self.category)
                and (self.product is None or article.product == self.product)
                and self.tags.issubset(article.tags))
