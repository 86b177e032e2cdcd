"""Detect the customer's situation from their message.

Three signals, summed per situation:

* the cosine between the message and the centroid of the situation's trigger
  examples (all languages pooled, ``query:`` prompt);
* a lexical match against the trigger examples (BM25 with the same per-language
  tokenisation as article search, scaled to [0, 1]), which helps Lithuanian most;
* surface anger cues (capitals, repeated ``!?``, words of frustration) for
  ``angry_customer``.

The weights were picked on ``tests/data/situations_*.yaml`` from a small grid
(see README, "Situations"); ``make eval`` prints the accuracy per language.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.encoders import Encoder
from indexer.lexical import BM25, tokenize
from kb.cues import anger_score
from kb.templates import Situation, TemplateSet

# Situations a message can show; unknown_answer is decided by retrieval confidence, not by text.
DETECTABLE = tuple(s for s in Situation if s is not Situation.UNKNOWN_ANSWER)
LEXICAL_WEIGHT = 0.01
ANGER_CUE_WEIGHT = 0.02
# Softmax temperature turning scores into situation_confidence.
TEMPERATURE = 0.01
# Below this confidence the situation is not asserted (general): read off the reply fit set
# (python -m evals.replies --split fit --sweep: 2 % of its messages got a situation they do not have at 0.5,
# 14 % at 0.3, 27 % at the former 0.2).
MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class SituationGuess:
    """The situation asserted (``general`` below the bar), its confidence, and the likeliest one even
    when unsure."""

    situation: Situation
    confidence: float
    likeliest: Situation


class SituationDetector:
    """Embeds every trigger example once; scores a message against each situation.

    Args:
        templates: the reply templates with their trigger examples.
        encoder: the model.
        cache_dir: where the centroids are kept between starts (keyed by the encoder's vectors
            and the trigger texts); None embeds the triggers every time.
    """

    def __init__(self, templates: TemplateSet, encoder: Encoder, cache_dir: Path | None = None):
        self.encoder = encoder
        triggers = [templates.templates[situation].triggers for situation in DETECTABLE]
        documents, owners = [], []
        for index, by_language in enumerate(triggers):
            for language, texts in by_language.items():
                documents.append(tokenize(" ".join(texts), (language.value,)))
                owners.append(index)
        self.centroids = self._centroids(triggers, cache_dir)
        self.lexical = BM25(documents)
        self.lexical_owner = np.array(owners)

    def _centroids(self, triggers: list[dict], cache_dir: Path | None) -> np.ndarray:
        texts = [[text for by_language in situation.values() for text in by_language] for situation in triggers]
        key = hashlib.sha256(json.dumps([self.encoder.vectors_fingerprint, texts], ensure_ascii=False)
                             .encode("utf-8")).hexdigest()[:16]
        cached = Path(cache_dir) / f"situations-{key}.npy" if cache_dir else None
        if cached and cached.is_file():
            return np.load(cached)
        vectors = self.encoder.encode_queries([text for situation in texts for text in situation])
        centroids, start = [], 0
        for situation in texts:
            centroid = vectors[start:start + len(situation)].mean(axis=0)
            centroids.append(centroid / np.linalg.norm(centroid))
            start += len(situation)
        result = np.stack(centroids).astype(np.float32)
        if cached and cached.parent.is_dir():
            np.save(cached, result)
        return result

    def detect(self, text: str, vector: np.ndarray | None = None) -> SituationGuess:
        """The most likely situation of a message.

        Args:
            text: the customer's message.
            vector: its ``query:`` embedding when already computed (with a pair of encoders, the pair's: the
                first model's part is used, the signal the centroids were made with).

        Returns:
            The situation and a confidence in [0, 1]; ``general`` when unclear.
        """
        if vector is None:
            vector = self.encoder.encode_queries([text])[0]
        scores = self.centroids @ vector[:self.centroids.shape[1]]
        lexical = np.array(self.lexical.scores(tokenize(text)))
        per_situation = np.array([lexical[self.lexical_owner == i].max() for i in range(len(DETECTABLE))])
        if per_situation.max() > 0:
            scores = scores + LEXICAL_WEIGHT * per_situation / per_situation.max()
        scores[DETECTABLE.index(Situation.ANGRY_CUSTOMER)] += ANGER_CUE_WEIGHT * anger_score(text)
        weights = np.exp((scores - scores.max()) / TEMPERATURE)
        probabilities = weights / weights.sum()
        best = int(probabilities.argmax())
        confidence = float(probabilities[best])
        return SituationGuess(DETECTABLE[best] if confidence >= MIN_CONFIDENCE else Situation.GENERAL, confidence,
                              DETECTABLE[best])
