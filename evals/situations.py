"""Situation detection on customer messages (tests/data/situations_*.yaml), per language."""

from __future__ import annotations

from collections import defaultdict

from evals.benchmark import evaluate, print_rows
from evals.common import DEMO_KB, load_yaml, print_table
from indexer.situations import SituationDetector
from kb.templates import Situation, load_templates

LABEL_FILES = ("situations_ja_zh.yaml", "situations_en_lt.yaml")
# The labelled sets name the customer's request; the template answering it refuses politely.
LABEL_TO_SITUATION = {"feature_request": Situation.FEATURE_REQUEST_REFUSED}


def labelled_messages() -> list[tuple[str, Situation, str]]:
    """(language, situation, message) for every labelled message."""
    rows = []
    for name in LABEL_FILES:
        for language, groups in load_yaml(name).items():
            for label, messages in groups.items():
                situation = LABEL_TO_SITUATION.get(label) or Situation(label)
                rows.extend((language, situation, message) for message in messages)
    return rows


def accuracy(detector: SituationDetector) -> dict[str, float]:
    """Share of labelled messages whose likeliest situation is the right one, per language and overall
    (whether it is asserted is the bar's business: ``python -m evals.replies`` measures false premises)."""
    messages = labelled_messages()
    vectors = detector.encoder.encode_queries([m for _, _, m in messages])
    right = defaultdict(list)
    for (language, situation, message), vector in zip(messages, vectors):
        hit = detector.detect(message, vector).likeliest is situation
        right[language].append(hit)
        right["all"].append(hit)
    ordered = [language for language in right if language != "all"] + ["all"]
    return {language: sum(right[language]) / len(right[language]) for language in ordered}


def run(index) -> dict:
    detector = SituationDetector(load_templates(DEMO_KB), index.encoder.primary)  # as api/services.py builds it
    result = accuracy(detector)
    n = len(labelled_messages())
    print_table(f"Situation detection ({n} labelled messages, 9 situations, 20 per situation and language)",
                ["lang", "accuracy"], [[lang, value] for lang, value in result.items()])
    bitext = evaluate(index.encoder, ["bitext-cs"], log=lambda line: None)
    print_rows("bitext-cs: customer message -> reply template of its intent", bitext)
    return {"accuracy": result, "bitext_cs": [row.as_json() for row in bitext]}
