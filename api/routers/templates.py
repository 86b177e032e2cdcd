"""/v1/templates: a tenant's reply templates (admin scope).

Every tenant starts with the default templates; ``PUT``/``PATCH`` store its own version of one
(checked like a template file: tone guard, placeholders, all four languages), ``DELETE`` drops it
again (back to the default). Versions and ``If-Match`` work as for articles; the default is version 0.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException, Query, Response

from api import writes
from api.auth import AdminCaller, Caller
from api.deps import AnswerServiceDep
from api.etags import ANY, conflict, etag, merge_patch, precondition
from api.routing import TextCheckedRoute
from api.schemas import ERROR_RESPONSES, MAX_OFFSET, TemplateOut, TemplatePage, TemplateSummary
from api.services import AnswerService
from kb.loader import KBFormatError
from kb.stores import VersionConflict

router = APIRouter(prefix="/v1", tags=["templates"], responses=ERROR_RESPONSES, route_class=TextCheckedRoute)
TemplateDocument = Annotated[dict[str, Any], Body(description="the template as its YAML file holds it: description, "
                                                              "triggers, parts, timeframe (or frame and defaults "
                                                              "for _frame)")]


@router.get("/templates", response_model=TemplatePage, summary="The tenant's templates, a page at a time, by name")
def list_templates(services: AnswerServiceDep, caller: AdminCaller,
                   offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50) -> TemplatePage:
    stored = {template.name: template for template in services.store.templates.list(caller.tenant)}
    names = sorted(services.default_templates)
    return TemplatePage(items=[TemplateSummary(name=name, version=stored[name].version if name in stored else 0,
                                               customised=name in stored) for name in names[offset:offset + limit]],
                        total=len(names), offset=offset, limit=limit)


@router.get("/templates/{name}", response_model=TemplateOut, summary="One template (the tenant's or the default)")
def get_template(services: AnswerServiceDep, caller: AdminCaller, name: str, response: Response) -> TemplateOut:
    template = _template_out(services, caller.tenant, name)
    response.headers["ETag"] = etag(template.version)
    return template


@router.put("/templates/{name}", response_model=TemplateOut, summary="Store the tenant's own version of a template")
def put_template(services: AnswerServiceDep, caller: AdminCaller, name: str, document: TemplateDocument,
                 response: Response,
                 if_match: Annotated[str | None, Header(description='"<version>"')] = None) -> TemplateOut:
    return _write(services, caller, name, document, precondition(if_match, None), response)


@router.patch("/templates/{name}", response_model=TemplateOut, summary="Change part of a template (JSON merge patch)")
def patch_template(services: AnswerServiceDep, caller: AdminCaller, name: str, patch: TemplateDocument,
                   response: Response,
                   if_match: Annotated[str | None, Header(description='"<version>"')] = None) -> TemplateOut:
    current = _template_out(services, caller.tenant, name)
    expected = precondition(if_match, None)
    return _write(services, caller, name, merge_patch(current.document, patch),
                  current.version if expected in (None, ANY) else expected, response)


@router.delete("/templates/{name}", status_code=204, summary="Drop the tenant's version: back to the default")
def delete_template(services: AnswerServiceDep, caller: AdminCaller, name: str,
                    if_match: Annotated[str | None, Header(description='"<version>"')] = None) -> Response:
    _require_known(services, name)
    expected = precondition(if_match, None)
    try:
        writes.put_template(services, services.tenant_kb(caller.tenant), name, None,
                            None if expected == ANY else expected)
    except VersionConflict as error:
        raise conflict(error) from None
    except LookupError as error:
        raise HTTPException(status_code=404, detail=str(error)) from None
    return Response(status_code=204)


def _write(services: AnswerService, caller: Caller, name: str, document: dict, expected: int | None,
           response: Response) -> TemplateOut:
    _require_known(services, name)
    try:
        stored = writes.put_template(services, services.tenant_kb(caller.tenant), name, document,
                                     None if expected == ANY else expected)
    except KBFormatError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    except VersionConflict as error:
        raise conflict(error) from None
    response.headers["ETag"] = etag(stored.version)
    return TemplateOut(name=name, version=stored.version, customised=True, document=stored.document)


def _require_known(services: AnswerService, name: str) -> None:
    """404 for a name that is not a template (every tenant has the same names as the defaults)."""
    if name not in services.default_templates:
        raise HTTPException(status_code=404, detail=f"no template '{name}'; the templates are: "
                                                    f"{', '.join(sorted(services.default_templates))}")


def _template_out(services: AnswerService, tenant: str, name: str) -> TemplateOut:
    _require_known(services, name)
    stored = services.store.templates.get(tenant, name)
    if stored is not None:
        return TemplateOut(name=name, version=stored.version, customised=True, document=stored.document)
    return TemplateOut(name=name, version=0, customised=False, document=services.default_templates[name])
