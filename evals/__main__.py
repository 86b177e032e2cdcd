"""``python -m evals``: every quality number in one run.

Sections: the public benchmark in ../shared/eval (per source, task and direction),
the demo knowledge base's paraphrases, language detection, situation detection
(with bitext-cs). Figures go to build/eval/results.json as well. ``--model base,adapted``
evaluates the converted and the adapted model one after the other and prints them side by side;
``--model base,/path/to/folder`` compares ours with a sentence-transformers model an operator brings.
"""

from __future__ import annotations

import argparse
import json
import sys

from evals import answerable, benchmark, language, paraphrases, situations
from evals.common import demo_index, model_folder, model_label, print_table, service_model
from indexer.encoders import DEFAULT_ENCODER, ENCODERS
from indexer.settings import MODEL_FOLDERS, PROJECT_ROOT, default_model_name

RESULTS = PROJECT_ROOT / "build" / "eval" / "results.json"
TRAINING_NOTE = ("NTREX and Tatoeba ({}) are the adapted model's training data (python -m training.adapt): "
                 "not held out, so left out by default and out of every comparison below")


def run_benchmark(index, sources: list[str]) -> list[dict]:
    if not benchmark.BENCHMARK_DIR.is_dir():
        print(f"\nbenchmark skipped: {benchmark.BENCHMARK_DIR} not found (../shared/eval beside the project)")
        return []
    print(f"\nPublic benchmark ({benchmark.BENCHMARK_DIR}), sources: {', '.join(sources)}")
    rows = benchmark.evaluate(index.encoder, sources)
    held_out = [row for row in rows if row.source not in benchmark.TRAINING_SOURCES]
    trained = [row for row in rows if row.source in benchmark.TRAINING_SOURCES]
    benchmark.print_rows("Retrieval: lexical = our BM25 alone, dense = vectors alone, R@1/R@5/MRR@10 = hybrid "
                         "(what the service uses)", held_out)
    if trained:
        benchmark.print_rows("Training data of the adapted model, NOT held out (asked for with --sources)", trained)
    return [row.as_json() for row in rows]


def compare(results: dict[str, dict]) -> None:
    """Print the models' held-out benchmark R@1 and demo-paraphrase top-1 side by side.

    Args:
        results: per model name, the sections it ran (as :func:`main` collects them).
    """
    names = list(results)
    keyed = {name: {(r["source"], r["task"], f"{r['query_lang']}->{r['kb_lang']}"): r
                    for r in results[name].get("benchmark", []) if r["source"] not in benchmark.TRAINING_SOURCES}
             for name in names}
    rows = []
    for key in keyed[names[0]]:
        if all(key in keyed[name] for name in names):
            first = keyed[names[0]][key]
            rows.append([*key, first["n"], *(keyed[name][key]["dense_r1"] for name in names),
                         *(keyed[name][key]["r1"] for name in names),
                         *(keyed[name][key]["r1"] - first["r1"] for name in names[1:])])
    if rows:
        print_table(f"Held-out R@1 by model ({' vs '.join(names)}); {TRAINING_NOTE.format('ntrex, tatoeba-*')}",
                    ["source", "task", "direction", "n", *(f"dense {n}" for n in names), *(f"R@1 {n}" for n in names),
                     *(f"Δ {n}" for n in names[1:])], rows)
    if all("paraphrases" in results[name] for name in names):
        print_table("Demo KB paraphrases top-1 by model",
                    ["lang", *names], [[lang, *(results[name]["paraphrases"][lang]["top1"] for name in names)]
                                       for lang in paraphrases.LANGUAGES])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append",
                        choices=["benchmark", "paraphrases", "answerable", "language", "situations"], help="run only these sections")
    parser.add_argument("--sources", default=",".join(benchmark.HELD_OUT_SOURCES),
                        help=f"comma-separated benchmark sources (default: {', '.join(benchmark.HELD_OUT_SOURCES)}; "
                             f"also {', '.join(benchmark.TRAINING_SOURCES)}, the adapted model's training data)")
    parser.add_argument("--encoder", choices=ENCODERS, default=DEFAULT_ENCODER,
                        help="model runtime to evaluate (the service's default: %(default)s)")
    parser.add_argument("--model", default=service_model(),
                        help="comma-separated models to evaluate, side by side when more than one: "
                             f"{', '.join(MODEL_FOLDERS)} or a sentence-transformers model folder's path "
                             "(default: the service's, %(default)s)")
    args = parser.parse_args(argv)
    sources = [s.strip() for s in args.sources.split(",") if s.strip()]
    unknown = sorted(set(sources) - set(benchmark.SOURCES))
    if unknown:
        parser.error(f"unknown source(s) {', '.join(unknown)}; choose from {', '.join(benchmark.SOURCES)}")
    models = [m.strip() for m in args.model.split(",") if m.strip()]
    if not models or not all(model_folder(model).is_dir() for model in models):
        parser.error(f"--model: choose from {', '.join(MODEL_FOLDERS)}, or give a model folder that exists")
    if len({model_label(model) for model in models}) < len(models):
        parser.error("--model: two models of the same name; give folders of different names")
    sections = args.only or ["benchmark", "paraphrases", "answerable", "language", "situations"]
    if "benchmark" in sections:
        trained = sorted(set(sources) & set(benchmark.TRAINING_SOURCES))
        print(f"note: {TRAINING_NOTE.format(', '.join(benchmark.TRAINING_SOURCES))}"
              + (f"; asked for here: {', '.join(trained)}" if trained else ""))
    by_model = {}
    for model in models:
        by_model[model_label(model)] = evaluate_model(model, args.encoder, sections, sources)
    if len(models) > 1:
        compare(by_model)
    return 0


def evaluate_model(model: str, encoder: str, sections: list[str], sources: list[str]) -> dict:
    """Run the sections with one model and write its figures.

    Args:
        model: ``base``, ``adapted`` or a sentence-transformers model folder's path.
        encoder: the runtime.
        sections: which sections to run.
        sources: benchmark sources.

    Returns:
        The results per section.
    """
    index = demo_index(encoder, model)
    print(f"\nmodel: {model} ({index.encoder.model_dir}); encoder: {index.encoder.name} ({index.encoder.precision})")
    results = {}
    if "benchmark" in sections:
        results["benchmark"] = run_benchmark(index, sources)
    for name, run in (("paraphrases", paraphrases.run), ("answerable", answerable.run), ("language", language.run),
                      ("situations", situations.run)):
        if name in sections:
            results[name] = run(index)
    # the service's encoder and model write the tracked files; others write their own beside them
    suffix = "" if encoder == DEFAULT_ENCODER else f"-{encoder}"
    suffix += "" if model == default_model_name() else f"-{model_label(model)}"
    results_file = RESULTS.with_name(f"results{suffix}.json")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    written = [RESULTS.parent / f"all-results{suffix}.json"]
    written[0].write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    if results.get("benchmark"):
        results_file.write_text(json.dumps(results["benchmark"], indent=1), encoding="utf-8")
        written.insert(0, results_file)
    print(f"\nwritten: {', '.join(map(str, written))}")
    return results


if __name__ == "__main__":
    sys.exit(main())
