"""Which language a patient's message is written in, from the message alone.

Japanese is recognised by its script (hiragana, katakana, kanji, full- and half-width) or by
romaji ("kojin jouhou no sakujo"); English by Latin words that are not romaji. A message with
no sign of either ("OK", an e-mail address, "IDFA", a name) gives None: the conversation's
language (or the channel's) decides then.
"""

from __future__ import annotations

import re
import unicodedata

from privacybot.text.romaji import looks_like_romaji

KANA = re.compile(r"[\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\uff66-\uff9f]")
KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")

# English words that show a message is English even alone ("thanks", "hello", "cookies").
# Longer words are English when they are not romaji; two-letter words alone say nothing.
SHORT_ENGLISH = {"hi", "hey", "yes", "no", "ok", "okay", "thanks", "thank", "bye", "help"}


def is_japanese(text: str) -> bool:
    """Written in Japanese script: any kana, or two kanji (one kanji may be a symbol)."""
    return bool(KANA.search(text)) or len(KANJI.findall(text)) >= 2


def detect_language(text: str) -> str | None:
    """'ja', 'en', or None when the message does not show its language."""
    text = unicodedata.normalize("NFKC", text or "")
    if is_japanese(text):
        return "ja"
    latin = NOT_WORDS.sub(" ", text)
    words = LATIN_WORD.findall(latin)
    if not words:
        return None
    if looks_like_romaji(latin):
        return "ja"
    lowered = [w.lower() for w in words]
    if len(words) >= 2 and any(len(w) >= 3 and not w.isupper() for w in words):
        return "en"
    word = lowered[0]
    if word in SHORT_ENGLISH:
        return None  # "ok", "yes": said in every language's chat
    if len(word) >= 4 and not words[0].isupper() and not words[0][:1].isupper():
        return "en"  # "cookies", "delete"; not "IDFA" nor a name like "Tanaka"
    return None
