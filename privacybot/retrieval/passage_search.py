"""How close a question comes to each of the policy's passages.

Two readings of the same question, fused:
  * the reader's own vectors (symmetric: the question and the passage read alike), and
  * multilingual-e5's asymmetric retrieval: the question as a query, each passage as a
    document found by it, prefixed with its section's title ("Who we share your information
    with › Organisations involved in your care › community pharmacies, ..."). A passage that
    lists hospitals is then told from one that lists what is collected from them.
Each reading is standardised over the policy's passages for this question, and the fused
ranking is put back on the reader's scale (its mean and spread for the question), so the
thresholds that speak of the reader's similarities keep their meaning. With `weight` 0, or
without e5 (a CPU without AVX2), the reader's similarities are used as they are.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from privacybot.corpus import Policy
from privacybot.retrieval.multilingual import (
    encode_meaning,
    encode_passages,
    encode_passages_cached,
    meaning_available,
)
from privacybot.retrieval.recent import RecentVectors


def titled_passages(policy: Policy) -> list[str]:
    """Each passage with its section's title and its own context, as e5 reads a document."""
    return [f"{policy.section(p.section).title} › {p.with_context()}" for p in policy.passages]


class PassageSearch:
    def __init__(
        self, policy: Policy, reader_vectors, weight: float, cache_dir: Path | None
    ) -> None:
        self.reader_vectors = reader_vectors  # the passages' rows of the reader (unit length)
        self.weight = weight if weight > 0 and meaning_available() and policy.passages else 0.0
        self.recent = RecentVectors()
        self.documents = None
        if self.weight > 0:
            texts = titled_passages(policy)
            self.documents = (
                encode_passages(texts)
                if cache_dir is None
                else encode_passages_cached(texts, cache_dir)
            )

    @property
    def fuses(self) -> bool:
        return self.weight > 0

    def own_similarity(self, vector) -> np.ndarray:
        """The reader's similarity alone (no e5 call)."""
        return np.asarray(_dense(self.reader_vectors @ vector)).ravel()

    def similarity(self, corrected: str, vector) -> np.ndarray:
        """The question's similarity to every passage, on the reader's scale."""
        own = self.own_similarity(vector)
        if self.weight <= 0 or own.size < 2:
            return own
        query = self.recent.get(corrected, lambda t: encode_meaning([t])[0])
        found = self.documents @ query
        spread = own.std()
        if spread <= 0:
            return own
        fused = (1 - self.weight) * _standardised(own) + self.weight * _standardised(found)
        # Back on the reader's scale: its mean for this question, its spread.
        return (own.mean() + spread * _standardised(fused)).astype(np.float32)


def _standardised(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else values * 0.0


def _dense(matrix):
    return matrix.toarray() if hasattr(matrix, "toarray") else matrix
