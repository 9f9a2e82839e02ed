"""Replace personal data with typed placeholders such as [EMAIL] before text is stored or logged.

Every process uses one `Redactor` (`get_redactor()`, built on first use) and installs
`RedactingFilter` on its log handlers. The Redactor is spaCy's blank English pipeline with
an adjusted tokenizer (`tokenizer.py`), a Matcher over the token patterns of `patterns.py`
and PhraseMatchers for cue words and for the values typed into the request form. Text is
normalised for matching (`normalisation.py`), but the original characters are replaced.

What is redacted, and the choices made:
- EMAIL: a token spaCy finds LIKE_EMAIL.
- PHONE: Japanese numbers (a leading 0 and 10 or 11 digits, grouped any way: 03-1234-5678,
  (03) 1234-5678, 03(1234)5678, 0120-123-456, 090 1234 5678, full-width digits), numbers
  after a +country code with a plausible length, North American 3-3-4 numbers; a bare
  1234-5678 only after a phone word (TEL, 電話, 自宅).
- MY_NUMBER: any 12 digits, whole or 4-4-4, that are not part of a longer number. The check
  digit is not tested: a mistyped Individual Number still identifies its holder.
- POSTAL_CODE: 123-4567 always; in these messages that shape is a Japanese postal code, and
  no ordinary policy question has it. 1234567, 123 4567 or a ZIP code only after 〒, 郵便,
  postal, zip or postcode.
- DATE_OF_BIRTH: a date (or day and month, or month and year) only close to a birth cue:
  born, birth, birthday, DOB, 生年月日, 生まれ, 誕生, 出生, or 生 right after the date. Other
  dates are left alone (the policy's version 2026-11-28, visit dates, the dates of laws),
  as is a year alone ("born in 1990").
- CARD_NUMBER: 13-19 digits whole, or grouped 4-4-4-4(-3), 4-6-5 or 4-6-4, that pass the
  Luhn check; a number that fails it is not a card number and stays.
- IP_ADDRESS: IPv4 (with a port or prefix length) and IPv6.
- NAME: people's names typed anywhere, found next to the words that introduce them ("I'm
  ...", "my son ...", "Dr ...", 「…です」, 「娘の…」) and checked against what is known of the
  language (`names.py`: an English word lexicon, SudachiPy's dictionary for Japanese).
- The request form's values (`known_values`): each whole-word occurrence, whatever its case
  or spacing, as [NAME], [DESCRIPTION] and so on.
Numbers and addresses are found by spaCy's matchers alone; regular expressions only
normalise the text, are tokenizer rules, match an IPv6 token, or confirm what a pattern
matched (`checks.py`). Names are found by `names.py` in the original text.

`redact` never raises: if redaction fails, the whole text is withheld ([REDACTION_FAILED]).
Redacting twice changes nothing. Each text is processed in a spaCy memory zone, so a
long-running process keeps none of the messages it has seen, only (up to a bound) the
Japanese characters and lower-case words it has learnt to tokenize quickly.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass

from spacy.attrs import IDX, IS_DIGIT, LENGTH
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from privacybot.privacy.names import find_names
from privacybot.privacy.normalisation import CJK_CHARACTER, normalise_for_matching
from privacybot.privacy.patterns import CUES, DETECTORS, PLACEHOLDER_KINDS, Detector
from privacybot.privacy.tokenizer import build_pipeline

# After replacing, look again (near the placeholders) until nothing is found, at most this often.
MAX_PASSES = 3
NAME = "NAME"  # a person's name typed anywhere, as the request form's name is
# If redaction itself fails, nothing of the text is let through.
WITHHELD = "[REDACTION_FAILED]"
# A form value shorter than this would blank ordinary words ("a", "I").
MIN_KNOWN_VALUE_LENGTH = 2
# Placeholders already in the text are left alone, so redacting twice changes nothing.
PLACEHOLDER = re.compile(r"\[([A-Z][A-Z0-9_]*)\]")
# Every kind of personal data the patterns find has a digit or an "@" (or "::", IPv6), so
# the Matcher only looks at tokens around those: most of a long message is plain words.
MATCH_WORTHY = re.compile(r"[0-9@]|::")
LEARNABLE = re.compile(rf"{CJK_CHARACTER}|(?<!\S)[a-z]{{1,20}}[,.?!:;]?(?!\S)")
LEARNED_WORDS = 60_000  # at some 300 bytes each, at most about 18 MB
# Tokens around a digit that a pattern may still cover: every group of a number has digits,
# so only brackets and hyphens lie between them ("+44 (0)20 …").
DIGIT_REACH = 4
WINDOW_GAP = 24  # tokens: nearer windows are joined, as each call of a matcher has a cost
CUED_PATTERN_LENGTH = 10  # tokens: the longest pattern that needs a cue (昭 和 60 年 4 月 12 日)
# A new finding can only appear right beside a placeholder: what a longer finding overlapped,
# or twelve digits that were not "standalone" until their neighbour went. So only the text
# around one with digits beside it is searched again, and the whole text if a finding lies
# near where that piece was cut.
BESIDE = 8
RECHECK_MARGIN = 48
CUT_EDGE = 16


@dataclass(frozen=True)
class Finding:
    kind: str  # the placeholder's name: EMAIL, PHONE, ... or a form field's (NAME)
    start: int  # character offsets in the text given to `find`
    end: int


@dataclass(frozen=True)
class _Candidate:
    start: int  # character offsets in the normalised text
    end: int
    kind: str
    priority: int


class Redactor:
    """Finds personal data with spaCy matchers over one tokenization of the text.

    `matcher` runs the detectors that need no context, around digits and "@" only;
    `cue_matcher` finds cue words (born, 生年月日, TEL, 〒) anywhere; each detector that needs
    a cue (dates of birth, local phone numbers, bare postal codes) has a matcher of its own in
    `cued_matchers`, run only near its cues. A long message of plain words therefore costs
    little more than tokenizing it.
    """

    def __init__(self) -> None:
        self.nlp = build_pipeline()
        self.matcher = Matcher(self.nlp.vocab)
        self.cue_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.cued_matchers: dict[str, Matcher] = {}  # detector name -> its own matcher
        self.detectors: dict[str, tuple[int, Detector]] = {}
        self._learned: set[str] = set()
        # spaCy's memory zones are not thread-safe: words one thread adds inside another's
        # zone would be freed under it. Log records arrive from many threads.
        self._lock = threading.RLock()
        for priority, detector in enumerate(DETECTORS):
            matcher = self.matcher
            if detector.cues:
                matcher = self.cued_matchers[detector.name] = Matcher(self.nlp.vocab)
            matcher.add(detector.name, detector.patterns)
            self.detectors[detector.name] = (priority, detector)
        for name, cue in CUES.items():
            # the tokenizer splits "d.o.b." but not "D.O.B.": give it every casing to split
            variants = {form for phrase in cue.phrases for form in (phrase, phrase.upper())}
            phrases = [normalise_for_matching(form).text for form in sorted(variants)]
            self.cue_matcher.add(name, [self.nlp.make_doc(phrase) for phrase in phrases])

    def find(self, text: str, known_values: Mapping[str, str] | None = None) -> list[Finding]:
        """Personal data in `text`, as non-overlapping spans of the original text, in order."""
        normalised = normalise_for_matching(text)
        known = _placeholder_names(known_values)
        with self._lock:
            self._learn_common_words(normalised.text)
            # A memory zone frees the words this text adds to the vocabulary when it is done,
            # so a long-running process neither keeps nor grows with what it has redacted.
            # (spaCy 3.4, in Rasa's environment, has no memory zones: its vocabulary grows.)
            zone = getattr(self.nlp, "memory_zone", None)
            with zone() if zone else contextlib.nullcontext():
                doc = self.nlp.make_doc(normalised.text)
                candidates = self._pattern_candidates(doc, normalised.text)
                candidates += self._known_value_candidates(doc, known)
        protected = [
            found.span()
            for found in PLACEHOLDER.finditer(normalised.text)
            if found[1] in PLACEHOLDER_KINDS or found[1] in known or found[1] == NAME
        ]
        findings = []
        for candidate in _without_overlaps(candidates, protected):
            start, end = normalised.original_span(candidate.start, candidate.end)
            findings.append(Finding(candidate.kind, start, end))
        findings += self._names(text, findings)
        return sorted(findings, key=lambda finding: finding.start)

    def _names(self, text: str, findings: list[Finding]) -> list[Finding]:
        """People's names (`names.py`) where no other finding or placeholder already stands."""
        taken = [(f.start, f.end) for f in findings]
        taken += [found.span() for found in PLACEHOLDER.finditer(text)]
        spans = find_names(text)
        return [
            Finding(NAME, span.start, span.end)
            for span in spans
            if not any(start < span.end and span.start < end for start, end in taken)
        ]

    def redact(self, text: str, known_values: Mapping[str, str] | None = None) -> str:
        """`text` with every finding replaced by its placeholder, e.g. "[EMAIL]". Never raises."""
        try:
            redacted = "" if text is None else str(text)
            findings = self.find(redacted, known_values)
            for _ in range(MAX_PASSES):
                if not findings:
                    break
                redacted, placed = _replace(redacted, findings)
                findings = self._find_near(redacted, placed, known_values)
            return redacted
        except Exception:  # noqa: BLE001 - a failure must withhold the text, not leak it
            return WITHHELD

    def _find_near(
        self, text: str, placed: list[tuple[int, int]], known_values: Mapping[str, str] | None
    ) -> list[Finding]:
        """Findings next to the placeholders just written: the only place a new one can be.

        A new finding would be digits (or an address) that touched what was replaced, so a
        placeholder with no digit, "@" or "::" right beside it needs no second look; in most
        messages none has. Otherwise the text around it is searched again, and the whole
        text if a finding lies near where that piece was cut.
        """
        near_digits = [
            (start - RECHECK_MARGIN, end + RECHECK_MARGIN)
            for start, end in placed
            if MATCH_WORTHY.search(text, max(start - BESIDE, 0), end + BESIDE)
        ]
        findings = []
        for start, end in _merged(near_digits):
            end = min(end, len(text))
            for found in self.find(text[start:end], known_values):
                if (start > 0 and found.start < CUT_EDGE) or (
                    end < len(text) and found.end > end - start - CUT_EDGE
                ):
                    return self.find(text, known_values)
                findings.append(Finding(found.kind, found.start + start, found.end + start))
        return findings

    def _learn_common_words(self, text: str) -> None:
        """Keep the Japanese characters and lower-case words of `text` in the vocabulary.

        Inside a memory zone spaCy tokenizes every word afresh, which took more than half of
        the time. Japanese characters (each a word of its own, see normalisation.py) and
        lower-case words without digits are ordinary language, not the personal data the
        patterns look for, and up to LEARNED_WORDS of them may stay: tokenizing them is
        then a cache lookup.
        """
        if len(self._learned) >= LEARNED_WORDS:
            return
        new = set(LEARNABLE.findall(text)) - self._learned
        if new:
            self.nlp.make_doc(" ".join(sorted(new)))
            self._learned |= new

    def _pattern_candidates(self, doc: Doc, text: str) -> list[_Candidate]:
        matches: dict[str, list[tuple[int, int]]] = {}
        tokens = _TokenOffsets(doc, text)
        windows = _windows_around_digits(tokens)
        self._collect(self.matcher, doc, windows, matches)
        if windows:
            self._collect(self.cue_matcher, doc, [(0, len(doc))], matches)
            for name, matcher in self.cued_matchers.items():
                cues = self.detectors[name][1].cues
                self._collect(matcher, doc, _windows_around_cues(doc, matches, cues), matches)
        candidates = []
        for name, spans in matches.items():
            if name not in self.detectors:
                continue  # a cue
            priority, detector = self.detectors[name]
            for start, end in set(spans):
                start_char, end_char = tokens.starts[start], tokens.ends[end - 1]
                if detector.check and not detector.check(tokens.text[start_char:end_char]):
                    continue
                if detector.cues and not _cue_near(matches, detector.cues, start, end):
                    continue
                if detector.standalone and tokens.more_digits_around(start, end):
                    continue
                candidates.append(_Candidate(start_char, end_char, detector.kind, priority))
        return candidates

    def _collect(self, matcher, doc: Doc, windows: list[tuple[int, int]], matches: dict) -> None:
        strings = self.nlp.vocab.strings
        for window_start, window_end in windows:
            whole = window_start == 0 and window_end == len(doc)
            for match_id, start, end in matcher(doc if whole else doc[window_start:window_end]):
                spans = matches.setdefault(strings[match_id], [])
                spans.append((window_start + start, window_start + end))

    def _known_value_candidates(self, doc: Doc, known: dict[str, str]) -> list[_Candidate]:
        if not known:
            return []
        matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for name, value in known.items():
            pattern = self.nlp.make_doc(normalise_for_matching(value).text.strip())
            if len(pattern):
                matcher.add(name, [pattern])
        priority = -1  # a typed value outranks a pattern of the same length
        return [
            _Candidate(
                doc[start].idx,
                doc[end - 1].idx + len(doc[end - 1]),
                self.nlp.vocab.strings[key],
                priority,
            )
            for key, start, end in matcher(doc)
        ]


