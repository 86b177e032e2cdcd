"""Static files served from memory: read once at start, gzipped once, revalidated by ETag.

The widget and the console are a handful of small files that change only with a release, so they are
kept in memory rather than read from disk per request (and no path from a request ever reaches the
file system: a name is looked up among the files read at start, so there is no directory listing and
no ``..`` to escape with).
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable
from pathlib import Path

from fastapi import HTTPException, Response

CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
                 ".json": "application/json"}


class StaticAssets:
    """Some files of a folder, answered with their caching headers.

    Args:
        folder: where the files are.
        names: their paths relative to ``folder`` (``/`` separated); every file under it, recursively, when None.
        headers: headers every response carries (404s included).
        cache_control: the ``Cache-Control`` of a file.
    """

    def __init__(self, folder: Path, names: Iterable[str] | None = None, headers: dict[str, str] | None = None,
                 cache_control: str = "public, max-age=3600"):
        if names is None:
            names = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")
                           if path.is_file() and path.suffix in CONTENT_TYPES)
        self.content = {name: (folder / name).read_bytes() for name in names}
        self.gzipped = {name: gzip.compress(content, mtime=0) for name, content in self.content.items()}
        self.tags = {name: f'"{hashlib.sha256(content).hexdigest()[:16]}"' for name, content in self.content.items()}
        self.headers = headers or {}
        self.cache_control = cache_control

    def response(self, name: str, if_none_match: str | None, accept_encoding: str | None) -> Response:
        """The file ``name``: 304 for a current copy, gzipped for browsers that accept it.

        Raises:
            HTTPException: 404 for a name that is not one of the files.
        """
        if name not in self.content:
            raise HTTPException(status_code=404, detail=f"no file {name!r} here", headers=self.headers)
        headers = {**self.headers, "ETag": self.tags[name], "Cache-Control": self.cache_control,
                   "Vary": "Accept-Encoding"}
        if if_none_match == self.tags[name]:
            return Response(status_code=304, headers=headers)
        content = self.content[name]
        if "gzip" in (accept_encoding or ""):
            content, headers["Content-Encoding"] = self.gzipped[name], "gzip"
        return Response(content, media_type=CONTENT_TYPES[Path(name).suffix], headers=headers)
