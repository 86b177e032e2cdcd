"""Combine dense (cosine) and lexical (BM25) article scores into one ranking score.

Two methods, chosen by measurement (``make eval`` prints both):

* ``weighted``: cosine + ``weight`` × the lexical match in [0, 1] (BM25 as a share
  of the most the query could score): the cosine keeps its meaning, a query whose
  words the article really contains gets a lift, and a query in another language
  (few shared words) is left to the vectors;
* ``rrf``: reciprocal rank fusion, 1/(k + dense rank) + 1/(k + lexical rank).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fusion:
    method: str = "weighted"
    weight: float = 0.3
    rrf_k: int = 60


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
    if fusion.method == "rrf":
        dense_rank = {a: r for r, a in enumerate(sorted(dense, key=dense.get, reverse=True), 1)}
        lexical_rank = {a: r for r, a in enumerate(sorted(lexical, key=lexical.get, reverse=True), 1)}
        return {a: 1 / (fusion.rrf_k + dense_rank[a])
                + (1 / (fusion.rrf_k + lexical_rank[a]) if a in lexical_rank else 0.0) for a in dense}
    if fusion.method == "dense":
        return dict(dense)
    raise ValueError(f"unknown fusion method '{fusion.method}'; use weighted, rrf or dense")
