"""Tell a question about *how* to make a request from the request itself.

"How do I get my data deleted?" asks about the process, which the policy answers (and the
assistant then offers to pass the request on); "please delete my data" is the request.
"""

from __future__ import annotations

import spacy
from spacy.matcher import Matcher

_PATTERNS = [
    [{"LOWER": "how"}, {"LOWER": {"IN": ["do", "can", "could", "should", "would", "to", "2"]}}],
    [{"LOWER": "how"}, {"LOWER": {"IN": ["i", "u", "you"]}}, {"LOWER": {"IN": ["can", "do"]}}],
    [{"LOWER": "where"}, {"LOWER": {"IN": ["do", "can", "should", "to", "2"]}}],
    [{"LOWER": "who"}, {"LOWER": {"IN": ["do", "should"]}}, {"LOWER": "i"}],
    [
        {"LOWER": "what"},
        {"LOWER": {"IN": ["is", "'s"]}},
        {"LOWER": "the"},
        {"LOWER": {"IN": ["process", "procedure", "way"]}},
    ],
    [{"LOWER": "what"}, {"LOWER": "do"}, {"LOWER": "i"}, {"LOWER": "need"}],
    [{"LOWER": "is"}, {"LOWER": "it"}, {"LOWER": "possible"}],
]


class QuestionForm:
    def __init__(self) -> None:
        self.nlp = spacy.blank("en")
        self.matcher = Matcher(self.nlp.vocab)
        self.matcher.add("HOW_TO", _PATTERNS)

    def asks_how_to(self, text: str) -> bool:
        return bool(self.matcher(self.nlp.make_doc(text.lower())))
