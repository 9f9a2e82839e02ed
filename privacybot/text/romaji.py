"""Japanese typed in romaji: convert it to hiragana, and tell it apart from English.

Pure Python, no dependencies: one syllable table and a greedy longest match, a few
microseconds a word.

Conversion (`to_hiragana`, `word_to_hiragana`)
----------------------------------------------
A *word* is a run of Latin letters (macron and circumflex vowels included), which may hold
apostrophes and hyphens between letters and end in hyphens ("kon'ya", "de-ta", "kuki-").
Each word is converted on its own; a word that is not entirely romaji ("IDFA", "e-mail",
"don't") is left exactly as typed, and so is everything between words (spaces, digits,
punctuation, kana, kanji). Matching is case-insensitive; the output is hiragana.

* Hepburn, Kunrei/Nihon-shiki and IME (wapuro) spellings: shi/si, chi/ti, tsu/tu, fu/hu,
  ji/zi, sha/sya, cha/tya/cya, ja/jya/zya, di/du (ぢ/づ), plus the usual loanword syllables
  (fa, she, che, je, tsa, va, wi, we, ye) and IME small kana (xa, xya, xtu/xtsu, ...).
* ん: "n" before a consonant or at the end of a word; "n'" always ("kon'ya" こんや, while
  "konya" is こにゃ, as in Hepburn); "nn" before a consonant or at the end is one ん (IME),
  "nn" before a vowel or y is ん + n-syllable ("konnichiwa" こんにちわ, "onna" おんな);
  "m" before b, m, p is ん ("shimbun" しんぶん).
* っ: a doubled consonant (kk, ss, tt, pp, cch, ...) and "tch" ("matcha" まっちゃ).
* Long vowels are written as typed: ou/oo/uu/ei become おう/おお/うう/えい. Macrons and
  circumflexes expand: ā â ああ, ī î いい, ū û うう, ē ê ええ, ō ô おう ("jōhō" じょうほう).
  A hyphen after a vowel is ー ("kuki-" くきー), except before an honorific such as
  "-san"/"-sama"/"-sensei", where the hyphen is kept ("Tanaka-san" たなか-さん).
* Particles follow the spelling: "wa" わ, "wo" を, "e" え (no grammar is attempted).
* Not handled: "oh" for a long o (Passport Hepburn "Satoh"), "l" for r, full-width Latin.

Note that English words made only of Japanese syllables convert too ("data" だた, "are"
あれ): call `looks_like_romaji` first to decide whether a message is romaji at all.

Detection (`looks_like_romaji`)
-------------------------------
1. E-mail addresses and URLs are removed; the remaining words are found as above.
2. A word that does not convert and is written in capitals ("IDFA", "GDPR", "OK") is an
   acronym and is ignored altogether.
3. Every other word is classified:
   * *romaji-shaped*: it converts fully to kana;
   * *Japanese cue*: romaji-shaped and, after folding long vowels (ou/oo/ō/-/ei ... to one
     vowel) and spelling variants (by comparing kana), one of `JAPANESE_CUES` (particles,
     copulas, question words, greetings, privacy and clinic vocabulary), or ending in a
     polite verb ending (-masu, -masen, -mashita, -mashou, -deshita, -deshou, -kudasai).
     One-kana cues (the particles wa, ga, ni, wo, de, mo, ka, ne, yo, no, to) are not
     folded: they must be typed as such, so "moo" or "dee" is not a particle;
   * *English*: one of `ENGLISH_WORDS` (function words, chat words, and English words
     that happen to be romaji-shaped, such as "are", "data", "made", "sore").
   A word that is both a cue and English ("no", "to", "yo", "made", "dare", "sore") is
   ambiguous and counts for neither side.
4. One word only: True when it is an unambiguous cue of at least 5 letters ("konbanwa",
   "sumimasen", "kojinjoho"); "hai", "nani", "no" or a name alone give False.
5. Several words: True when there is at least one unambiguous cue, the cues outnumber the
   English words, and every word is romaji-shaped -- or, as the one tolerance, a single
   word is not (a loanword typed in English: "cookie wo sakujo shite kudasai") while the
   message has at least three words and two cues.
6. Otherwise False. A message without Latin words (Japanese script, digits only, a phone
   number) is False.

Known limits: a name alone or names only ("Tanaka Taro") are False, since nothing in them
is specifically Japanese speech; a romaji message with two or more English words
("kojin jouhou no delete wo please") is False.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "ENGLISH_WORDS",
    "JAPANESE_CUES",
    "looks_like_romaji",
    "to_hiragana",
    "word_to_hiragana",
]

_VOWELS = frozenset("aiueo")
_APOSTROPHES = frozenset("'\u2019")
# A consonant written twice stands for っ. n is never doubled this way (nn is ん) and
# m before m is ん ("amma" あんま).
_DOUBLABLE = frozenset("bcdfghjkprstvwyz")
_HONORIFICS = frozenset(
    {"san", "sama", "chan", "kun", "sensei", "senpai", "sempai", "dono", "shi", "sensee"}
)


def _build_table() -> dict[str, str]:
    table: dict[str, str] = {"a": "あ", "i": "い", "u": "う", "e": "え", "o": "お"}
    rows = {
        "k": "かきくけこ",
        "s": "さしすせそ",
        "t": "たちつてと",
        "n": "なにぬねの",
        "h": "はひふへほ",
        "m": "まみむめも",
        "r": "らりるれろ",
        "g": "がぎぐげご",
        "z": "ざじずぜぞ",
        "d": "だぢづでど",
        "b": "ばびぶべぼ",
        "p": "ぱぴぷぺぽ",
    }
    for consonant, kana in rows.items():
        for vowel, char in zip("aiueo", kana, strict=True):
            table[consonant + vowel] = char
    # Palatalised syllables: consonant + y + a/u/o (and e for the loanword forms).
    i_row = {
        "k": "き",
        "s": "し",
        "t": "ち",
        "c": "ち",
        "n": "に",
        "h": "ひ",
        "m": "み",
        "r": "り",
        "g": "ぎ",
        "z": "じ",
        "j": "じ",
        "d": "ぢ",
        "b": "び",
        "p": "ぴ",
        "f": "ふ",
    }
    for consonant, kana in i_row.items():
        for vowel, small in zip("auoe", "ゃゅょぇ", strict=True):
            table[consonant + "y" + vowel] = kana + small
    for prefix, kana in {"sh": "し", "ch": "ち", "j": "じ"}.items():
        for vowel, small in zip("auoe", "ゃゅょぇ", strict=True):
            table[prefix + vowel] = kana + small
    table.update(
        {
            # Hepburn spellings of the irregular members of the rows above.
            "shi": "し",
            "chi": "ち",
            "tsu": "つ",
            "fu": "ふ",
            "ji": "じ",
            # y and w rows.
            "ya": "や",
            "yu": "ゆ",
            "yo": "よ",
            "ye": "いぇ",
            "wa": "わ",
            "wo": "を",
            "wi": "うぃ",
            "we": "うぇ",
            # Loanword syllables.
            "fa": "ふぁ",
            "fi": "ふぃ",
            "fe": "ふぇ",
            "fo": "ふぉ",
            "tsa": "つぁ",
            "tsi": "つぃ",
            "tse": "つぇ",
            "tso": "つぉ",
            "va": "ゔぁ",
            "vi": "ゔぃ",
            "vu": "ゔ",
            "ve": "ゔぇ",
            "vo": "ゔぉ",
            # IME small kana.
            "xa": "ぁ",
            "xi": "ぃ",
            "xu": "ぅ",
            "xe": "ぇ",
            "xo": "ぉ",
            "xya": "ゃ",
            "xyu": "ゅ",
            "xyo": "ょ",
            "xtu": "っ",
            "xtsu": "っ",
            "xwa": "ゎ",
        }
    )
    return table


_SYLLABLES = _build_table()
_MAX_SYLLABLE = max(map(len, _SYLLABLES))

_LONG_MARKS = str.maketrans(
    {
        "ā": "aa",
        "ī": "ii",
        "ū": "uu",
        "ē": "ee",
        "ō": "ou",
        "â": "aa",
        "î": "ii",
        "û": "uu",
        "ê": "ee",
        "ô": "ou",
    }
)
_LETTER = "a-zA-ZāīūēōĀĪŪĒŌâîûêôÂÎÛÊÔ\u0302\u0304"
_WORD = re.compile(rf"[{_LETTER}]+(?:(?:['\u2019]|-+)[{_LETTER}]+)*-*")
_EMAIL_OR_URL = re.compile(r"\S+@\S+|(?:https?://|www\.)\S+", re.IGNORECASE)


def _normalise(word: str) -> str:
    return unicodedata.normalize("NFC", word).lower().translate(_LONG_MARKS)


def _convert(word: str) -> str | None:
    """Hiragana for one word, or None when some of it is not romaji."""
    s = _normalise(word)
    out: list[str] = []
    i, end = 0, len(s)
    after_vowel = False  # the last thing converted ended in a vowel (a hyphen may lengthen it)
    while i < end:
        c = s[i]
        nxt = s[i + 1] if i + 1 < end else ""
        if c == "n" and nxt not in _VOWELS and nxt != "y":
            out.append("ん")
            after_vowel = False
            if nxt in _APOSTROPHES:
                i += 2
            elif nxt == "n":
                after = s[i + 2] if i + 2 < end else ""
                i += 1 if (after in _VOWELS or after == "y") else 2
            else:
                i += 1
            continue
        if c == "m" and nxt in ("b", "m", "p"):
            out.append("ん")
            after_vowel = False
            i += 1
            continue
        if (c == nxt and c in _DOUBLABLE) or (c == "t" and s.startswith("ch", i + 1)):
            out.append("っ")
            after_vowel = False
            i += 1
            continue
        if c == "-":
            if after_vowel and s[i:].lstrip("-") not in _HONORIFICS:
                out.append("ー")
            else:
                out.append("-")
                after_vowel = False
            i += 1
            continue
        if c in _APOSTROPHES:
            if not out or out[-1] != "ん":  # only a syllable break after ん ("nn'")
                return None
            i += 1
            continue
        for length in range(min(_MAX_SYLLABLE, end - i), 0, -1):
            kana = _SYLLABLES.get(s[i : i + length])
            if kana is not None:
                out.append(kana)
                after_vowel = True
                i += length
                break
        else:
            return None
    return "".join(out)


def word_to_hiragana(word: str) -> str | None:
    """Hiragana for a single romaji word, or None if it is not entirely romaji."""
    if not _WORD.fullmatch(word):
        return None
    return _convert(word)


def to_hiragana(text: str) -> str:
    """Convert the romaji words of `text` to hiragana; everything else is kept as it is."""

    def replace(match: re.Match[str]) -> str:
        kana = _convert(match.group())
        return match.group() if kana is None else kana

    return _WORD.sub(replace, text)


# --- detection -------------------------------------------------------------------------

# Very common Japanese words, in any spelling: they are compared by folded kana (_cue_key),
# so "jouhou", "joho", "jōhō" and "zyouhou" are one entry.
JAPANESE_CUES: frozenset[str] = frozenset(
    """
    wa ga ni wo de mo ka ne yo no to tte kara made yori dake nado toka kana kashira
    desu desuka deshita deshou masu masen mashita masuka
    shimasu shimashita shimasen shite shitai shitemo shinai suru
    kudasai onegai onegaishimasu itadakemasu moraemasu
    dekimasu dekimasen dekiru dekinai arimasu arimasen imasu iru aru nai janai
    narimasu hoshii mitai shiritai oshiete wakaranai wakarimashita wakarimasen
    nan nani naze doushite doko dou dore dono dare itsu ikura nanka
    watashi watakushi boku anata kore sore kono sono koko soko
    konnichiwa konnichiha konbanwa konbanha ohayou ohayougozaimasu arigatou
    arigatougozaimasu doumo gozaimasu sumimasen gomen gomennasai shitsurei yoroshiku
    hai iie sayounara sou mou chotto matte mata
    kojin jouhou kojinjouhou sakujo teisei kaiji teikyou riyou kyouyuu hogo kanri anzen
    daijoubu karute shinsatsu shinryou byouin kurinikku iryou kenkou kiroku sekyuriti
    puraibashii deta kukki kuki kyoka doui teishi yamete keshite keshitai kesu tetsuzuki
    shinsei hoken kanja isha kusuri yoyaku renraku denwa meeru juusho namae
    """.split()
)

# English function and chat words, and English words that are also romaji-shaped.
ENGLISH_WORDS: frozenset[str] = frozenset(
    """
    a an the is are am was were be been being my your our their his her its it me us
    them you we they he she i what how why when where who whom which whose can could
    do does did done will would should shall may might must have has had not no yes
    please data delete deletion cookie cookies and or of in on at for with from by
    about this that these those there here to so go get see use used share send want
    need if then but as all any some more one name time home same make take came come
    sure nope none mine note game site zone bike more made dare sore sake yo hi hey
    hello ok okay thanks thank ty u ur too also just only info record records file
    """.split()
)

_COLLAPSE_LONG = re.compile(r"(?<=o)[ou]|(?<=u)u|(?<=a)a|(?<=i)i|(?<=e)[ei]")
_POLITE_ENDINGS = ("ます", "ません", "ました", "ましょ", "でした", "でしょ", "ください")


def _cue_key(word: str) -> str | None:
    folded = _COLLAPSE_LONG.sub("", _normalise(word).replace("-", ""))
    return _convert(folded) if folded else None


# Cues as typed, and folded. One-kana cues (the particles) must be typed exactly: folded,
# "moo" or "dee" would meet も/で.
_EXACT_CUES = frozenset(filter(None, map(_convert, JAPANESE_CUES)))
_CUE_KEYS = frozenset(key for key in map(_cue_key, JAPANESE_CUES) if key and len(key) > 1)


def _is_cue(word: str, kana: str) -> bool:
    if kana in _EXACT_CUES:
        return True
    key = _cue_key(word)
    if key is None or len(key) < 2:
        return False
    return key in _CUE_KEYS or (len(key) >= 3 and key.endswith(_POLITE_ENDINGS))


def looks_like_romaji(text: str) -> bool:
    """True when a Latin-script message is most likely Japanese romaji (module docstring)."""
    words = []
    for word in _WORD.findall(_EMAIL_OR_URL.sub(" ", text)):
        kana = _convert(word)
        if kana is None and len(word) >= 2 and word.isupper():
            continue  # an acronym: IDFA, GDPR, OK
        words.append((word, kana))
    if not words:
        return False
    cues = english = not_romaji = 0
    for word, kana in words:
        is_english = unicodedata.normalize("NFC", word).lower() in ENGLISH_WORDS
        is_cue = kana is not None and _is_cue(word, kana)
        cues += is_cue and not is_english
        english += is_english and not is_cue
        not_romaji += kana is None
    if len(words) == 1:
        return cues == 1 and len(words[0][0].strip("-")) >= 5
    if cues == 0 or cues <= english:
        return False
    return not_romaji == 0 or (not_romaji == 1 and cues >= 2 and len(words) >= 3)
