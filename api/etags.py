"""Optimistic concurrency over HTTP: versions as ETags, If-Match / If-None-Match, JSON merge patch."""

from __future__ import annotations

import re
import reprlib
from typing import Any

from fastapi import HTTPException

from kb.stores import VersionConflict

ANY = -1  # If-Match: * (it must exist, whatever its version)
VERSION = re.compile(r"[0-9]{1,18}")  # ASCII digits only; a version fits in the store's 64-bit integer


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key, null deletes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def precondition(if_match: str | None, if_none_match: str | None) -> int | None:
    """The version a write expects: a number, 0 (must not exist), ANY (must exist) or None (unconditional).

    The one reading of ``If-Match`` / ``If-None-Match`` for articles and templates alike.

    Raises:
        HTTPException: 400 for a header that is neither ``*`` nor a version (up to 18 ASCII digits).
    """
    if if_none_match is not None:
        if if_none_match.strip() != "*":
            raise HTTPException(status_code=400, detail="If-None-Match supports only * (create, never replace)")
        return 0
    if if_match is None:
        return None
    value = if_match.strip()
    if value == "*":
        return ANY
    value = value.removeprefix("W/").strip('"')
    if not VERSION.fullmatch(value):
        raise HTTPException(status_code=400, detail=f"If-Match must be a version in quotes such as \"3\" (the ETag "
                                                    "you read: ASCII digits, at most 18), or *; got "
                                                    f"{reprlib.repr(if_match)}")
    return int(value)


def conflict(error: VersionConflict) -> HTTPException:
    """409 naming the current version (also as ETag)."""
    return HTTPException(status_code=409, detail=str(error),
                         headers={"ETag": etag(error.current)} if error.current else None)


def etag(version: int) -> str:
    return f'"{version}"'
