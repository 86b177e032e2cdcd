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

from dataclasses import dataclass

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
# Below this confidence the situation is reported as general.
MIN_CONFIDENCE = 0.2


@dataclass(frozen=True)
class SituationGuess:
    situation: Situation
    confidence: float


class SituationDetector:
    """Embeds every trigger example once; scores a message against each situation.

    Args:
        templates: the reply templates with their trigger examples.
        encoder: the model.
    """

    def __init__(self, templates: TemplateSet, encoder: Encoder):
        self.encoder = encoder
        centroids, documents, owners = [], [], []
        for index, situation in enumerate(DETECTABLE):
            triggers = templates.templates[situation].triggers
            vectors = encoder.encode_queries([t for texts in triggers.values() for t in texts])
            centroid = vectors.mean(axis=0)
            centroids.append(centroid / np.linalg.norm(centroid))
            for language, texts in triggers.items():
                documents.append(tokenize(" ".join(texts), (language.value,)))
                owners.append(index)
        self.centroids = np.stack(centroids)
        self.lexical = BM25(documents)
        self.lexical_owner = np.array(owners)

    def detect(self, text: str, vector: np.ndarray | None = None) -> SituationGuess:
        """The most likely situation of a message.

        Args:
            text: the customer's message.
            vector: its ``query:`` embedding when already computed.

        Returns:
            The situation and a confidence in [0, 1]; ``general`` when unclear.
        """
        if vector is None:
            vector = self.encoder.encode_queries([text])[0]
        scores = self.centroids @ vector
        lexical = np.array(self.lexical.scores(tokenize(text)))
        per_situation = np.array([lexical[self.lexical_owner == i].max() for i in range(len(DETECTABLE))])
        if per_situation.max() > 0:
            scores = scores + LEXICAL_WEIGHT * per_situation / per_situation.max()
        scores[DETECTABLE.index(Situation.ANGRY_CUSTOMER)] += ANGER_CUE_WEIGHT * anger_score(text)
        weights = np.exp((scores - scores.max()) / TEMPERATURE)
        probabilities = weights / weights.sum()
        best = int(probabilities.argmax())
        confidence = float(probabilities[best])
        if confidence < MIN_CONFIDENCE:
            return SituationGuess(Situation.GENERAL, confidence)
        return SituationGuess(DETECTABLE[best], confidence)
