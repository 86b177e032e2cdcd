"""``python -m indexer.evals``: every quality number in one run.

Sections: the public benchmark in ../shared/eval (per source, task and direction),
the demo knowledge base's paraphrases, language detection, situation detection
(with bitext-cs). Figures go to build/eval/results.json as well.
"""

from __future__ import annotations

import argparse
import json
import sys

from indexer.encoders import DEFAULT_ENCODER, ENCODERS
from indexer.evals import answerable, benchmark, language, paraphrases, situations
from indexer.evals.common import demo_index
from indexer.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "build" / "eval" / "results.json"


def run_benchmark(index, sources: list[str]) -> list[dict]:
    if not benchmark.BENCHMARK_DIR.is_dir():
        print(f"\nbenchmark skipped: {benchmark.BENCHMARK_DIR} not found (../shared/eval beside the project)")
        return []
    print(f"\nPublic benchmark ({benchmark.BENCHMARK_DIR}), sources: {', '.join(sources)}")
    rows = benchmark.evaluate(index.encoder, sources)
    benchmark.print_rows("Retrieval: lexical = our BM25 alone, dense = vectors alone, R@1/R@5/MRR@10 = hybrid "
                         "(what the service uses)", rows)
    return [row.as_json() for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer.evals", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append",
                        choices=["benchmark", "paraphrases", "answerable", "language", "situations"], help="run only these sections")
    parser.add_argument("--sources", default=",".join(benchmark.SOURCES),
                        help=f"comma-separated benchmark sources (default: all of {', '.join(benchmark.SOURCES)})")
    parser.add_argument("--encoder", choices=ENCODERS, default=DEFAULT_ENCODER,
                        help="model runtime to evaluate (the service's default: %(default)s)")
    args = parser.parse_args(argv)
    sources = [s.strip() for s in args.sources.split(",") if s.strip()]
    unknown = sorted(set(sources) - set(benchmark.SOURCES))
    if unknown:
        parser.error(f"unknown source(s) {', '.join(unknown)}; choose from {', '.join(benchmark.SOURCES)}")
    sections = args.only or ["benchmark", "paraphrases", "answerable", "language", "situations"]
    index = demo_index(args.encoder)
    print(f"encoder: {index.encoder.name} ({index.encoder.precision})")
    results = {}
    if "benchmark" in sections:
        results["benchmark"] = run_benchmark(index, sources)
    for name, run in (("paraphrases", paraphrases.run), ("answerable", answerable.run), ("language", language.run),
                      ("situations", situations.run)):
        if name in sections:
            results[name] = run(index)
    # the service's encoder writes the tracked files; another encoder writes its own beside them
    suffix = "" if args.encoder == DEFAULT_ENCODER else f"-{args.encoder}"
    results_file = RESULTS.with_name(f"results{suffix}.json")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    written = [RESULTS.parent / f"all-results{suffix}.json"]
    written[0].write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    if results.get("benchmark"):
        results_file.write_text(json.dumps(results["benchmark"], indent=1), encoding="utf-8")
        written.insert(0, results_file)
    print(f"\nwritten: {', '.join(map(str, written))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
