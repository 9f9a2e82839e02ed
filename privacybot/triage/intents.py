"""An intent classifier on sentence embeddings, trained on Rasa's own NLU examples.

It complements Rasa's DIET classifier: DIET sees word pieces, this sees meaning, so a
paraphrase with none of the training words still lands on the right intent.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

SMALLTALK_INTENTS = ("greet", "goodbye", "thank", "bot_challenge")


class IntentClassifier:
    def __init__(self, vectors: np.ndarray, intents: list[str]) -> None:
        self.model = LogisticRegression(C=8.0, max_iter=2000, class_weight="balanced")
        self.model.fit(vectors, intents)
        self.intents: list[str] = list(self.model.classes_)

    def predict(self, vector: np.ndarray) -> dict[str, float]:
        probabilities = self.model.predict_proba(vector.reshape(1, -1))[0]
        return {intent: float(p) for intent, p in zip(self.intents, probabilities, strict=True)}
