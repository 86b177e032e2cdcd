"""Load generation over loopback HTTP: N keep-alive clients against a server (:class:`tests.servers.Server`)."""

from __future__ import annotations

import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import quote

import numpy as np


@dataclass(frozen=True)
class Call:
    """One HTTP request: a method, a path and an optional body.

    ``body`` is a mapping sent as JSON, or bytes sent as they are (malformed on purpose, say);
    ``api_key`` is sent instead of the run's key.
    """

    method: str
    path: str
    body: dict | bytes | None = None
    api_key: str | None = None


def search_call(query: str) -> Call:
    return Call("GET", f"/v1/search?q={quote(query)}&limit=5")


def answer_call(query: str, channel: str) -> Call:
    return Call("POST", "/v1/answer", {"query": query, "channel": channel})


@dataclass(frozen=True)
class LoadResult:
    """Latencies (ms), statuses and throughput of a run, each list in the order of its calls."""

    latencies_ms: list[float]
    seconds: float
    statuses: list[int]  # 0: no response (the connection failed or was closed)
    bodies: list = field(default_factory=list)  # the parsed responses, when asked to keep them

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q))

    @property
    def errors(self) -> int:
        """Requests that failed: not 2xx, or no response."""
        return sum(not 200 <= status < 300 for status in self.statuses)

    @property
    def requests_per_s(self) -> float:
        return len(self.latencies_ms) / self.seconds


def run_load(port: int, calls: list[Call], clients: int, api_key: str | None = None, keep: bool = False) -> LoadResult:
    """Send every call once, from ``clients`` threads with one keep-alive connection each
    (with ``Authorization: Bearer <api_key>`` when given; ``keep``: also return the parsed bodies).

    Returns:
        Per-request latencies and statuses (in the order of ``calls``), and the wall time.
    """
    lock = threading.Lock()
    pending = enumerate(calls)
    latencies = [0.0] * len(calls)
    statuses = [0] * len(calls)
    bodies: list = [None] * len(calls) if keep else []

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                number, call = next(pending, (None, None))
            if call is None:
                break
            body = call.body if isinstance(call.body, bytes) or call.body is None else json.dumps(call.body).encode()
            headers = {"Content-Type": "application/json"} if body else {}
            if call.api_key or api_key:
                headers["Authorization"] = f"Bearer {call.api_key or api_key}"
            started = time.perf_counter()
            try:
                connection.request(call.method, call.path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status, payload = 0, b""
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            latencies[number] = (time.perf_counter() - started) * 1000
            statuses[number] = status
            if keep and 200 <= status < 300 and payload:
                bodies[number] = json.loads(payload)
        connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return LoadResult(latencies, time.perf_counter() - started, statuses, bodies)
