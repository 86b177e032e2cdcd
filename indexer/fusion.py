"""Combine the dense and lexical article scores into one ranking score.

Dense: an entry's score is e5's cosine, or, with the second encoder (USE-m), the two fields'
scores weighed per language pair (:class:`FieldFusion`).

* ``weighted`` (the service's): dense + ``weight`` × the lexical match in [0, 1] (BM25 as a
  share of the most the query could score): the dense score keeps its meaning, a query whose words
  the article really contains gets a lift, and a query in another language (few shared words)
  is left to the vectors. Reciprocal rank fusion measured 0.02–0.03 lower (BENCHMARKS.md);
* ``dense``: the dense score alone (``make eval`` compares it with the weighted sum).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kb.models import Language

LANGUAGES = tuple(Language)  # the order of the language codes of indexer.vector_sources


@dataclass(frozen=True)
class FieldFusion:
    """How the second encoder's score joins e5's: ``(1 - w) · e5 + w · (scale · second + shift)``.

    The second encoder's cosines are spread wider and lower than e5's; ``scale`` and ``shift`` put
    them on e5's scale, so that entries scored with and without the second field (a Lithuanian one)
    rank fairly against each other. ``w`` is per (query language, entry language); a pair not listed
    gets 0 (e5 alone: Lithuanian, which USE-m does not read, and a query whose language is unknown).
    An entry whose second field is still empty (an index being upgraded) is scored by e5 alone.

    Args:
        weights: ``(query language, entry language)`` codes (``"en"``, ``"ja"``…) -> ``w`` in [0, 1].
        scale: multiplies the second encoder's cosine.
        shift: is added to it after.
    """

    weights: dict[tuple[str, str], float] = field(default_factory=dict)
    scale: float = 1.0
    shift: float = 0.0

    def __post_init__(self):
        table = np.zeros((len(LANGUAGES), len(LANGUAGES)), dtype=np.float32)
        for (query, entry), weight in self.weights.items():
            table[LANGUAGES.index(Language(query)), LANGUAGES.index(Language(entry))] = weight
        object.__setattr__(self, "_table", table)

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.weights.items())), self.scale, self.shift))

    def combine(self, scores: np.ndarray, language: Language | None, entry_languages: np.ndarray) -> np.ndarray:
        """One dense score per entry.

        Args:
            scores: (m, 2): each entry's e5 and second-encoder scores (NaN: that field is empty).
            language: the query's language (None: unknown).
            entry_languages: (m,) each entry's language code (position in ``Language``).

        Returns:
            (m,) the entries' dense scores.
        """
        first, second = scores[:, 0], scores[:, 1]
        if language is None:
            return first.copy()
        weight = self._table[LANGUAGES.index(language), entry_languages]
        weight = np.where(np.isnan(second), 0.0, weight)
        return (1 - weight) * first + weight * (self.scale * np.nan_to_num(second) + self.shift)


# Fitted by `python -m evals.fit_fusion` on the help-desk items (models/training-data, 1,086 items kept apart from
# the judges; model base), 2026-12-03 (README, "How the two are fused"). Pairs not listed (Lithuanian) weigh 0.
SECOND_FIELD = FieldFusion({("en", "en"): 0.4, ("en", "ja"): 0.4, ("en", "zh"): 0.4,
                            ("ja", "en"): 0.5, ("ja", "ja"): 0.4, ("ja", "zh"): 0.3,
                            ("zh", "en"): 0.4, ("zh", "ja"): 0.5, ("zh", "zh"): 0.1},
                           scale=0.311, shift=0.733)


@dataclass(frozen=True)
class Fusion:
    method: str = "weighted"  # weighted or dense
    weight: float = 0.3
    fields: FieldFusion = SECOND_FIELD


def fuse(dense: dict[str, float], lexical: dict[str, float], fusion: Fusion) -> dict[str, float]:
    """Fused scores for the articles in ``dense``.

    Args:
        dense: article id -> best-field dense score (the candidates).
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
