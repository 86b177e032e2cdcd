"""``python -m indexer.evals``: every quality number in one run."""

from __future__ import annotations

import argparse
import sys

from indexer.evals import language, paraphrases, situations
from indexer.evals.common import demo_index

SECTIONS = {"paraphrases": paraphrases.run, "language": language.run, "situations": situations.run}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer.evals", description=__doc__)
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append", help="run only these sections")
    args = parser.parse_args(argv)
    index = demo_index()
    for name in args.only or SECTIONS:
        SECTIONS[name](index)
    return 0


if __name__ == "__main__":
    sys.exit(main())
