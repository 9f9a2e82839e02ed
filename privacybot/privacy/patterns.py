"""What each kind of personal data looks like: token patterns for the redactor's spaCy Matcher.

Patterns describe the tokens `tokenizer.py` makes of normalised text: every Japanese
character is a token, a hyphen, slash or bracket between digits is a token, and an e-mail or
IPv6 address stays one token. They use spaCy's token attributes (LIKE_EMAIL, LIKE_NUM,
IS_DIGIT, LENGTH, SHAPE, ORTH, LOWER); the one regular expression (IPv6) is a TEXT REGEX
token pattern. A match is a candidate: the detector's `check` confirms it (digit counts,
the Luhn check, a calendar date), and some detectors need a cue word close by ("born",
生年月日, 〒, TEL; see `CUES`). Detectors are in priority order: of two equally long
overlapping findings the first listed wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import product

from privacybot.privacy.checks import (
    IPV4_TOKEN,
    plausible_card_number,
    plausible_date,
    plausible_ipv4,
    plausible_local_phone,
    plausible_phone,
    twelve_digits,
)

Pattern = list[dict]


def digits(low: int, high: int | None = None) -> dict:
    if high is None or high == low:
        return {"IS_DIGIT": True, "LENGTH": low}  # tested natively by the Matcher
    return {"IS_DIGIT": True, "LENGTH": {">=": low, "<=": high}}


def orth(*forms: str, op: str | None = None) -> dict:
    token: dict = {"ORTH": forms[0]} if len(forms) == 1 else {"ORTH": {"IN": list(forms)}}
    return {**token, "OP": op} if op else token


def lower(*forms: str, op: str | None = None) -> dict:
    token: dict = {"LOWER": {"IN": list(forms)}}
    return {**token, "OP": op} if op else token


def one_of(forms: list[str]) -> dict:
    return {"TEXT": {"IN": forms}}


def shaped(*shapes: str) -> dict:
    return {"SHAPE": {"IN": sorted(set(shapes))}}


def chars(word: str) -> Pattern:
    """A Japanese word, one token per character."""
    return [{"ORTH": character} for character in word]


def digit_shape(length: int) -> str:
    """spaCy's SHAPE writes at most four of the same character in a row."""
    return "d" * min(length, 4)


def numbers_shapes(lengths: list[range], separators: str) -> list[str]:
    """Shapes of one-token numbers such as 12/04/1985: digit groups joined by a separator."""
    shapes = []
    for groups in product(*lengths):
        for joins in product(separators, repeat=len(groups) - 1):
            shape = digit_shape(groups[0])
            for join, group in zip(joins, groups[1:], strict=True):
                shape += join + digit_shape(group)
            shapes.append(shape)
    return shapes


OPTIONAL_HYPHEN = orth("-", op="?")
HYPHEN = orth("-")
PHONE_SEPARATORS = orth("-", "(", ")", op="*")
OPENING_BRACKET = orth("(", op="?")

# --- e-mail and IP addresses, one token each ----------------------------------------------------
EMAIL_TOKEN = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
_H = r"[0-9A-Fa-f]{1,4}"
IPV6_TOKEN = (
    r"(?:"
    rf"(?:{_H}:){{7}}{_H}"
    rf"|(?:{_H}:){{1,7}}:"
    rf"|(?:{_H}:){{1,6}}:{_H}"
    rf"|(?:{_H}:){{1,5}}(?::{_H}){{1,2}}"
    rf"|(?:{_H}:){{1,4}}(?::{_H}){{1,3}}"
    rf"|(?:{_H}:){{1,3}}(?::{_H}){{1,4}}"
    rf"|(?:{_H}:){{1,2}}(?::{_H}){{1,5}}"
    rf"|{_H}:(?::{_H}){{1,6}}"
    rf"|::(?:ffff:)?{IPV4_TOKEN}"
    rf"|(?:{_H}:){{6}}{IPV4_TOKEN}"
    rf"|:(?::{_H}){{1,7}}"
    r")(?:%[0-9A-Za-z]+)?(?:/[0-9]{1,3})?"
)
EMAIL = [[{"LIKE_EMAIL": True}]]
# One token of digits, maybe with dots (LIKE_NUM): 203.0.113.9, 4111111111111111, 090.1234.5678;
# each detector's check says whether it is its kind.
NUMBER_TOKEN = [[{"LIKE_NUM": True}]]
IPV6_ADDRESS = [[{"TEXT": {"REGEX": rf"^{IPV6_TOKEN}$"}}]]

