"""Confidence that the top article answers the question, in [0, 1].

A logistic model over two features of a search result: the best article's
dense score (e5's cosine, or with the second encoder the two fields' fused score,
:mod:`indexer.fusion`) and its lead over the runner-up (fused scores). The lexical lift was
left out: the calibration questions were written with their articles and share
their words far more than customers' questions do, so it over-weighted it.
It is fitted by ``python -m evals.calibrate`` on data kept apart from the
tests: the demo knowledge base's own example questions searched with their own
copies left out of the index (positives when the top article is theirs), and
FLORES news sentences and gnome-help page titles in all four languages, which no
shop article answers (negatives). The coefficients below are that fit's output.
"""

from __future__ import annotations

import math

from indexer.search import ArticleHit

# Below this confidence the service answers `answered: false` (KB_ANSWER_THRESHOLD overrides).
# On the calibration data (fused scores) it keeps 97% of right answers and refuses 92% of wrong or off-topic ones.
DEFAULT_ANSWER_THRESHOLD = 0.3

# (intercept, dense score, lead over the runner-up), from `python -m evals.calibrate` with e5 and USE-m fused
# (indexer.fusion.SECOND_FIELD), 2026-12-03
COEFFICIENTS = (-36.42, 38.62, 59.61)


def features(hits: list[ArticleHit]) -> tuple[float, float]:
    """(dense score of the best article, its fused lead over the second)."""
    if not hits:
        return (0.0, 0.0)
    lead = hits[0].rank_score - hits[1].rank_score if len(hits) > 1 else 0.0
    return (hits[0].score, lead)


def confidence(hits: list[ArticleHit]) -> float:
    """Calibrated probability that ``hits[0]`` is the right answer (0 without hits)."""
    if not hits:
        return 0.0
    intercept, *weights = COEFFICIENTS
    z = intercept + sum(w * x for w, x in zip(weights, features(hits)))
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
