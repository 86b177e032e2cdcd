"""Demo knowledge base: held-out customer paraphrases (tests/data/paraphrases.yaml) -> their article."""

from __future__ import annotations

from evals.benchmark import FIRST_ALONE, SECOND_ALONE
from evals.common import load_yaml, print_table
from indexer.fusion import Fusion

LANGUAGES = ("en", "ja", "zh", "lt")


def run(index) -> dict:
    """Print top-1/top-3 rates per language and return them; with two encoders also top-1 of e5 and of
    USE-m alone (``e5_top1``, ``usem_top1``), over the same index."""
    data = load_yaml("paraphrases.yaml")
    service = index.fusion
    alone = {} if len(index.encoder.dims) == 1 else {"e5": Fusion(service.method, service.weight, FIRST_ALONE),
                                                     "usem": Fusion(service.method, service.weight, SECOND_ALONE)}
    rows, result = [], {}
    for lang in LANGUAGES:
        result[lang] = {}
        for name, fusion in {**alone, "": service}.items():
            index.fusion = fusion
            ranked = [([h.article.id for h in index.search(qs[lang], limit=3)], article_id)
                      for article_id, qs in data.items()]
            result[lang][f"{name}_top1" if name else "top1"] = sum(ids[0] == gold for ids, gold in ranked) / len(ranked)
        result[lang]["top3"] = sum(gold in ids for ids, gold in ranked) / len(ranked)
        rows.append([lang, len(ranked), *(result[lang][f"{name}_top1"] for name in alone), result[lang]["top1"],
                     result[lang]["top3"]])
    index.fusion = service
    print_table("Demo KB paraphrases (tests/data/paraphrases.yaml, none of them in the KB)",
                ["lang", "n", *(f"{name} top-1" for name in ("e5", "USE-m") if alone), "top-1", "top-3"], rows)
    return result