# --- numbers ------------------------------------------------------------------------------------
# The first token of a pattern is tested at every token of a message, so it uses only
# attributes the Matcher tests natively (IS_DIGIT, exact LENGTH or SHAPE, ORTH); ranges and
# sets, which cost a Python call, come later, where few tokens reach them.
ANY_DIGITS = {"IS_DIGIT": True}
GROUP = digits(1, 8)
OPTIONAL_GROUP = {**GROUP, "OP": "?"}
PHONE = [
    *NUMBER_TOKEN,  # 0312345678, 09012345678, +819012345678, 03.1234.5678
    # 03-1234-5678, (03) 1234-5678, 03(1234)5678, 0120-123-456, 090 1234 5678, (415) 555-0100
    [OPENING_BRACKET, ANY_DIGITS, PHONE_SEPARATORS, GROUP] + [PHONE_SEPARATORS, OPTIONAL_GROUP] * 2,
    # +81 90-1234-5678, +81-3-1234-5678, +44 (0)20 7946 0958, +1 415 555 0100
    *(
        [{"SHAPE": code}, PHONE_SEPARATORS, GROUP] + [PHONE_SEPARATORS, OPTIONAL_GROUP] * 4
        for code in ("+d", "+dd", "+ddd")
    ),
]
LOCAL_PHONE = [[digits(2, 4), HYPHEN, digits(4)]]  # 1234-5678, after "TEL"
FOUR = digits(4)
CARD_NUMBER = [
    *NUMBER_TOKEN,
    [*[FOUR, OPTIONAL_HYPHEN] * 3, FOUR],  # 4111 1111 1111 1111
    [*[FOUR, OPTIONAL_HYPHEN] * 4, digits(3)],  # 19 digits
    [FOUR, OPTIONAL_HYPHEN, digits(6), OPTIONAL_HYPHEN, digits(4, 5)],  # 3782 822463 10005
]
MY_NUMBER = [*NUMBER_TOKEN, [FOUR, OPTIONAL_HYPHEN, FOUR, OPTIONAL_HYPHEN, FOUR]]
POSTAL_CODE = [[digits(3), HYPHEN, digits(4)]]  # 105-0012
POSTAL_CODE_AFTER_CUE = [
    [digits(7)],  # 〒1050012
    [digits(3), digits(4)],  # 〒105 0012
    [digits(5)],  # zip 94103
    [digits(5), HYPHEN, digits(4)],  # zip 94103-1234
]

# --- dates --------------------------------------------------------------------------------------
MONTH_NAMES = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
MONTH_NAME = lower(*MONTH_NAMES, *(f"{name}." for name in MONTH_NAMES))
_DAYS = [str(day) for day in range(1, 32)] + [f"0{day}" for day in range(1, 10)]
_ORDINALS = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}
DAY = one_of(_DAYS + [f"{int(day)}{_ORDINALS.get(int(day), 'th')}" for day in _DAYS])
NUMBER = {"LIKE_NUM": True}  # 12, 12th: as a first token, where `plausible_date` checks it
DAY_NUMBER = one_of(_DAYS)
MONTH_NUMBER = one_of([str(month) for month in range(1, 13)] + [f"0{m}" for m in range(1, 10)])
YEAR = one_of([str(year) for year in range(1900, 2100)])
ERA_YEAR = one_of([str(year) for year in range(1, 65)] + ["元"])
ERAS = ("明治", "大正", "昭和", "平成", "令和")
DATE_SEPARATOR = orth("-", "/")
OPTIONAL_COMMA = orth(",", op="?")
MONTH_DAY_JA = [*chars("月"), DAY_NUMBER, *chars("日")]
ERA_DATE_SHAPES = ["X" + shape for shape in numbers_shapes([range(1, 3)] * 3, "./")]

