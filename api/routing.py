"""The routes' request handling: JSON bodies whose text cannot be encoded are refused at the boundary.

Every router uses :class:`TextCheckedRoute`, so a lone surrogate in any text field of any JSON body
(queries, article and template fields, names) is a 422 naming the field before a route, a model or a
batch ever sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from api.errors import FieldError
from kb.text import find_unencodable


class TextCheckedRequest(Request):
    """A request whose JSON body is checked for text that cannot be encoded once it is parsed."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            problem = find_unencodable(await super().json())
            if problem is not None:
                del self._json  # never handed out unchecked
                raise FieldError(problem.field, str(problem))
        return self._json


class TextCheckedRoute(APIRoute):
    """An API route whose handler reads the request as a :class:`TextCheckedRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked_handler(request: Request) -> Response:
            return await handler(TextCheckedRequest(request.scope, request.receive))

        return checked_handler
