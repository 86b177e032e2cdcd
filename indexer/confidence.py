"""Turn a raw cosine score into a confidence in [0, 1].

multilingual-e5 cosines are compressed into roughly 0.7-0.95, so the raw score
is mapped through a logistic curve whose midpoint separates the scores of
in-domain questions from off-topic ones (see README, "Confidence").
"""

from __future__ import annotations

import math

# Midpoint and steepness of the logistic map; fitted on the demo knowledge base.
SCORE_MIDPOINT = 0.86
SCORE_SCALE = 0.015


def confidence(score: float) -> float:
    """Confidence in [0, 1] for a best-article cosine score."""
    return 1.0 / (1.0 + math.exp(-(score - SCORE_MIDPOINT) / SCORE_SCALE))
