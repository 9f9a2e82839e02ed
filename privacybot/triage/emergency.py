"""Recognise a medical or mental-health emergency by its words, whatever else the message says.

A spaCy PhraseMatcher over lemmas, with phrases kept in `emergency_phrases.yml` beside this
module (per language). It is the safety net under the intent classifiers: any match is an
emergency, because a missed emergency costs far more than a redirect that was not needed.
"""

from __future__ import annotations

from pathlib import Path

import spacy
import yaml
from spacy.matcher import PhraseMatcher

PHRASES_FILE = Path(__file__).with_name("emergency_phrases.yml")


class EmergencyDetector:
    def __init__(self, language: str = "en", phrases_file: Path = PHRASES_FILE) -> None:
        phrases = yaml.safe_load(phrases_file.read_text(encoding="utf-8"))[language]
        self.nlp = spacy.blank(language)
        self.nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        self.nlp.initialize()
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        self.matcher.add("EMERGENCY", [self.nlp(p.lower()) for p in phrases])

    def matches(self, text: str) -> list[str]:
        """The emergency phrases found in `text` (empty when none)."""
        doc = self.nlp(_normalise(text))
        return [doc[start:end].text for _, start, end in self.matcher(doc)]


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'")
    for short, full in (
        ("can't", "cannot"),
        ("cant ", "cannot "),
        ("won't", "will not"),
        ("isn't", "is not"),
        ("isnt ", "is not "),
        ("doesn't", "does not"),
        ("not breathin ", "not breathing "),
        ("don't", "do not"),
        ("dont ", "do not "),
    ):
        text = text.replace(short, full)
    return text
