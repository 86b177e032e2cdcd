"""/v1/synonyms and /v1/pins: the tenant's relevance controls (admin scope), see :mod:`kb.relevance`.

A change is in effect for this server's next request; other replicas take it in when they next poll the
store (``KB_FOLLOW_INTERVAL_S``, as they do article writes).
"""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import AdminCaller
from api.deps import AnswerServiceDep
from api.errors import FieldError
from api.routing import TextCheckedRoute
from api.schemas import ERROR_RESPONSES
from api.services import AnswerService
from kb.relevance import Pins, SynonymGroups
from kb.stores.relevance import UnknownArticlesError

router = APIRouter(prefix="/v1", tags=["relevance"], responses=ERROR_RESPONSES, route_class=TextCheckedRoute)
IN_EFFECT = "In effect at once through this server; through other replicas within KB_FOLLOW_INTERVAL_S."


@router.get("/synonyms", response_model=SynonymGroups, summary="This tenant's synonym groups (lexical search)")
def get_synonyms(services: AnswerServiceDep, caller: AdminCaller) -> SynonymGroups:
    return SynonymGroups(groups=list(services.store.relevance.controls(caller.tenant).groups))


@router.put("/synonyms", response_model=SynonymGroups, summary="Replace all of this tenant's synonym groups",
            description="A query term of a group also matches the group's other terms in lexical search, for "
                        "queries in the group's language (Japanese and Chinese share theirs). " + IN_EFFECT)
def put_synonyms(services: AnswerServiceDep, caller: AdminCaller, body: SynonymGroups) -> SynonymGroups:
    controls = services.store.relevance.replace_synonyms(caller.tenant, body.groups)
    _take_in(services, caller.tenant)
    return SynonymGroups(groups=list(controls.groups))


@router.get("/pins", response_model=Pins, summary="This tenant's pinned results")
def get_pins(services: AnswerServiceDep, caller: AdminCaller) -> Pins:
    return Pins(pins=list(services.store.relevance.controls(caller.tenant).pins))


@router.put("/pins", response_model=Pins, summary="Replace all of this tenant's pins",
            description="A query that contains a pin's pattern (both NFKC-normalised, case-folded, whitespace "
                        "collapsed), in the pin's language when it has one, gets the pin's article first in "
                        "/v1/search and as the answer of /v1/answer, unless the caller may not see it (filters, "
                        "visibility); the first matching pin the caller may see wins. " + IN_EFFECT)
def put_pins(services: AnswerServiceDep, caller: AdminCaller, body: Pins) -> Pins:
    try:
        controls = services.store.relevance.replace_pins(caller.tenant, body.pins)
    except UnknownArticlesError as error:
        raise FieldError("pins", str(error)) from None
    _take_in(services, caller.tenant)
    return Pins(pins=list(controls.pins))


def _take_in(services: AnswerService, tenant: str) -> None:
    """This process's searches use the tenant's new controls from the next request on."""
    if (tenant_kb := services.open_tenants.get(tenant)) is not None:
        tenant_kb.controls.refresh()