# A first token here is IS_DIGIT or LIKE_NUM where it can be (the Matcher tests those itself);
# `plausible_date` then checks the numbers make a calendar date.
DATE = [
    # full dates: 12/04/1985, 1985-04-12, 12.04.1985 (one token), S60.4.12
    [ANY_DIGITS, DATE_SEPARATOR, digits(1, 2), DATE_SEPARATOR, digits(1, 4)],
    *NUMBER_TOKEN,
    [shaped(*ERA_DATE_SHAPES)],
    [MONTH_NAME, DAY, OPTIONAL_COMMA, YEAR],  # April 12, 1985
    [NUMBER, lower("of", op="?"), MONTH_NAME, OPTIONAL_COMMA, YEAR],  # 12th of April 1985
    [NUMBER, HYPHEN, MONTH_NAME, HYPHEN, YEAR],  # 12-Apr-1985
    [digits(4), *chars("年"), MONTH_NUMBER, *MONTH_DAY_JA],  # 1985年4月12日
    *([*chars(era), ERA_YEAR, *chars("年"), MONTH_NUMBER, *MONTH_DAY_JA] for era in ERAS),
    # partial dates, which a birth cue makes personal: April 12, 12 April, April 1985, 4月12日
    [MONTH_NAME, DAY],
    [NUMBER, lower("of", op="?"), MONTH_NAME],
    [MONTH_NAME, OPTIONAL_COMMA, YEAR],
    [ANY_DIGITS, *MONTH_DAY_JA],
    [digits(4), *chars("年"), MONTH_NUMBER, *chars("月")],
    [ANY_DIGITS, orth("/"), digits(1, 2)],  # 4/12
]


# --- cue words: some numbers count only with one of these close by ------------------------------


@dataclass(frozen=True)
class Cue:
    phrases: tuple[str, ...]  # matched case-insensitively, as whole tokens
    tokens_before: int | None  # the cue may end at most this many tokens before the match ...
    tokens_after: int | None = None  # ... or start at most this many tokens after it


CUES = {
    "BIRTH_WORD": Cue(
        ("born", "birth", "birthday", "birthdate", "dob", "d.o.b", "d.o.b.", "bday")
        + ("生年月日", "生まれ", "誕生", "出生"),
        tokens_before=8,
        tokens_after=4,
    ),
    # 1985年4月12日生; only right after the date, as 発生 or 学生 nearby mean something else
    "BIRTH_SUFFIX": Cue(("生",), tokens_before=None, tokens_after=0),
    "PHONE_WORD": Cue(
        ("phone", "tel", "telephone", "mobile", "cell", "fax", "landline")
        + ("電話", "携帯", "自宅", "連絡先"),
        tokens_before=6,
    ),
    "POSTAL_WORD": Cue(("〒", "郵便", "postal", "zip", "postcode", "zipcode", "post"), 4),
}


@dataclass(frozen=True)
class Detector:
    name: str
    kind: str
    patterns: list[Pattern]
    check: Callable[[str], bool] | None = None
    cues: tuple[str, ...] = ()  # if given, one of these must be close by
    standalone: bool = False  # not when more digit groups follow or precede it


DETECTORS = (
    Detector("EMAIL", "EMAIL", EMAIL),
    Detector("IPV4_ADDRESS", "IP_ADDRESS", NUMBER_TOKEN, check=plausible_ipv4),
    Detector("IPV6_ADDRESS", "IP_ADDRESS", IPV6_ADDRESS),
    Detector("CARD_NUMBER", "CARD_NUMBER", CARD_NUMBER, check=plausible_card_number),
    # standalone: twelve digits of a longer number (a card failing the Luhn check) are not one
    Detector("MY_NUMBER", "MY_NUMBER", MY_NUMBER, check=twelve_digits, standalone=True),
    Detector("PHONE", "PHONE", PHONE, check=plausible_phone),
    Detector(
        "LOCAL_PHONE", "PHONE", LOCAL_PHONE, check=plausible_local_phone, cues=("PHONE_WORD",)
    ),
    Detector(
        "DATE_OF_BIRTH",
        "DATE_OF_BIRTH",
        DATE,
        check=plausible_date,
        cues=("BIRTH_WORD", "BIRTH_SUFFIX"),
    ),
    Detector("POSTAL_CODE", "POSTAL_CODE", POSTAL_CODE),
    Detector("POSTAL_CODE_AFTER_CUE", "POSTAL_CODE", POSTAL_CODE_AFTER_CUE, cues=("POSTAL_WORD",)),
)
PLACEHOLDER_KINDS = tuple(dict.fromkeys(detector.kind for detector in DETECTORS))
