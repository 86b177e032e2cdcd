"""Real servers in child processes for tests and benchmarks: the API under uvicorn (as in production) on a
free loopback port, and a throwaway one over the demo KB. The PostgreSQL server is in :mod:`tests.postgres`."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from api.services import seed_tenant
from indexer.settings import DEMO_KB, PROJECT_ROOT
from kb.stores import Scope, create_store


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
        seed_tenant(store, "demo", DEMO_KB)
        key, _ = store.keys.create("demo", set(Scope), "throwaway", rate_per_minute=0)
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
        secret, _ = store.keys.create(tenant, scopes, name)
        return secret
    finally:
        store.close()


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
