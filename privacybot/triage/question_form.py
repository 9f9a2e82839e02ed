"""Tell a question about *how* to make a request from the request itself.

"How do I get my data deleted?" asks about the process, which the policy answers (and the
assistant then offers to pass the request on); "please delete my data" is the request.
"""

from __future__ import annotations

import re
import unicodedata

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


# Japanese asks about the process with "how", "what is needed", "can I", "where to": the
# request itself is a wish or an order (削除してください, 開示してほしい).
_JAPANESE = re.compile(
    r"どう(すれば|したら|やって|やれば|すると|する|すん)|どのように|どうやったら|方法|手続き|"
    r"手順|流れ|やり方|必要(な|書類|です|ですか)|何が(いる|要る|必要)|できますか|できる[のか？?]|"
    r"出来ますか|可能(ですか|か|なの)|どこ(に|へ|で)|誰に|だれに|いつまで|どれくらい|かかりますか|"
    r"ほうほう|てつづき|dou sureba|dou shitara|houhou|tetsuzuki"
)


class QuestionForm:
    def __init__(self, language: str = "en") -> None:
        self.language = language
        self.nlp = spacy.blank("en")
        self.matcher = Matcher(self.nlp.vocab)
        self.matcher.add("HOW_TO", _PATTERNS)

    def asks_how_to(self, text: str) -> bool:
        if self.language == "ja":
            return bool(_JAPANESE.search(unicodedata.normalize("NFKC", text).lower()))
        return bool(self.matcher(self.nlp.make_doc(text.lower())))
