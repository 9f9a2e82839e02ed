"""Read Japanese patient messages: normalise, segment with SudachiPy (through spaCy's Japanese
language class), and give the content words and the kana reading.

The reading is what makes the assistant robust to the ways Japanese is typed: a question in
hiragana only (こじんじょうほう), in romaji (kojin jouhou), or with a wrong kanji from the input
method (変換ミス: 個人上方) reads the same as the policy's own words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import spacy

from privacybot.text.romaji import looks_like_romaji, to_hiragana

# Parts of speech that carry the meaning of a question (particles and endings do not).
CONTENT = {"NOUN", "PROPN", "VERB", "ADJ", "ADV", "NUM", "X"}
# Words so common in questions that they say nothing about the topic.
STOP_WORDS = {
    "為る",
    "居る",
    "有る",
    "成る",
    "言う",
    "思う",
    "事",
    "物",
    "方",
    "所",
    "様",
    "其の",
    "此の",
    "何",
    "とき",
    "時",
    "ため",
    "為",
    "よう",
    "くらい",
    "ください",
    "下さる",
    "貰う",
    "いただく",
    "頂く",
    "です",
    "ます",
    "ちゃう",
    "ん",
    "の",
    "か",
    "な",
    "ね",
    "よ",
    "さん",
}
KATAKANA = re.compile(r"[\u30a1-\u30f6]")
SPACE_AND_PUNCT = re.compile(r"[\s\W_]+")
# English words patients mix into Japanese, with the Japanese the policy's questions use, so
# that 「APPIに準拠してる？」 meets 「個人情報保護法」. Matched as whole Latin words.
LATIN_TERMS = {
    "appi": "個人情報保護法",
    "cookie": "クッキー",
    "cookies": "クッキー",
    "analytics": "アクセス解析",
    "ga": "アクセス解析",
    "ssl": "暗号化",
    "tls": "暗号化",
    "email": "メール",
    "e-mail": "メール",
    "mail": "メール",
    "web": "ウェブサイト",
    "website": "ウェブサイト",
    "hp": "ホームページ",
    "privacy": "プライバシー",
    "policy": "ポリシー",
    "data": "データ",
    "security": "セキュリティ",
    "id": "本人確認",
    "sns": "ソーシャルメディア",
}
LATIN_WORD = re.compile(r"[a-z][a-z-]*")


@dataclass(frozen=True)
class JapaneseText:
    normalised: str  # NFKC, lower case, romaji turned into hiragana
    folded: str  # the same in hiragana only (クッキー and くっきー alike), without spaces
    words: tuple[str, ...]  # normalised dictionary forms of the content words
    reading: str  # the whole message in hiragana, without spaces and punctuation


class JapaneseAnalyzer:
    def __init__(self) -> None:
        self.nlp = spacy.blank("ja")  # SudachiPy with sudachidict-core

    def normalise(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text or "").lower()
        if looks_like_romaji(text):
            text = to_hiragana(text)
        text = LATIN_WORD.sub(lambda m: _with_japanese(m.group()), text)
        return " ".join(text.split())

    def read(self, text: str) -> JapaneseText:
        normalised = self.normalise(text)
        doc = self.nlp(normalised)
        words, reading = [], []
        for token in doc:
            if token.is_space or token.is_punct:
                continue
            readings = token.morph.get("Reading")
            reading.append(_hiragana(readings[0]) if readings else token.text)
            norm = token.norm_.lower()
            if token.pos_ in CONTENT and norm not in STOP_WORDS and token.lemma_ not in STOP_WORDS:
                words.append(norm)
        return JapaneseText(
            normalised=normalised,
            folded=SPACE_AND_PUNCT.sub("", _hiragana(normalised)),
            words=tuple(words),
            reading=SPACE_AND_PUNCT.sub("", "".join(reading)),
        )

    def keywords(self, text: str) -> list[str]:
        return list(self.read(text).words)

    def correct(self, text: str) -> str:
        return self.normalise(text)


def _with_japanese(word: str) -> str:
    japanese = LATIN_TERMS.get(word)
    return f"{word} {japanese} " if japanese else word


def _hiragana(katakana: str) -> str:
    return KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), katakana)