class _TokenOffsets:
    """Where each token of a doc starts and ends, read once rather than token by token."""

    def __init__(self, doc: Doc, text: str) -> None:
        columns = doc.to_array([IDX, LENGTH, IS_DIGIT]).T.tolist() if len(doc) else [[], [], []]
        self.text = text  # the doc's text, which spaCy would join afresh on every access
        self.starts, lengths, self.is_digit = columns
        self.ends = [start + length for start, length in zip(self.starts, lengths, strict=True)]

    def is_hyphen(self, index: int) -> bool:
        return self.text[self.starts[index] : self.ends[index]] == "-"

    def more_digits_around(self, start: int, end: int) -> bool:
        """Whether digits continue the tokens start..end, directly or after a hyphen."""
        digit = self.is_digit
        last = len(digit) - 1
        return (
            (start >= 1 and digit[start - 1])
            or (start >= 2 and self.is_hyphen(start - 1) and digit[start - 2])
            or (end <= last and digit[end])
            or (end + 1 <= last and self.is_hyphen(end) and digit[end + 1])
        )


def _windows_around_digits(tokens: _TokenOffsets) -> list[tuple[int, int]]:
    """Token ranges, merged, that may hold a finding: around every digit, "@" or "::"."""
    offsets = [found.start() for found in MATCH_WORTHY.finditer(tokens.text)]
    if not offsets:
        return []
    indices = sorted({bisect_right(tokens.starts, offset) - 1 for offset in offsets})
    windows = _merged(
        ((index - DIGIT_REACH, index + DIGIT_REACH + 1) for index in indices), WINDOW_GAP
    )
    return [(start, min(end, len(tokens.starts))) for start, end in windows]


