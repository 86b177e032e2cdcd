"""``make fuzz``: schemathesis against a real server's ``/openapi.json``, every operation.

The server runs the demo KB from a throwaway store (the fuzzer writes junk articles and templates,
which must not reach ``build/store.sqlite3``), authenticated with a key holding every scope. Checks:
no server error, documented status codes, responses that match their schemas and content types.
``DELETE /v1/keys/{id}`` is left out: the fuzzer would revoke its own key (revocation has its tests).

    python -m tests.fuzz [--examples 30] [--seed 1]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from indexer.settings import DEMO_INDEX
from tests.servers import throwaway_demo_server

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"


def fuzz(examples: int, seed: int, demo_index: Path = DEMO_INDEX) -> int:
    """Run schemathesis once; returns its exit code (0: no failure).

    Args:
        examples: examples per operation and phase.
        seed: the fuzzer's seed.
        demo_index: a current index of the demo KB to start from (embedded again when missing).
    """
    with throwaway_demo_server(demo_index) as (server, key):
        return subprocess.run(
            [str(Path(sys.executable).with_name("st")), "run", f"http://127.0.0.1:{server.port}/openapi.json",
             "-H", f"Authorization: Bearer {key}", "--checks", CHECKS, "--max-examples", str(examples),
             "--seed", str(seed), "--workers", "1", "--exclude-path-regex", "^/v1/keys/"]).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=30, help="examples per operation and phase")
    parser.add_argument("--seed", type=int, default=1, help="the fuzzer's seed (runs are reproducible)")
    args = parser.parse_args(argv)
    return fuzz(args.examples, args.seed)


if __name__ == "__main__":
    sys.exit(main())
