"""Find the names of people in a patient's message: "I'm Tanaka Yui", "my son Kenji", 「山田です」.

A name is found where the words around it say one stands there (`name_cues.yml`, per
language); the word itself is then checked against what is known of the language, so that
"I'm worried" and 「急ぎです」 stay as they are.

English: the message is cut into words (letters with an inner apostrophe or hyphen: O'Brien,
Smith-Jones) and punctuation. After an introduction ("I'm", "my name is", "call me"), a title
("Dr", "Nurse"), a relation ("my son", "my wife,"), "named", before "here" or "speaking" at the
start of a sentence, and after a sign-off at the very end ("Thanks, Maria Gonzalez", "- Tom"),
the next words are a name when they look like one:
- capitalised, and not a proper adjective such as "Japanese" or "Catholic";
- or lower-case, as chat is typed ("im jake"), and not an ordinary English word.
What is ordinary and what is a proper adjective comes from word frequencies and clusters of
web text (`data/en_name_lexicon.txt.gz`, built by scripts/build_name_lexicon.py).

Japanese: SudachiPy's dictionary segments the message and knows family and given names
(人名: 姓, 名). A word read as one in context is a name, unless a place or organisation word
follows it (松本市, 桜台病院); a word the dictionary *can* read as a name (林, さとう, 凛), or
katakana joined by ・ (アンナ・コワルスカ), is a name next to a cue: before です or と申します at
the start of a sentence, before a title (先生, さん, 様), after a relation (娘の, 父・), or alone at
the end of the message.

`find_names(text)` returns character spans of the text it is given. It never sees the request
form's values: those are redacted by value (`redaction.py`).
"""

from __future__ import annotations

import gzip
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import yaml
from spacy.lang.en.stop_words import STOP_WORDS

# Letters of the Latin script (López, Nguyễn), with an inner apostrophe or hyphen.
_LATIN = r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
LATIN_WORD = re.compile(rf"[{_LATIN}]+(?:['’\-][{_LATIN}]+)*")
PIECES = re.compile(rf"{LATIN_WORD.pattern}|\S")
DASHES = {"-", "--", "–", "—"}
NAME_CLOSERS = {".", "!", ",", ":", "-", "–", "—"}
SENTENCE_END = {".", "!", "?", ";", ":", "(", ")", "\n", "。", "！", "？"}
CLAUSE_BREAK = SENTENCE_END | {",", "-", "–", "—", "、"}
MAX_NAME_WORDS = 5
# A capitalised stop word ("Will", "May") begins a name only if what follows fits a name.
AFTER_A_NAME = {"is", "and", "was", "has", "here", "again", "speaking"}
# "doesn't", "I'd", "isn't": not names ("Name's" is a cue, "O'Brien" a name).
CONTRACTION = re.compile(r"(?:n['’]t|['’](?:d|ll|re|ve|m))$|^(?:isnt|doesnt|dont|cant|wont|didnt)$")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
KATAKANA = re.compile(r"^[\u30a0-\u30ffー]+$")
HIRAGANA = re.compile(r"^[\u3040-\u309f]+$")
JA_CLAUSE_START = set("。、！？!?,.　 〜~\n」）)…") | {"は"}


@dataclass(frozen=True)
class Span:
    start: int
    end: int


class Phrases(frozenset):
    """Phrases as tuples of lower-case words, with their lengths, longest first."""

    lengths: tuple[int, ...] = ()


def _phrases(items) -> Phrases:
    phrases = Phrases(tuple(PIECES.findall(str(item).lower())) for item in items or ())
    phrases.lengths = tuple(sorted({len(phrase) for phrase in phrases}, reverse=True))
    return phrases


@dataclass(frozen=True)
class EnglishCues:
    introductions: Phrases
    at_start_only: Phrases
    titles: Phrases
    owners: set
    relation_of: set
    relations: Phrases
    naming: Phrases
    after_name: set
    sign_offs: Phrases
    greetings: Phrases
    particles: set
    not_names: set
    proper_adjectives: frozenset


@dataclass(frozen=True)
class JapaneseCues:
    after_name: tuple[str, ...]
    titles: tuple[str, ...]
    relations: tuple[str, ...]
    relation_links: tuple[str, ...]
    place_suffixes: frozenset
    self_words: frozenset
    brackets: frozenset


