"""/v1/articles: read, create or replace, patch, delete, list, bulk import and drafts from customers' questions,
with optimistic concurrency.

Every article carries a ``version`` (also its ``ETag``). A write may send ``If-Match: "<version>"``
(``If-Match: *``: it must exist; ``If-None-Match: *``: it must not); when the article changed in
the meantime the write is refused with 409 and the current version.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from api import pipeline, writes
from api.auth import AdminCaller, Caller, charge_text, require
from api.deps import AnswerServiceDep
from api.etags import ANY, conflict, etag, merge_patch, precondition
from api.pipeline import Message
from api.routing import TextCheckedRoute
from api.schemas import (
    ERROR_RESPONSES,
    MAX_OFFSET,
    ArticleIn,
    ArticleOut,
    ArticlePage,
    DraftIn,
    ImportReport,
    PreviewIn,
    PreviewOut,
)
from api.services import AnswerService
from kb.drafts import DEFAULT_CATEGORY, AskedQuestion, draft_article
from kb.formats import ReplyFormat, render
from kb.models import ARTICLE_ID, Article, ArticleDocument, field_problem
from kb.stores import Scope, StoredArticle, VersionConflict

router = APIRouter(prefix="/v1", tags=["articles"], responses=ERROR_RESPONSES, route_class=TextCheckedRoute)
MAX_PAGE = 200
MAX_IMPORT = 1000
PREVIEW_ID = "preview"  # the id of an unsaved article in a preview


@router.get("/articles/{article_id}", response_model=ArticleOut, summary="One article with all its languages")
def get_article(services: AnswerServiceDep,
                caller: Annotated[Caller, Depends(require(Scope.SEARCH, Scope.ANSWER, Scope.ADMIN))],
                article_id: str, response: Response) -> ArticleOut:
    stored = services.store.articles.get(caller.tenant, article_id)
    if stored is None or not (caller.has(Scope.ADMIN) or caller.article_filter().allows(stored.article)):
        raise HTTPException(status_code=404, detail=f"no article with id '{article_id}'")
    response.headers["ETag"] = etag(stored.version)
    return _article_out(stored)


@router.get("/articles", response_model=ArticlePage, summary="All articles, a page at a time, by id")
def list_articles(services: AnswerServiceDep, caller: AdminCaller,
                  offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
                  limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50) -> ArticlePage:
    page, total = services.store.articles.list(caller.tenant, offset, limit)
    return ArticlePage(items=[_article_out(stored) for stored in page], total=total, offset=offset, limit=limit)


@router.put("/articles/{article_id}", response_model=ArticleOut, status_code=200,
            summary="Create or replace an article (searchable when this returns)",
            responses={201: {"model": ArticleOut, "description": "created"}})
def put_article(services: AnswerServiceDep, caller: AdminCaller, article_id: str, body: ArticleIn, response: Response,
                if_match: Annotated[str | None, Header(description='"<version>" or *')] = None,
                if_none_match: Annotated[str | None, Header(description="* to create only")] = None) -> ArticleOut:
    article = ArticleDocument(**dict(body), id=_checked_id(article_id)).to_article()
    stored = _write(services, caller, article, precondition(if_match, if_none_match))
    response.status_code = 201 if stored.is_new else 200
    response.headers["ETag"] = etag(stored.version)
    return _article_out(stored)


@router.patch("/articles/{article_id}", response_model=ArticleOut,
              summary="Change some fields of an article (JSON merge patch, RFC 7396)")
def patch_article(services: AnswerServiceDep, caller: AdminCaller, article_id: str, response: Response,
                  patch: Annotated[dict[str, Any], Body(description="fields to change; null removes an optional "
                                                                    "field or a language variant")],
                  if_match: Annotated[str | None, Header(description='"<version>" or *')] = None) -> ArticleOut:
    current = services.store.articles.get(caller.tenant, article_id)
    if current is None:
        raise HTTPException(status_code=404, detail=f"no article with id '{article_id}'")
    if "id" in patch and patch["id"] != article_id:
        raise HTTPException(status_code=422, detail="id cannot be changed; create a new article and delete this one")
    expected = precondition(if_match, None)
    article = _parse(merge_patch(current.article.as_mapping(), patch))
    # without If-Match the patch still applies only to the version it was merged into
    stored = _write(services, caller, article, current.version if expected in (None, ANY) else expected)
    response.headers["ETag"] = etag(stored.version)
    return _article_out(stored)


@router.delete("/articles/{article_id}", status_code=204, summary="Delete an article (gone from results at once)")
def delete_article(services: AnswerServiceDep, caller: AdminCaller, article_id: str,
                   if_match: Annotated[str | None, Header(description='"<version>"')] = None) -> Response:
    expected = precondition(if_match, None)
    try:
        deleted = writes.delete_article(services, services.tenant_kb(caller.tenant), article_id,
                                        None if expected == ANY else expected)
    except VersionConflict as error:
        raise conflict(error) from None
    if not deleted:
        raise HTTPException(status_code=404, detail=f"no article with id '{article_id}'")
    return Response(status_code=204)


@router.post("/articles/drafts", response_model=ArticleOut, status_code=201,
             summary="Draft an article from customers' questions (a coverage gap's cluster)",
             description="A `draft` (stored and indexed, never searched) with one variant per language among the "
                         "questions, their questions as its example questions and a title from each language's "
                         "first; its summary and body say what to write. Publish it with PATCH "
                         '`{"visibility": "published"}` once written (every variant then needs three questions). '
                         "Never replaces an article: an id in use is a 409.")
def post_draft(services: AnswerServiceDep, caller: AdminCaller, body: DraftIn, response: Response) -> ArticleOut:
    draft = draft_article([AskedQuestion(question.text, question.language) for question in body.questions],
                          lambda article_id: services.store.articles.get(caller.tenant, article_id) is not None,
                          body.id, body.category or DEFAULT_CATEGORY)
    try:
        stored = writes.put_article(services, services.tenant_kb(caller.tenant), draft, 0)
    except VersionConflict:
        raise HTTPException(status_code=409, detail=f"an article with the id '{draft.id}' exists already; send "
                                                    "another id, or none to have one made") from None
    response.headers["ETag"] = etag(stored.version)
    response.headers["Location"] = f"/v1/articles/{stored.article.id}"
    return _article_out(stored)


@router.post("/articles/preview", response_model=PreviewOut,
             summary="The reply POST /v1/answer would give on a channel if it answered with this article",
             description="For an editor: the article as written (saved or not, any visibility) answers the "
                         "question's surest concern; reading, situation and composition are those of /v1/answer. "
                         "Not logged, not counted in analytics. The wording is the same on every call.")
async def post_preview(services: AnswerServiceDep, caller: AdminCaller, body: PreviewIn,
                       response: Response) -> PreviewOut:
    article = ArticleDocument(**dict(body.article), id=body.id or PREVIEW_ID).to_article()
    message = Message(text=body.question, channel=body.channel, reply_format=ReplyFormat.MARKDOWN,
                      language=body.language)
    reading = await run_in_threadpool(pipeline.read, message, services.embedder.cost)
    charge_text(services, caller, response, reading.tokens)
    answer = await pipeline.preview(services, await services.open(caller.tenant), message, caller.article_filter(),
                                    reading, article)
    return PreviewOut(channel=answer.channel, language=answer.language, text=render(answer.text, ReplyFormat.TEXT),
                      html=render(answer.text, ReplyFormat.HTML))


@router.post("/articles/import", response_model=ImportReport,
             summary="Create or replace many articles; a report per item",
             description=f"The body is a JSON array of articles (`application/json`) or one article per line "
                         f"(`application/x-ndjson`, the knowledge base's `articles.jsonl`), at most {MAX_IMPORT}. "
                         "A line that is not JSON is reported as rejected; it does not stop the others.",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                 "application/x-ndjson": {"schema": {"type": "string"}}}}})
async def import_articles(services: AnswerServiceDep, caller: AdminCaller, request: Request) -> ImportReport:
    body = (await request.body()).decode("utf-8", errors="replace")
    if "ndjson" in request.headers.get("content-type", "") or "jsonl" in request.headers.get("content-type", ""):
        items = [(f"line {number}", _json_or_error(line)) for number, line in enumerate(body.splitlines(), 1)
                 if line.strip()]
    else:
        try:
            parsed = _parse_json(body)
        except ValueError as error:
            raise HTTPException(status_code=400, detail=f"the body is not valid JSON: {error}") from None
        if not isinstance(parsed, list):
            raise HTTPException(status_code=422, detail="expected a JSON array of articles (or send "
                                                        "Content-Type: application/x-ndjson, one article per line)")
        items = [(f"item {number}", item) for number, item in enumerate(parsed, 1)]
    if len(items) > MAX_IMPORT:
        raise HTTPException(status_code=413, detail=f"{len(items)} articles in one import; send at most {MAX_IMPORT} "
                                                     "per request")
    return await run_in_threadpool(writes.import_articles, services, await services.open(caller.tenant), items)


def _parse_json(text: str) -> Any:
    """The parsed JSON.

    Raises:
        ValueError: why it is not JSON; nesting too deep for the reader (about 1,000 levels) included.
    """
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply (an article is 4 levels deep)") from None


def _json_or_error(text: str) -> Any:
    """The parsed JSON, or a string saying why it is not JSON (reported as a rejected item)."""
    try:
        return _parse_json(text)
    except ValueError as error:
        return f"not valid JSON: {error}"


def _write(services: AnswerService, caller: Caller, article: Article, expected: int | None) -> StoredArticle:
    tenant_kb = services.tenant_kb(caller.tenant)
    if expected == ANY:
        current = services.store.articles.get(caller.tenant, article.id)
        if current is None:
            raise HTTPException(status_code=412, detail=f"If-Match: * but there is no article '{article.id}'")
        expected = current.version
    try:
        return writes.put_article(services, tenant_kb, article, expected)
    except VersionConflict as error:
        raise conflict(error) from None


def _checked_id(article_id: str) -> str:
    if not ARTICLE_ID.match(article_id):
        raise HTTPException(status_code=422, detail=f"article id {article_id!r}: use lowercase letters, digits and "
                                                    "hyphens, at most 80 characters, starting with a letter or digit")
    return article_id


def _parse(mapping: dict) -> Article:
    """The article of a patched mapping.

    Raises:
        HTTPException: 422 naming the field and its problem, like a body that fails validation.
    """
    try:
        return ArticleDocument.model_validate(mapping).to_article()
    except ValidationError as error:
        field, problem = field_problem(error)
        raise HTTPException(status_code=422, detail=f"{field}: {problem}") from None


def _article_out(stored: StoredArticle) -> ArticleOut:
    return ArticleOut(**stored.article.as_mapping(), version=stored.version, updated_at=stored.updated_at)
