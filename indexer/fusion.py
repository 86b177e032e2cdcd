"""Combine dense (cosine) and lexical (BM25) article scores into one ranking score.

* ``weighted`` (the service's): cosine + ``weight`` × the lexical match in [0, 1] (BM25 as a
  share of the most the query could score): the cosine keeps its meaning, a query whose words
  the article really contains gets a lift, and a query in another language (few shared words)
  is left to the vectors. Reciprocal rank fusion measured 0.02–0.03 lower (BENCHMARKS.md);
* ``dense``: the cosine alone (``make eval`` compares it with the weighted sum).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Fusion:
    method: Literal["weighted", "dense"] = "weighted"
    weight: float = 0.3


def fuse(dense: dict[str, float], lexical: dict[str, float], fusion: Fusion) -> dict[str, float]:
    """Fused scores for the articles in ``dense``.

    Args:
        dense: article id -> best-field cosine (the candidates).
        lexical: article id -> lexical match in [0, 1] (any articles; missing means 0).
        fusion: method and parameters.

    Returns:
        article id -> fused score, higher is better.
    """
    if fusion.method == "weighted":
        return {a: score + fusion.weight * lexical.get(a, 0.0) for a, score in dense.items()}
    if fusion.method == "dense":
        return dict(dense)
    raise ValueError(f"unknown fusion method '{fusion.method}'; use weighted or dense")
