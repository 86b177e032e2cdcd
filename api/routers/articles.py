"""GET /v1/articles/{id}."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException

from api.deps import get_services
from api.schemas import ArticleOut, ArticleVariantOut
from api.services import Services

router = APIRouter(prefix="/v1", tags=["articles"])


@router.get("/articles/{article_id}", response_model=ArticleOut, summary="One article with all its languages")
def get_article(article_id: str, services: Services = Depends(get_services)) -> ArticleOut:
    article = services.articles.get(article_id)
    if article is None:
        raise HTTPException(status_code=404, detail=f"no article with id '{article_id}'")
    return ArticleOut(
        id=article.id, category=article.category, tags=list(article.tags),
        variants={
            language: ArticleVariantOut(title=v.title, summary=v.summary, body=v.body, questions=list(v.questions))
            for language, v in article.variants.items()
        },
    )
