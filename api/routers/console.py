"""The support team's console (``GET /console``): a single page of plain ES modules that calls the admin API.

The page itself holds nothing secret: a person signs in with an admin key, which the page keeps in the
browser's session storage and sends as a Bearer header; every API call checks it as usual. Every
response here carries a strict Content-Security-Policy (scripts, styles and API calls from this origin
only, no inline script or style), so text from the API can never run as code even if it were inserted
as HTML (the page never does: it builds the DOM and sets text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header, Response

from api.assets import StaticAssets

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)
FOLDER = Path(__file__).resolve().parent.parent / "static" / "console"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# revalidated on every load (the ETag makes that a 304): the modules are not versioned by name, and a page
# must never run a module of one release with another's
ASSETS = StaticAssets(FOLDER, headers=SECURITY_HEADERS, cache_control="no-cache")
INDEX = "index.html"


@router.get("")
def console_page(if_none_match: Annotated[str | None, Header()] = None,
                 accept_encoding: Annotated[str | None, Header()] = None) -> Response:
    """The console's page; it asks for an admin key."""
    return ASSETS.response(INDEX, if_none_match, accept_encoding)


@router.get("/{name:path}")
def console_file(name: str, if_none_match: Annotated[str | None, Header()] = None,
                 accept_encoding: Annotated[str | None, Header()] = None) -> Response:
    """One of the console's files (``/console/`` is the page); 404 for anything else."""
    return ASSETS.response(name or INDEX, if_none_match, accept_encoding)