@lru_cache(maxsize=1)
def _cues() -> tuple[EnglishCues, JapaneseCues]:
    data = yaml.safe_load((files("privacybot.privacy") / "name_cues.yml").read_text("utf-8"))
    en, ja = data["en"], data["ja"]
    english = EnglishCues(
        introductions=_phrases(en["introductions"]),
        at_start_only=_phrases(en["introductions_at_start_only"]),
        titles=_phrases(en["titles"]),
        owners=set(en["owners"]),
        relation_of=set(en["relation_of"]),
        relations=_phrases(en["relations"]),
        naming=_phrases(en["naming"]),
        after_name=set(en["after_name"]),
        sign_offs=_phrases(en["sign_offs"]),
        greetings=_phrases(en["greetings"]),
        particles=set(en["particles"]),
        not_names=set(en["not_names"])
        | {piece for phrase in _phrases(en["introductions"]) for piece in phrase},
        proper_adjectives=frozenset(en["proper_adjectives"]) | _lexicon()["proper_adjective"],
    )
    japanese = JapaneseCues(
        after_name=tuple(sorted(ja["after_name"], key=len, reverse=True)),
        titles=tuple(sorted(ja["titles"], key=len, reverse=True)),
        relations=tuple(sorted(ja["relations"], key=len, reverse=True)),
        relation_links=tuple(ja["relation_links"]),
        place_suffixes=frozenset(ja["place_suffixes"]),
        self_words=frozenset(ja["self_words"]),
        brackets=frozenset(ja["brackets"]),
    )
    return english, japanese


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, frozenset]:
    raw = (files("privacybot.privacy") / "data" / "en_name_lexicon.txt.gz").read_bytes()
    lists: dict[str, set] = {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        kind, _, word = line.partition("\t")
        lists.setdefault(kind, set()).add(word)
    return {kind: frozenset(words) for kind, words in lists.items()}


def find_names(text: str) -> list[Span]:
    """Spans of `text` that are people's names, in order, not overlapping."""
    spans = _english_names(text)
    if JAPANESE.search(text):
        spans += _japanese_names(text)
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if not chosen or span.start >= chosen[-1].end:
            chosen.append(span)
        elif span.end > chosen[-1].end:
            chosen[-1] = Span(chosen[-1].start, span.end)
    return chosen


# --- English ------------------------------------------------------------------------------------


class _Words:
    """The message as words and punctuation, with what the cues need to know of each."""

    def __init__(self, text: str) -> None:
        found = list(PIECES.finditer(text))
        self.text = text
        self.pieces = [m.group() for m in found]
        self.starts = [m.start() for m in found]
        self.ends = [m.end() for m in found]
        self.lower = [piece.lower() for piece in self.pieces]
        self.newline_before = [
            "\n" in text[(self.ends[i - 1] if i else 0) : self.starts[i]] for i in range(len(found))
        ]

    def __len__(self) -> int:
        return len(self.pieces)

    def phrase_at(self, index: int, phrases: Phrases) -> int:
        """The end of the longest of `phrases` that starts at `index`, or -1."""
        for length in phrases.lengths:
            if tuple(self.lower[index : index + length]) in phrases:
                return index + length
        return -1

    def phrase_before(self, index: int, phrases: Phrases) -> int:
        """The start of the longest of `phrases` that ends right before `index`, or -1."""
        for length in phrases.lengths:
            if index >= length and tuple(self.lower[index - length : index]) in phrases:
                return index - length
        return -1

    def is_word(self, index: int) -> bool:
        return index < len(self) and LATIN_WORD.fullmatch(self.pieces[index]) is not None

    def capitalised(self, index: int) -> bool:
        piece = self.pieces[index]
        return piece[0].isupper() and not (len(piece) > 1 and piece.isupper())

    def starts_clause(self, index: int, cues: EnglishCues) -> bool:
        """At the start of the message or a sentence, maybe after a greeting ("Hi, ...")."""
        while True:
            if index == 0 or self.newline_before[index] or self.lower[index - 1] in SENTENCE_END:
                return True
            if self.lower[index - 1] in CLAUSE_BREAK:
                index -= 1  # "Hi, this is ..." / "Good evening, ..."
            start = self.phrase_before(index, cues.greetings)
            if start < 0:
                return self.lower[index - 1] in SENTENCE_END if index else True
            index = start


def _english_names(text: str) -> list[Span]:
    cues, _ = _cues()
    lexicon = _lexicon()
    words = _Words(text)
    spans: list[Span] = []

    def name_from(index: int, lower_ok: bool = True, pairs: bool = False) -> int:
        """Take the name that starts at `index`; the index after it (== index: none)."""
        end = _name_run(words, index, cues, lexicon, lower_ok, known_only=pairs)
        if end > index:
            spans.append(Span(words.starts[index], words.ends[end - 1]))
            if pairs and end + 1 < len(words) and words.lower[end] == "and":
                return name_from(end + 1, lower_ok, pairs)  # "my twins, Leo and Mia"
        return end

    def after_title(index: int) -> int:
        end = words.phrase_at(index, cues.titles)
        if end < 0:
            return index
        return end + 1 if end < len(words) and words.pieces[end] == "." else end

    for i in range(len(words)):
        lower = words.lower[i]
        end = words.phrase_at(i, cues.introductions)
        if end > 0:
            phrase = tuple(words.lower[i:end])
            if phrase not in cues.at_start_only or words.starts_clause(i, cues):
                name_from(after_title(end))
        relation_end = words.phrase_at(i + 1, cues.relations)
        if relation_end > 0 and lower in cues.relation_of and relation_end < len(words):
            if words.lower[relation_end] in ("of", "for"):
                name_from(relation_end + 1, lower_ok=False)  # "the wife of Takeshi Yamamoto"
        owner = lower in cues.owners or lower.endswith(("'s", "’s"))  # "the patient's son"
        if relation_end > 0 and owner:
            end = relation_end
            if end < len(words) and words.lower[end] == "is":
                name_from(end + 1, lower_ok=False)  # "my wife is Kavya Mehta"
                continue
            if end < len(words) and words.pieces[end] == ",":
                end += 1
            if name_from(end, pairs=True) > end:
                continue
        title_end = after_title(i)
        if title_end > i and (i == 0 or words.lower[i - 1] not in cues.owners):
            name_from(title_end, pairs=True)  # "Dr Okafor", "mrs jenkins"
        end = words.phrase_at(i, cues.naming)
        if end > 0:
            name_from(end, lower_ok=False)
        if lower in cues.after_name and i > 0:
            start = _name_run_back(words, i, cues, lexicon)
            # "Owen here", "Good morning, Maricel Dela Cruz here"
            if start < i and (words.starts_clause(start, cues) or words.lower[start - 1] == ","):
                spans.append(Span(words.starts[start], words.ends[i - 1]))
        end = words.phrase_at(i, cues.sign_offs)
        if end > 0 and (words.starts_clause(i, cues) or words.lower[i] in DASHES):
            if end < len(words) and words.pieces[end] in (",", ":"):
                end += 1
            start = after_title(end)
            name_end = _name_run(words, start, cues, lexicon, lower_ok=False)
            if name_end > start and not any(words.is_word(k) for k in range(name_end, len(words))):
                spans.append(Span(words.starts[start], words.ends[name_end - 1]))
        if words.is_word(i) and words.capitalised(i) and words.starts_clause(i, cues):
            end = _standalone_name(words, i, cues, lexicon)
            if end > i:
                spans.append(Span(words.starts[i], words.ends[end - 1]))
    return spans


def _standalone_name(words: _Words, index: int, cues: EnglishCues, lexicon) -> int:
    """A name written as a sentence of its own: "Patricia Mbeki-Jones. I'd like ...",
    "Hi, Kwame Mensah.", "Amber Nguyen - I want ...". Capitalised words, none of them an
    ordinary word that is not also a name, one a known name, and nothing else in the clause."""
    end = index
    while end < len(words) and end - index < MAX_NAME_WORDS and words.is_word(end):
        if end > index and words.newline_before[end]:
            break  # a name on a line of its own
        lower = words.lower[end]
        if not words.capitalised(end) or lower in cues.not_names or CONTRACTION.search(lower):
            return index
        parts = lower.split("-")
        if any(part in lexicon["ordinary"] and part not in lexicon["person"] for part in parts):
            return index
        end += 1
    known = any(
        part in lexicon["person"] for k in range(index, end) for part in words.lower[k].split("-")
    )
    closed = end >= len(words) or words.newline_before[end] or words.pieces[end] in NAME_CLOSERS
    after_greeting = index > 0 and not words.newline_before[index] and words.lower[index - 1] != "."
    # "Hello from Awa N'Diaye.": two or more capitalised words right after a greeting
    greeted_full_name = after_greeting and end - index >= 2
    if not (known or greeted_full_name) or not closed or (end - index < 2 and not after_greeting):
        return index
    return end


def _name_run(
    words: _Words, index: int, cues: EnglishCues, lexicon, lower_ok: bool, known_only: bool = False
) -> int:
    """The end of the name that starts at `index` (== index: no name there).

    `lower_ok`: a lower-case word may be a name if it is not an ordinary word ("im jake");
    `known_only`: only if it is a known name ("my son kenji", not "my baby isnt breathing").
    """
    end = index
    lowercase_run = False
    while end < len(words) and end - index < MAX_NAME_WORDS:
        lower = words.lower[end]
        if end > index and lower in cues.particles and words.is_word(end + 1):
            if words.capitalised(end + 1):
                end += 1  # "bin", "Dela": inside a name
                continue
        if not words.is_word(end) or CONTRACTION.search(lower):
            break
        if words.capitalised(end) and not lowercase_run:
            if lower in cues.not_names or lower in cues.proper_adjectives:
                break
            if lower in STOP_WORDS and (end > index or not _fits_after_name(words, end + 1)):
                break
        elif words.pieces[end].islower() and lower_ok and (end == index or lowercase_run):
            if lower in cues.not_names or lower in STOP_WORDS or lower in lexicon["ordinary"]:
                break
            if known_only and lower not in lexicon["person"]:
                break
            lowercase_run = True
        else:
            break
        end += 1
    return end


def _fits_after_name(words: _Words, index: int) -> bool:
    return (
        index >= len(words)
        or not words.is_word(index)
        or words.capitalised(index)
        or words.lower[index] in AFTER_A_NAME
    )


def _name_run_back(words: _Words, index: int, cues: EnglishCues, lexicon) -> int:
    """The start of the name that ends right before `index` ("Owen here"), or `index`."""
    start = index
    while start > 0 and index - start < MAX_NAME_WORDS:
        k = start - 1
        lower = words.lower[k]
        if not words.is_word(k) or lower in cues.not_names or lower in STOP_WORDS:
            if lower in cues.particles and start < index:
                start = k
                continue
            break
        known = lower in lexicon["person"] or any(p in lexicon["person"] for p in lower.split("-"))
        if not words.capitalised(k) and (not known or not words.pieces[k].islower()):
            break  # "john here", but not "english speaking"
        if (
            words.capitalised(k)
            and lower in lexicon["ordinary"]
            and lower not in lexicon["person"]
            and words.starts_clause(k, cues)
        ):
            break  # "Patient here": capitalised only because a sentence starts with it
        start = k
    if start < index and (
        words.lower[start] in cues.proper_adjectives or words.lower[start] in cues.particles
    ):
        return index
    return start


# --- Japanese -----------------------------------------------------------------------------------

_sudachi = threading.local()  # a tokenizer per thread; the dictionary is shared (thread-safe)


@lru_cache(maxsize=1)
def _dictionary():
    from sudachipy import Dictionary

    return Dictionary(dict="core")


def _tokenizer():
    tokenizer = getattr(_sudachi, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import SplitMode

        tokenizer = _sudachi.tokenizer = _dictionary().tokenizer(SplitMode.C)
    return tokenizer


@lru_cache(maxsize=50_000)
def _can_be_a_name(surface: str) -> bool:
    """Whether the dictionary has a reading of `surface` as a family or given name (林, さとう).

    Katakana words the dictionary also lists as foreign names (スタッフ, データ) are not
    counted: a foreign name is one when the context reads it so (マリア・サントス)."""
    if KATAKANA.match(surface):
        return False
    return any(
        m.part_of_speech()[2:4] in (("人名", "姓"), ("人名", "名"))
        for m in _dictionary().lookup(surface)
    )


@dataclass(frozen=True)
class _Morpheme:
    surface: str
    begin: int
    end: int
    named: bool  # read as a family or given name in this context
    foreign: bool  # read as a (foreign) personal name in this context
    noun: bool  # read as a noun in this context (not そう, an adverb)
    proper: bool  # read as a proper noun in this context (美咲 may be read as a place)


def _japanese_names(text: str) -> list[Span]:
    _, cues = _cues()
    morphemes = [
        _Morpheme(
            m.surface(),
            m.begin(),
            m.end(),
            m.part_of_speech()[2] == "人名" and m.part_of_speech()[3] in ("姓", "名"),
            m.part_of_speech()[2] == "人名" and m.part_of_speech()[3] == "一般",
            m.part_of_speech()[0] == "名詞",
            m.part_of_speech()[1] == "固有名詞",
        )
        for m in _tokenizer().tokenize(text)
    ]
    spans: list[Span] = []
    i = 0
    while i < len(morphemes):
        if not (_japanese_name_word(morphemes[i]) or _katakana_chain_at(morphemes, i)):
            i += 1
            continue
        end = _japanese_group_end(morphemes, i)
        group = morphemes[i:end]
        if _japanese_group_is_a_name(text, morphemes, i, end, cues):
            spans.append(Span(group[0].begin, group[-1].end))
        i = end
    return spans


def _japanese_name_word(m: _Morpheme) -> bool:
    if not JAPANESE.search(m.surface):
        return False
    return m.named or m.foreign or (m.noun and _can_be_a_name(m.surface))


def _katakana_chain_at(morphemes: list[_Morpheme], index: int) -> bool:
    """Katakana words joined by ・ (ラジェシュ・クマール), or by a space when one is read as a
    name (リー シャオメイ): how Japanese writes a foreign name."""
    if index + 2 >= len(morphemes):
        return False
    first, link, second = morphemes[index : index + 3]
    if not (KATAKANA.match(first.surface) and KATAKANA.match(second.surface)):
        return False
    return link.surface == "・" or (
        link.surface in (" ", "　") and any(m.foreign or m.named for m in (first, second))
    )


def _japanese_group_end(morphemes: list[_Morpheme], start: int) -> int:
    """Names written together: 田中花子, 高橋 健太, マリア・サントス, グエン・ヴァン・アン."""
    end = start + 1
    while end < len(morphemes):
        link = morphemes[end].surface
        if link in (" ", "　", "・") and end + 1 < len(morphemes):
            following = morphemes[end + 1]
            katakana_chain = _katakana_chain_at(morphemes, end - 1)
            if _japanese_name_word(following) or (
                katakana_chain and KATAKANA.match(following.surface)
            ):
                end += 2
                continue
            break
        glued = morphemes[end - 1 : end + 1]  # 田中花子: both read as names here, not 税 + 理士
        if _japanese_name_word(morphemes[end]) and all(m.proper or m.foreign for m in glued):
            end += 1
            continue
        break
    return end


def _relation_follows(after: str, cues: JapaneseCues) -> bool:
    """「の母です」「の父が」: the name is of the one the writer is related to."""
    rest = after[1:]
    return any(
        rest.startswith(relation)
        and rest[len(relation) : len(relation) + 1] in ("で", "が", "は", "と", "")
        for relation in cues.relations
    )


def _said_by_self(morphemes: list[_Morpheme], index: int, cues: JapaneseCues) -> bool:
    """The words before a bracket are 私 or 私は."""
    if morphemes[index].surface == "は" and index >= 1:
        index -= 1
    return morphemes[index].surface in cues.self_words


def _japanese_group_is_a_name(
    text: str, morphemes: list[_Morpheme], start: int, end: int, cues: JapaneseCues
) -> bool:
    group = morphemes[start:end]
    if end < len(morphemes) and morphemes[end].surface in cues.place_suffixes:
        return False  # 松本市, 桜台病院
    if start and morphemes[start - 1].noun and JAPANESE.search(morphemes[start - 1].surface):
        return False  # the end of a longer word: 税 + 理士さん, 感染症 + 法等
    after = text[group[-1].end :].lstrip(" 　")
    before = morphemes[start - 1].surface if start else ""
    at_clause_start = start == 0 or before[-1:] in JA_CLAUSE_START
    if after.startswith(cues.titles):
        return True
    named = [m for m in group if m.named]
    if (
        start >= 2
        and before in cues.relation_links
        and morphemes[start - 2].surface in cues.relations
    ):
        # 娘の美咲, 娘のさくら (a name written in kana), but not 父の顔
        return any(m.proper or m.foreign or HIRAGANA.match(m.surface) for m in group)
    if after.startswith(cues.relation_links[:1]) and _relation_follows(after, cues):
        return True  # ジョン・スミスの母です, 清水の母です
    if before in cues.brackets and start >= 2 and _said_by_self(morphemes, start - 2, cues):
        return True  # 私（上田）, 私は「のぞみ」です
    if after.startswith(cues.after_name) and (at_clause_start or any(m.named for m in group)):
        return not after.startswith("より") or not JAPANESE.search(after[2:3] or "")
    if not after.strip(" 　。．.!！?？〜~…\n") and at_clause_start and start > 0:
        return bool(named)  # a sign-off: よろしくお願いします。高橋 (but not 「個人情報 定義」)
    # No cue: a full name the dictionary reads as family and given name (山田花子、…)
    return len(named) >= 2
