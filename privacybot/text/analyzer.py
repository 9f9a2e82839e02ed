"""Tokenise, lemmatise and spell-correct patient messages with a blank spaCy pipeline.

spaCy's trained English pipelines are not on PyPI, so this uses `spacy.blank("en")` with the
lookup lemmatizer from `spacy-lookups-data`: fully offline and fast (well under a millisecond
a message). Spelling correction maps an unknown word to the closest word of the domain
vocabulary (the policy, its question bank and the NLU examples), so "cookeis" or "delet"
still meet the policy's own words in keyword scoring and in the embedding model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import spacy
from spacy.lang.en.stop_words import STOP_WORDS

# Texting spellings that no edit distance reaches.
TEXTING = {
    "u": "you",
    "ur": "your",
    "r": "are",
    "2": "to",
    "4": "for",
    "pls": "please",
    "plz": "please",
    "info": "information",
    "thx": "thanks",
    "ty": "thanks",
    "abt": "about",
    "w/": "with",
    "b4": "before",
    "msg": "message",
    "dr": "doctor",
}
WORD = re.compile(r"[a-z]+")


class TextAnalyzer:
    def __init__(self, vocabulary_texts: Iterable[str] = ()) -> None:
        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        self.nlp.initialize()
        self.vocabulary: set[str] = set()
        for text in vocabulary_texts:
            self.vocabulary.update(t.lower_ for t in self.nlp.make_doc(text) if t.is_alpha)
        self._by_length: dict[int, list[str]] = {}
        for word in sorted(self.vocabulary):  # sorted: ties resolve the same way in every run
            self._by_length.setdefault(len(word), []).append(word)

    def correct(self, text: str) -> str:
        """The message with texting spellings expanded and misspelt words corrected."""
        out = []
        for token in self.nlp.make_doc(text):
            word = token.lower_
            if word in TEXTING:
                fixed = TEXTING[word]
            elif token.is_alpha:
                fixed = self._closest(word)
            else:
                fixed = None
            out.append((fixed or token.text) + token.whitespace_)
        return "".join(out)

    def keywords(self, text: str) -> list[str]:
        """Content-word lemmas, lower-cased, for keyword scoring."""
        doc = self.nlp(text.lower())
        return [
            t.lemma_
            for t in doc
            if t.is_alpha and not t.is_stop and t.lemma_ not in STOP_WORDS and len(t) > 1
        ]

    def _closest(self, word: str) -> str | None:
        if word in self.vocabulary or len(word) < 4 or not self.vocabulary:
            return None
        return _closest_word(word, self._candidates(len(word)), 1 if len(word) < 7 else 2)

    def _candidates(self, length: int) -> tuple[str, ...]:
        return tuple(w for n in range(length - 2, length + 3) for w in self._by_length.get(n, ()))


@lru_cache(maxsize=4096)
def _closest_word(word: str, candidates: tuple[str, ...], max_distance: int) -> str | None:
    best, best_distance = None, max_distance + 1
    for candidate in candidates:
        if candidate[0] != word[0] and candidate[:2] != word[1::-1]:
            continue
        distance = _edit_distance(word, candidate, best_distance)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (adjacent swaps count once), stopping past `limit`."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) >= limit:
            return limit
        prev2, prev = prev, row
    return prev[-1]
