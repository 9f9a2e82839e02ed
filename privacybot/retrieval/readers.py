"""How the assistant reads one language: spelling correction, keywords and vectors.

Everything downstream (the intent classifier, the section ranker) works on unit-length
vectors and keyword lists, so a language plugs in by giving those:
  * English: spaCy lemmas and spelling correction, all-MiniLM-L6-v2 sentence embeddings;
  * Japanese: SudachiPy words and kana readings, TF-IDF vectors over content words, character
    n-grams and reading n-grams, fitted on the language's own examples, beside the meaning of
    the text from multilingual-e5-small (all-MiniLM-L6-v2 reads English only); e5 also reads
    an English policy for a Japanese question. Without e5 (a CPU without AVX2) the TF-IDF
    views answer alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from privacybot.retrieval.embeddings import encode, encode_cached
from privacybot.retrieval.multilingual import (
    DIMENSIONS,
    encode_meaning,
    encode_meaning_cached,
    meaning_available,
)
from privacybot.retrieval.recent import RecentVectors
from privacybot.text import TextAnalyzer
from privacybot.text.japanese import JapaneseAnalyzer, JapaneseText


class Reader(Protocol):
    language: str
    # Its vectors compare a question with passages of another language.
    reads_across_languages: bool

    def correct(self, text: str) -> str: ...

    def keywords(self, text: str) -> list[str]: ...

    def vectors(self, texts: Sequence[str]):  # rows of unit length: ndarray or sparse matrix
        ...

    def vector(self, text: str) -> np.ndarray: ...


class EnglishReader:
    language = "en"
    reads_across_languages = False

    def __init__(self, vocabulary_texts: Sequence[str], cache_dir: Path) -> None:
        self.analyzer = TextAnalyzer(vocabulary_texts)
        self.cache_dir = cache_dir
        self.recent = RecentVectors()

    def correct(self, text: str) -> str:
        return self.analyzer.correct(text)

    def keywords(self, text: str) -> list[str]:
        return self.analyzer.keywords(text)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        return encode_cached(list(texts), self.cache_dir)

    def vector(self, text: str) -> np.ndarray:
        return self.recent.get(text, lambda t: encode([t])[0])


class JapaneseReader:
    language = "ja"
    # Weight of each view of the text; chosen on tests/ja_dev_questions.yml (docs/benchmarks.md).
    WEIGHTS = {"words": 1.0, "characters": 1.0, "reading": 0.8}
    # The meaning view (multilingual-e5), beside the three TF-IDF views: it reads paraphrases,
    # and English passages, which share no characters with the question. Chosen on the
    # Japanese dev sets (SAKURA's, Midorinomori's, and SAKURA's without its bank).
    MEANING = 1.5

    def __init__(self, training_texts: Sequence[str], cache_dir: Path | None = None) -> None:
        self.analyzer = JapaneseAnalyzer()
        self.cache_dir = cache_dir
        self.recent = RecentVectors()
        self.views = {
            "words": TfidfVectorizer(
                analyzer=lambda t: _word_features(t), sublinear_tf=True, min_df=1
            ),
            "characters": TfidfVectorizer(
                analyzer=lambda t: _char_ngrams(t.folded, 1, 3), sublinear_tf=True
            ),
            "reading": TfidfVectorizer(
                analyzer=lambda t: _char_ngrams(t.reading, 2, 4), sublinear_tf=True
            ),
        }
        read = [self.analyzer.read(t) for t in training_texts]
        for view in self.views.values():
            view.fit(read)
        # e5's similarities sit in a narrow band (every text shares one large component):
        # centred on the language's own texts, they spread like the TF-IDF views' do.
        self.centre = np.zeros(DIMENSIONS, dtype=np.float32)
        self.meaning = self.MEANING if meaning_available() else 0.0
        self.reads_across_languages = self.meaning > 0
        if self.meaning > 0 and training_texts:
            self.centre = self._meaning(list(training_texts), cached=True).mean(axis=0)

    def correct(self, text: str) -> str:
        return self.analyzer.correct(text)

    def keywords(self, text: str) -> list[str]:
        return self.analyzer.keywords(text)

    def vectors(self, texts: Sequence[str]):
        if not texts:  # a clinic without example questions yet: no rows, not an error
            width = sum(len(v.vocabulary_) for v in self.views.values())
            width += DIMENSIONS if self.meaning > 0 else 0
            return csr_matrix((0, width), dtype=np.float32)
        read = [self.analyzer.read(t) for t in texts]
        blocks = [self.views[name].transform(read) * w for name, w in self.WEIGHTS.items()]
        if self.meaning > 0:
            centred = normalize(self._meaning(list(texts), cached=len(texts) > 1) - self.centre)
            blocks.append(csr_matrix(centred * self.meaning))
        return normalize(hstack(blocks).tocsr()).astype(np.float32)

    def _meaning(self, texts: list[str], cached: bool) -> np.ndarray:
        if cached and self.cache_dir is not None:
            return encode_meaning_cached(texts, self.cache_dir)
        return encode_meaning(texts)

    def vector(self, text: str) -> np.ndarray:
        return self.recent.get(text, lambda t: np.asarray(self.vectors([t]).toarray()[0]))


class NoReaderError(ValueError):
    """A clinic language the assistant has no reader for."""


def make_reader(language: str, texts: Sequence[str], cache_dir: Path) -> Reader:
    """The reader of `language`, knowing the words of `texts` (policy, questions, examples)."""
    if language not in READERS:
        raise NoReaderError(
            f"clinic.yml: languages: no reader for {language!r} (readers: {sorted(READERS)}); "
            "a language needs a reader in privacybot/retrieval/readers.py"
        )
    if READERS[language] is JapaneseReader:
        return JapaneseReader(texts, cache_dir)
    return EnglishReader(texts, cache_dir)


READERS: dict[str, type] = {"en": EnglishReader, "ja": JapaneseReader}


def _word_features(text: JapaneseText) -> list[str]:
    words = list(text.words)
    return words + [f"{a}+{b}" for a, b in zip(words, words[1:], strict=False)]


def _char_ngrams(text: str, low: int, high: int) -> list[str]:
    return [text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]
