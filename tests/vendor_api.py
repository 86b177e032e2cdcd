"""A local HTTP server standing in for a help desk's API, for the connectors' write-backs: it records every
request (method, path, headers, JSON body) and answers each with the next status queued for it (200 by default)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: dict


class VendorApi:
    """``with VendorApi() as api:`` serves on ``api.base_url`` until the block ends."""

    def __init__(self):
        self.requests: list[Received] = []
        self.statuses: list[int] = []  # answers for the next requests, in order; then 200
        self._arrival = threading.Condition()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with api._arrival:
                    status = api.statuses.pop(0) if api.statuses else 200
                    api.requests.append(Received(self.command, self.path, {k.lower(): v for k, v in
                                                                           self.headers.items()}, body))
                    api._arrival.notify_all()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status < 400 else b'{"error": "try later"}')

            do_POST = do_PUT = _serve  # noqa: N815 (http.server's names)

            def log_message(self, *args) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> VendorApi:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        """Wait until at least ``count`` requests arrived; returns them all.

        Raises:
            TimeoutError: fewer arrived in time.
        """
        with self._arrival:
            if not self._arrival.wait_for(lambda: len(self.requests) >= count, timeout):
                raise TimeoutError(f"{len(self.requests)} of {count} write-backs arrived within {timeout} s")
            return list(self.requests)
