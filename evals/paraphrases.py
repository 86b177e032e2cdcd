"""Demo knowledge base: held-out customer paraphrases (tests/data/paraphrases.yaml) -> their article."""

from __future__ import annotations

from evals.common import load_yaml, print_table

LANGUAGES = ("en", "ja", "zh", "lt")


def run(index) -> dict:
    """Print top-1/top-3 rates per language and return them."""
    data = load_yaml("paraphrases.yaml")
    rows, result = [], {}
    for lang in LANGUAGES:
        ranked = [([h.article.id for h in index.search(qs[lang], limit=3)], article_id)
                  for article_id, qs in data.items()]
        top1 = sum(ids[0] == gold for ids, gold in ranked) / len(ranked)
        top3 = sum(gold in ids for ids, gold in ranked) / len(ranked)
        rows.append([lang, len(ranked), top1, top3])
        result[lang] = {"top1": top1, "top3": top3}
    print_table("Demo KB paraphrases (tests/data/paraphrases.yaml, none of them in the KB)",
                ["lang", "n", "top-1", "top-3"], rows)
    return result
