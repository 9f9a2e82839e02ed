"""Pick the passages to quote when the policy is in another language than the question.

A Japanese question is matched to a section by the Japanese reader, but the seed policy is
English only: the Japanese reader cannot tell which of the section's English passages answers
it. The clinic's glossary (`<corpus>/<language>/glossary.yml`) turns the question's content
words into the policy's own English words; the policy language's reader (sentence embeddings)
then compares those words with the section's passages.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from privacybot.corpus import CorpusError, Passage
from privacybot.retrieval.ranker import SectionRanker


def load_glossary(path: Path) -> dict[str, tuple[str, ...]]:
    """{word of the question's language: (words of the policy's language, ...)}; {} when the
    clinic has no glossary."""
    if not path.is_file():
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise CorpusError(path, mark.line + 1 if mark else 0, f"not valid YAML: {error}") from None
    terms = document.get("terms") if isinstance(document, dict) else None
    if not isinstance(terms, dict):
        raise CorpusError(path, 1, "the glossary needs a 'terms:' mapping of word: [words]")
    glossary = {}
    for word, translations in terms.items():
        if not isinstance(translations, list) or not translations:
            raise CorpusError(path, 0, f"'{word}' needs a non-empty list of translations")
        glossary[str(word)] = tuple(str(t) for t in translations)
    return glossary


# A short query is all the comparison needs, and the embedding's cost grows with its length.
MAX_WORDS = 24


class PassageBridge:
    def __init__(self, glossary: dict[str, tuple[str, ...]], target: SectionRanker) -> None:
        self.glossary = glossary
        self.target = target

    def translate(self, words: list[str]) -> list[str]:
        """The glossary's first two words for each of `words`, two-word terms first
        (利用 + 停止 = 利用停止)."""
        out, i = [], 0
        while i < len(words):
            pair = "".join(words[i : i + 2])
            if i + 1 < len(words) and pair in self.glossary:
                out.extend(self.glossary[pair][:2])
                i += 2
                continue
            out.extend(self.glossary.get(words[i], ())[:2])
            i += 1
        return out

    def passages(self, section: int, words: list[str]) -> list[Passage] | None:
        """The section's passages that best match the question's words, or None when the
        glossary knows none of them."""
        translated = list(dict.fromkeys(self.translate(words)))[:MAX_WORDS]
        if not translated:
            return None
        index = self.target.index
        vector = index.reader.vector(" ".join(translated))
        return self.target.best_passages(section, index.passage_vectors @ vector)
