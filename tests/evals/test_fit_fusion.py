"""The fusion fit (``python -m evals.fit_fusion``) on tiny synthetic cases, and the fitted fusion's promises:
Lithuanian is ranked by e5 alone, an entry with an empty second field too."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evals.fit_fusion import best_weight, fit, literal, scale_and_shift
from indexer.fusion import SECOND_FIELD, FieldFusion
from kb.models import Language

LANGUAGE_CODES = np.arange(len(Language))


@dataclass
class FakeTask:
    """A task whose R@1 is a given function of its pair's weight, and whose neighbours are given."""

    query_lang: str
    kb_lang: str
    neighbours: tuple[np.ndarray, np.ndarray]
    peak: float

    def r1(self, fields: FieldFusion) -> float:
        weight = fields.weights.get((self.query_lang, self.kb_lang), 0.0)
        return 0.6 - abs(weight - self.peak)


def _neighbours(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores = np.stack([first, second], axis=-1)[None]
    return scores, np.arange(len(first))[None]


def test_best_weight_takes_the_smoothed_peak_and_the_smaller_of_equals():
    spike = {0.0: 0.5, 0.1: 0.5, 0.2: 0.7, 0.3: 0.5, 0.4: 0.5, 0.5: 0.6, 0.6: 0.6, 0.7: 0.6, 0.8: 0.5}
    assert best_weight(spike) == 0.6  # one lucky value loses to a broad plateau
    assert best_weight({0.0: 0.7, 0.1: 0.7, 0.2: 0.7}) == 0.0


def test_scale_and_shift_put_the_second_fields_top_scores_on_the_firsts():
    rng = np.random.default_rng(0)
    second = rng.uniform(0.1, 0.5, 30)
    first = 0.5 * second + 0.7
    scale, shift = scale_and_shift([FakeTask("en", "ja", _neighbours(first, second), 0.0)], top=30)
    assert np.isclose(scale, 0.5) and np.isclose(shift, 0.7)


def test_scale_and_shift_read_only_pairs_the_second_encoder_reads():
    reads = FakeTask("en", "en", _neighbours(np.array([0.8, 0.9]), np.array([0.4, 0.6])), 0.0)
    lithuanian = FakeTask("lt", "en", _neighbours(np.array([0.1, 0.9]), np.array([0.9, 0.95])), 0.0)
    assert scale_and_shift([reads, lithuanian], top=2) == scale_and_shift([reads], top=2)


def test_fit_picks_each_pairs_best_weight_and_leaves_lithuanian_at_zero():
    neighbours = _neighbours(np.array([0.8, 0.85, 0.9]), np.array([0.3, 0.4, 0.6]))
    tasks = [FakeTask("ja", "en", neighbours, 0.7), FakeTask("en", "en", neighbours, 0.2),
             FakeTask("lt", "en", neighbours, 0.5), FakeTask("zh", "zh", neighbours, 0.0)]
    fields, curves = fit(tasks)
    assert fields.weights[("ja", "en")] == 0.7 and fields.weights[("en", "en")] == 0.2
    assert ("lt", "en") not in fields.weights and ("zh", "zh") not in fields.weights
    assert curves["lt", "en"][0.5] > curves["lt", "en"][0.0]  # its curve is measured, the weight still 0
    assert "SECOND_FIELD = FieldFusion({(\"en\", \"en\"): 0.2, (\"ja\", \"en\"): 0.7}" in literal(fields, "fitted")


def test_the_fitted_fusion_ranks_lithuanian_by_e5_alone():
    rng = np.random.default_rng(1)
    scores = rng.uniform(-0.2, 1.0, (len(LANGUAGE_CODES), 2)).astype(np.float32)
    assert not any("lt" in pair for pair in SECOND_FIELD.weights)
    assert np.allclose(SECOND_FIELD.combine(scores, Language.LT, LANGUAGE_CODES), scores[:, 0])
    for language in Language:  # whatever the query's language, a Lithuanian entry keeps its e5 score
        lithuanian = list(Language).index(Language.LT)
        assert np.isclose(SECOND_FIELD.combine(scores, language, LANGUAGE_CODES)[lithuanian], scores[lithuanian, 0])


def test_an_entry_without_its_second_vector_is_scored_by_e5_alone():
    fields = FieldFusion({("en", "en"): 0.5}, scale=2.0, shift=0.1)
    scores = np.array([[0.8, np.nan], [0.8, 0.4]], dtype=np.float32)
    english = np.array([list(Language).index(Language.EN)] * 2)
    assert np.allclose(fields.combine(scores, Language.EN, english), [0.8, 0.5 * 0.8 + 0.5 * 0.9])
