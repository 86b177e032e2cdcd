"""Load generation over loopback HTTP: a uvicorn server in a child process, N keep-alive clients."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import numpy as np

from api.services import seed_tenant
from indexer.settings import PROJECT_ROOT
from kb.stores import Scope, create_store


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


class Server:
    """``uvicorn --factory api.main:create_app`` with the given ``KB_*`` environment, as in production.

    Args:
        port: loopback port.
        env: extra environment (``KB_KB_DIR``, ``KB_INDEX_DIR``, ...).
        log_path: where its log (stderr) goes; inherited when None.
    """

    def __init__(self, port: int, env: dict[str, str], log_path: Path | None = None):
        self.port = port
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 600) -> float:
        """Start the process and wait for ``/readyz``.

        Returns:
            Seconds from process start to ready.
        """
        started = time.perf_counter()
        with open(self.log_path, "ab") if self.log_path else nullcontext() as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app", "--host", "127.0.0.1",
                 "--port", str(self.port), "--no-access-log", "--log-level", "warning"],
                cwd=PROJECT_ROOT, env=self.env, stderr=log)
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with code {self.process.returncode} before it was ready")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                connection.request("GET", "/readyz")
                if connection.getresponse().status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.02)
        raise TimeoutError(f"the server was not ready after {timeout} s")

    def peak_rss_mb(self) -> float:
        """The process's peak resident set size (VmHWM) so far."""
        return self.memory_mb("VmHWM")

    def memory_mb(self, field: str) -> float:
        """A memory figure of the process from /proc (``VmRSS`` now, ``VmHWM`` the peak), in MB."""
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError(f"{field} not found")

    def stop(self) -> None:
        """Terminate the process; kill it when it has not ended 30 s later (it may be mid-start)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def throwaway_demo_server(demo_index: Path, env: dict[str, str] | None = None,
                          log_path: Path | None = None) -> Iterator[tuple[Server, str]]:
    """A real server over the demo KB in a throwaway store (for traffic that writes junk), and a
    key with every scope and no rate limit; the demo index is copied from ``demo_index`` when there.
    ``env`` adds to its ``KB_*`` environment; its log goes to ``log_path`` when given.

    Yields:
        The started server and the key.
    """
    folder = Path(tempfile.mkdtemp(prefix="kb-throwaway-"))
    try:
        store = create_store("sqlite", folder / "store.sqlite3")
        seed_tenant(store, "demo", PROJECT_ROOT / "kb" / "demo")
        key, _ = store.create_key("demo", set(Scope), "throwaway", rate_per_minute=0)
        store.close()
        if demo_index.is_dir():  # no need to embed the demo KB again
            shutil.copytree(demo_index, folder / "index" / "demo")
        server = Server(free_port(), {"KB_STORE_PATH": str(folder / "store.sqlite3"),
                                      "KB_INDEX_DIR": str(folder / "index"), "KB_LOG_LEVEL": "WARNING",
                                      **(env or {})}, log_path)
        try:  # a start that fails or is interrupted leaves no server behind either
            server.start(timeout=300)
            yield server, key
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def create_server_key(server: Server, scopes: set[Scope], name: str, tenant: str = "demo") -> str:
    """A new key in the SQLite store of a running server (as the admin CLI makes one: the server
    accepts it at once), with the service's default rate limit.

    Returns:
        The key's secret.
    """
    store = create_store("sqlite", server.env["KB_STORE_PATH"])
    try:
        secret, _ = store.create_key(tenant, scopes, name)
        return secret
    finally:
        store.close()


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
