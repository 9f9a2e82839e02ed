"""Recognise a medical or mental-health emergency by its words, whatever else the message says.

Phrases are kept in `emergency_phrases.yml` beside this module, per language. English uses a
spaCy PhraseMatcher over lemmas ("collapsed" matches "collapse"); Japanese, written without
spaces and with many endings, is matched as substrings of the normalised message (NFKC, no
spaces, romaji turned into kana). It is the safety net under the intent classifiers: any match
is an emergency, because a missed emergency costs far more than a redirect that was not needed.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import spacy
import yaml
from spacy.matcher import Matcher, PhraseMatcher

from privacybot.text.romaji import to_hiragana

LATIN = re.compile(r"[a-z]")
# Little words people put in or leave out without changing what they say: "no point in going
# on" and "no point going on" are one phrase. Dropped from the phrases and the message alike.
FILLERS = re.compile(r"\b(?:in|the|a|an|just|really|even|so|very|any)\b")
PHRASES_FILE = Path(__file__).with_name("emergency_phrases.yml")


class EmergencyDetector:
    def __init__(self, language: str = "en", phrases_file: Path = PHRASES_FILE) -> None:
        data = yaml.safe_load(phrases_file.read_text(encoding="utf-8"))
        phrases = data[language]
        self.language = language
        if language == "ja":
            self.substrings = sorted({_compact(p) for p in phrases})
            return
        self.nlp = spacy.blank(language)
        self.nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        self.nlp.initialize()
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        self.matcher.add("EMERGENCY", [self.nlp(_normalise(p)) for p in phrases])
        self.quantities = Matcher(self.nlp.vocab)
        overdose = (data.get("quantity_overdose") or {}).get(language)
        if overdose:
            many = {"REGEX": r"^[1-9][0-9]+$"}  # 10 or more, in digits
            for number in ({"TEXT": many}, {"LOWER": {"IN": overdose["numbers"]}}):
                self.quantities.add(
                    "OVERDOSE",
                    [
                        [
                            {"LEMMA": {"IN": overdose["verbs"]}},
                            number,
                            *[{"OP": "?"}] * gap,
                            {"LEMMA": {"IN": overdose["medicines"]}},
                        ]
                        for gap in range(3)
                    ],
                )

        stockpiled = (data.get("stockpiled_medicine") or {}).get(language)
        if stockpiled:
            self.quantities.add(
                "STOCKPILED",
                [
                    [
                        *verb,
                        *[{"OP": "?"}] * gap,
                        {"LEMMA": {"IN": stockpiled["medicines"]}},
                    ]
                    for verb in (
                        [{"LEMMA": {"IN": stockpiled["verbs"]}}],
                        [
                            {"LEMMA": {"IN": stockpiled["verbs_with_particle"]}},
                            {"LOWER": {"IN": stockpiled["particles"]}},
                        ],
                    )
                    for gap in range(3)
                ],
            )

    def matches(self, text: str) -> list[str]:
        """The emergency phrases found in `text` (empty when none)."""
        if self.language == "ja":
            compact = _compact(text)
            # Romaji too ("ishiki ga nai"), even when too short to be told from English.
            kana = _compact(to_hiragana(text)) if LATIN.search(compact) else ""
            return [p for p in self.substrings if p in compact or (kana and p in kana)]
        doc = self.nlp(_normalise(text))
        found = [*self.matcher(doc), *self.quantities(doc)]
        return [doc[start:end].text for _, start, end in found]


def _compact(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").lower().split())


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
    return " ".join(FILLERS.sub(" ", text).split())
