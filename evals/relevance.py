"""``python -m evals.relevance``: what a fixed set of relevance controls (synonyms and pins) changes.

The demo knowledge base's held-out paraphrases (tests/data/paraphrases.yaml, labelled with their article) and
the language-detection queries (tests/data/language_queries.yaml, unlabelled) are searched as the service searches
them, without and with the controls below. A query that holds no synonym group's term and matches no pin must
rank exactly as before (changed 0: the run fails otherwise); for the others it reports how many rankings
changed and R@1 before and after.
"""

from __future__ import annotations

import sys

from evals.common import demo_index, load_yaml, print_table
from indexer.controls import AppliedControls
from indexer.lexical import tokenize
from indexer.synonyms import Synonyms
from kb.language import UnsupportedLanguageError, detect_language
from kb.models import Language
from kb.relevance import Pins, RelevanceControls, SynonymGroups

LIMIT = 10  # the ranking compared
SYNONYMS = SynonymGroups.model_validate({"groups": [
    {"language": "ja", "terms": ["配送", "発送", "お届け"]},
    {"language": "zh", "terms": ["快递", "包裹"]},
    {"language": "lt", "terms": ["siunta", "siuntinys", "pakuotė"]},
    {"language": "en", "terms": ["parcel", "package"]},
    {"language": "en", "terms": ["send back", "return"]},
]}).groups
PINS = Pins.model_validate({"pins": [
    {"pattern": "tracking number", "language": "en", "article_id": "order-status"},
    {"pattern": "返品したい", "language": "ja", "article_id": "return-item"},
    {"pattern": "atšaukti", "language": "lt", "article_id": "cancel-order"},
    {"pattern": "退款", "language": "zh", "article_id": "refund-status"},
]}).pins


def queries() -> list[tuple[str, str | None]]:
    """(query, its article or None when unlabelled)."""
    labelled = [(query, article_id) for article_id, by_language in load_yaml("paraphrases.yaml").items()
                for query in by_language.values()]
    return labelled + [(query, None) for texts in load_yaml("language_queries.yaml").values() for query in texts]


def language_of(query: str) -> Language | None:
    try:
        return detect_language(query).language
    except UnsupportedLanguageError:
        return None


def run(index, controls: AppliedControls) -> list[list]:
    """Per kind of query (none of the controls' terms or patterns; a synonym's term; a pin's pattern): how many,
    how many rankings changed, R@1 before and after (over the labelled ones)."""
    rows: dict[str, list] = {}
    labelled = queries()
    vectors = index.encoder.encode_queries([query for query, _ in labelled])  # once for both searches
    for (query, gold), vector in zip(labelled, vectors):
        language = language_of(query)
        pinned = controls.pinned(query, language)
        kind = "pin" if pinned else "synonym" if controls.synonyms.variants(tokenize(query), language) else "neither"
        before = [hit.article.id for hit in index.search(query, LIMIT, vector, language)]
        after = [hit.article.id for hit in index.search(query, LIMIT, vector, language, synonyms=controls.synonyms,
                                                         pinned=pinned)]
        row = rows.setdefault(kind, [kind, 0, 0, 0, 0, 0])
        row[1] += 1
        row[2] += before != after
        if gold is not None:
            row[3] += 1
            row[4] += before[:1] == [gold]
            row[5] += after[:1] == [gold]
    return [[kind, n, changed, labelled, hits_before / labelled if labelled else "-",
             hits_after / labelled if labelled else "-"]
            for kind, n, changed, labelled, hits_before, hits_after in rows.values()]


def main() -> int:
    index = demo_index()
    controls = AppliedControls(RelevanceControls(1, tuple(SYNONYMS), tuple(PINS)), Synonyms(SYNONYMS))
    rows = run(index, controls)
    print_table(f"Relevance controls ({len(SYNONYMS)} synonym groups, {len(PINS)} pins, evals/relevance.py): "
                f"top-{LIMIT} rankings without and with them; 'neither' must not change",
                ["queries holding", "n", "changed", "labelled", "R@1 before", "R@1 after"],
                sorted(rows, key=lambda row: ["neither", "synonym", "pin"].index(row[0])))
    unchanged = all(row[2] == 0 for row in rows if row[0] == "neither")
    if not unchanged:
        print("FAILED: queries holding no synonym term and matching no pin were ranked differently")
    return 0 if unchanged else 1


if __name__ == "__main__":
    sys.exit(main())