def _windows_around_cues(doc: Doc, matches: dict, names: tuple[str, ...]) -> list[tuple[int, int]]:
    """Token ranges, merged, where a pattern may lie close enough to one of the cues `names`."""
    ranges = []
    for name in names:
        cue = CUES[name]
        for start, end in matches.get(name, []):
            ranges.append((start - (cue.tokens_after or 0) - CUED_PATTERN_LENGTH, start))
            ranges.append((end, end + (cue.tokens_before or 0) + CUED_PATTERN_LENGTH))
    return [(start, min(end, len(doc))) for start, end in _merged(ranges, WINDOW_GAP)]


def _merged(ranges, gap: int = 0) -> list[tuple[int, int]]:
    """Ranges sorted and joined where they overlap or lie at most `gap` apart."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted((max(start, 0), end) for start, end in ranges):
        if merged and start <= merged[-1][1] + gap:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _cue_near(matches: dict, names: tuple[str, ...], start: int, end: int) -> bool:
    """Whether one of the cues `names` ends shortly before tokens start..end or starts after."""
    for name in names:
        cue = CUES[name]
        for cue_start, cue_end in matches.get(name, []):
            if cue.tokens_before is not None and 0 <= start - cue_end <= cue.tokens_before:
                return True
            if cue.tokens_after is not None and 0 <= cue_start - end <= cue.tokens_after:
                return True
    return False


def _placeholder_names(known_values: Mapping[str, str] | None) -> dict[str, str]:
    """{"NAME": "山田 太郎"} and friends, keyed by a placeholder-safe name."""
    names: dict[str, str] = {}
    for key, value in (known_values or {}).items():
        name = re.sub(r"[^A-Z0-9_]+", "_", str(key).strip().upper()).strip("_") or "REDACTED"
        if not name[0].isalpha():
            name = f"V_{name}"
        text = "" if value is None else str(value).strip()
        if len(text) >= MIN_KNOWN_VALUE_LENGTH:
            names[name] = text
    return names


def _without_overlaps(candidates: list[_Candidate], protected: list) -> list[_Candidate]:
    """Longest first; among equally long ones, the higher priority (lower number)."""
    taken = bytearray(max((c.end for c in candidates), default=0))
    for start, end in protected:
        taken[start:end] = b"\x01" * len(taken[start:end])
    chosen = []
    for candidate in sorted(candidates, key=lambda c: (c.start - c.end, c.priority, c.start)):
        if taken.find(1, candidate.start, candidate.end) == -1:
            taken[candidate.start : candidate.end] = b"\x01" * (candidate.end - candidate.start)
            chosen.append(candidate)
    return chosen


def _replace(text: str, findings: list[Finding]) -> tuple[str, list[tuple[int, int]]]:
    """The text with each finding replaced, and where the placeholders now stand."""
    pieces, placed, position, length = [], [], 0, 0
    for finding in findings:
        before, placeholder = text[position : finding.start], f"[{finding.kind}]"
        pieces += [before, placeholder]
        length += len(before)
        placed.append((length, length + len(placeholder)))
        length += len(placeholder)
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces), placed


_redactor: Redactor | None = None
_redactor_lock = threading.Lock()


def get_redactor() -> Redactor:
    """The process's one Redactor, built on first use."""
    global _redactor
    if _redactor is None:
        with _redactor_lock:
            if _redactor is None:
                _redactor = Redactor()
    return _redactor


def redact(text: str, known_values: Mapping[str, str] | None = None) -> str:
    return get_redactor().redact(text, known_values)


class RedactingFilter(logging.Filter):
    """Redacts a record's message, arguments, traceback and stack before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        redactor = get_redactor()
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record still gets logged, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redactor.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redactor.redact(record.stack_info)
        return True


def install_log_redaction(*logger_names: str) -> None:
    """Put RedactingFilter on every handler of the root logger and of the named loggers (e.g.
    "uvicorn.error"), so nothing personal reaches a log file even from an error message."""
    redacting = RedactingFilter()
    for name in ("", *logger_names):
        for handler in logging.getLogger(name or None).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(redacting)
