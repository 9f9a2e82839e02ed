"""Okapi BM25 over lists of keyword lemmas (used as a feature and as the benchmark baseline)."""

from __future__ import annotations

import math
from collections import Counter


class BM25:
    def __init__(self, documents: list[list[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.frequencies = [Counter(doc) for doc in documents]
        self.lengths = [len(doc) for doc in documents]
        self.average_length = sum(self.lengths) / max(len(documents), 1) or 1.0
        document_frequency: Counter[str] = Counter()
        for doc in documents:
            document_frequency.update(set(doc))
        n = len(documents)
        self.idf = {
            term: math.log(1 + (n - df + 0.5) / (df + 0.5))
            for term, df in document_frequency.items()
        }

    def scores(self, query: list[str]) -> list[float]:
        result = []
        for frequencies, length in zip(self.frequencies, self.lengths, strict=True):
            score = 0.0
            norm = self.k1 * (1 - self.b + self.b * length / self.average_length)
            for term in query:
                tf = frequencies.get(term, 0)
                if tf:
                    score += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
            result.append(score)
        return result
