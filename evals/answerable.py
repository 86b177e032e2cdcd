"""Does the service know when it has no good answer? Held-out in-domain vs off-topic questions."""

from __future__ import annotations

from evals.common import load_yaml, print_table
from indexer.confidence import DEFAULT_ANSWER_THRESHOLD, confidence

LANGUAGES = ("en", "ja", "zh", "lt")
THRESHOLD = DEFAULT_ANSWER_THRESHOLD


def run(index) -> dict:
    """Per language: in-domain paraphrases wrongly left unanswered, off-topic questions rightly left unanswered."""
    paraphrases = load_yaml("paraphrases.yaml")
    off_topic = load_yaml("off_topic.yaml")
    rows, result = [], {}
    for lang in LANGUAGES:
        inside = [confidence(index.search(qs[lang], limit=3)) for qs in paraphrases.values()]
        outside = [confidence(index.search(q, limit=3)) for q in off_topic[lang]]
        missed = sum(c < THRESHOLD for c in inside) / len(inside)
        refused = sum(c < THRESHOLD for c in outside) / len(outside)
        rows.append([lang, len(inside), missed, len(outside), refused])
        result[lang] = {"in_domain_unanswered": missed, "off_topic_unanswered": refused}
    print_table(f"Answer or not (confidence threshold {THRESHOLD}; tests/data/paraphrases.yaml, off_topic.yaml)",
                ["lang", "in-domain", "wrongly unanswered", "off-topic", "rightly unanswered"], rows)
    return result
