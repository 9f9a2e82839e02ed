"""Normalise text for matching while remembering where every character came from.

Patients type full-width digits (０９０－１２３４), ideographic spaces, and a katakana long
mark or a minus sign where a hyphen belongs. The patterns see one canonical form: NFKC, a
hyphen between digits, one space for any run of whitespace, and a space around every Japanese
(or Korean) character. Japanese puts no spaces between words, and spaCy's tokenizer splits
on spaces first: without them "電話番号は090-1234-5678です" is a single 20-character word,
and peeling such words one character at a time costs time quadratic in their length. With
them every Japanese character is a token of its own, so patterns can spell 生年月日 or 〒
character by character. The redactor replaces the *original* characters, so the text around
a redaction is never rewritten.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Characters typed as the hyphen of a phone or postal number; mapped only between digits.
DASHES = frozenset("‐‑‒–—―−ー－ｰ﹣")
ASCII_DIGITS = frozenset("0123456789")
# Japanese (and Korean) characters and punctuation: scripts written without spaces.
CJK_CHARACTER = (
    r"[\u1100-\u11ff\u3000-\u303f\u3040-\u309f\u30a0-\u30ff\u3130-\u318f"
    r"\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
_is_cjk = re.compile(CJK_CHARACTER).match
_UNUSUAL_SPACE = re.compile(r"[^\S ]| {2,}")
_SEGMENTS = re.compile(
    rf"(?P<ascii>[!-~]+)|(?P<space>\s+)|(?P<cjk>{CJK_CHARACTER}+)|(?P<other>.)", re.DOTALL
)


@dataclass(frozen=True)
class NormalisedText:
    text: str
    starts: tuple[int, ...]  # for each character of `text`, where its source begins ...
    ends: tuple[int, ...]  # ... and ends in the original text (a space added: where it stands)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


class _Builder:
    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.last = " "  # the last character written; a space at the start

    def add(self, piece: str, start: int, end: int) -> None:
        self.pieces.append(piece)
        self.starts.extend([start] * len(piece))
        self.ends.extend([end] * len(piece))
        self.last = piece[-1]

    def add_unchanged(self, run: str, start: int) -> None:
        self.pieces.append(run)
        self.starts.extend(range(start, start + len(run)))
        self.ends.extend(range(start + 1, start + len(run) + 1))
        self.last = run[-1]

    def add_space(self, position: int) -> None:
        """A space that stands for no character of the original, at `position`."""
        if self.last != " ":
            self.add(" ", position, position)

    def add_spaced(self, run: str, start: int) -> None:
        """Japanese characters, each as a word of its own: "生年" -> "生 年"."""
        self.add_space(start)
        self.pieces.append(" ".join(run))
        for index in range(start, start + len(run)):
            self.starts.extend((index, index + 1))
            self.ends.extend((index + 1, index + 1))
        self.starts.pop()
        self.ends.pop()
        self.last = run[-1]


def normalise_for_matching(text: str) -> NormalisedText:
    if text.isascii() and not _UNUSUAL_SPACE.search(text):  # most English: nothing to do
        return NormalisedText(text, tuple(range(len(text))), tuple(range(1, len(text) + 1)))
    out = _Builder()
    for segment in _SEGMENTS.finditer(text):
        begin, end = segment.span()
        kind, run = segment.lastgroup, segment.group()
        if kind == "ascii":  # printable ASCII stays as it is
            if _is_cjk(out.last):
                out.add_space(begin)
            out.add_unchanged(run, begin)
        elif kind == "space":  # a run of whitespace is one space
            if out.last == " " and out.pieces:
                out.ends[-1] = end
            else:
                out.add(" ", begin, end)
        elif kind == "cjk" and unicodedata.is_normalized("NFKC", run) and run not in DASHES:
            out.add_spaced(run, begin)
        else:
            for index in range(begin, end):
                _add_character(text, index, out)
    return NormalisedText("".join(out.pieces), tuple(out.starts), tuple(out.ends))


def _add_character(text: str, index: int, out: _Builder) -> None:
    character = text[index]
    piece = unicodedata.normalize("NFKC", character)
    if not piece or piece.isspace():
        if out.last == " " and out.pieces:
            out.ends[-1] = index + 1
        else:
            out.add(" ", index, index + 1)
        return
    if character in DASHES and out.last in ASCII_DIGITS and _digit_follows(text, index):
        out.add("-", index, index + 1)
        return
    if any(_is_cjk(normalised) for normalised in piece):  # ㍻ -> 平成 -> "平 成"
        out.add_space(index)
        out.add(" ".join(piece), index, index + 1)
        return
    if _is_cjk(out.last):
        out.add_space(index)
    out.add(piece, index, index + 1)


def _digit_follows(text: str, index: int) -> bool:
    following = text[index + 1 : index + 2]
    return unicodedata.normalize("NFKC", following)[:1] in ASCII_DIGITS
