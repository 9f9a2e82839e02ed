"""Checks that confirm a pattern match really is the kind of number it looks like."""

from __future__ import annotations

import re

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])"  # 203, 0, 001
IPV4_TOKEN = rf"{_OCTET}(?:\.{_OCTET}){{3}}(?::[0-9]{{1,5}})?(?:/[0-9]{{1,2}})?"
IPV4 = re.compile(IPV4_TOKEN)
NUMERIC_DATE = re.compile(r"([0-9]{1,4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,4})")
ERA_DATE = re.compile(r"[MTSHR]([0-9]{1,2})[./]([0-9]{1,2})[./]([0-9]{1,2})")  # S60.4.12
MONTH_DAY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})")
# 1985年4月12日, 昭和60年4月12日, 令和元年5月1日, 4月12日, 1985年4月
JAPANESE_DATE = re.compile(
    r"(?:明治|大正|昭和|平成|令和)?(?:([0-9]{1,4}|元)年)?([0-9]{1,2})月(?:([0-9]{1,2})日)?"
)
# Digits including the country code, for the codes patients in Tokyo mostly give; others get
# the usual range. Without these a phone number swallowed the number written after it.
INTERNATIONAL_LENGTHS = {"1": (11, 11), "81": (11, 13), "44": (12, 13)}


def digits_of(text: str) -> str:
    return "".join(character for character in text if "0" <= character <= "9")


def luhn_valid(number: str) -> bool:
    total = 0
    for position, character in enumerate(reversed(number)):
        value = int(character)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def plausible_card_number(text: str) -> bool:
    if "-" in text and " " in text:
        return False  # one card is grouped one way; mixed separators join two numbers
    if "," in text or "." in text:
        return False  # an amount such as 1,234,567,890,123
    number = digits_of(text)
    return 13 <= len(number) <= 19 and luhn_valid(number)


def twelve_digits(text: str) -> bool:
    """My Number: any twelve digits; the check digit is not tested, so a mistyped one counts."""
    return len(digits_of(text)) == 12 and not any(mark in text for mark in "+.,")


def plausible_ipv4(text: str) -> bool:
    return IPV4.fullmatch(text) is not None


def plausible_phone(text: str) -> bool:
    """E.164 lengths after "+"; 10 or 11 digits after a leading 0 (Japan); else 3-3-4."""
    if text.startswith("(") and ")" not in text:
        return False  # "(03-1234-5678)": the bracket belongs to the sentence, not the number
    if not text[-1:].isdigit() or "," in text:
        return False  # "03-1234-5678 (": what follows the last digits is not the number's
    number = digits_of(text)
    if text.lstrip("(").startswith("+"):
        return _plausible_international(number)
    if number.startswith("0"):
        return len(number) in (10, 11) and text.count(".") in (0, 2)
    groups = [len(group) for group in re.findall(r"[0-9]+", text)]
    return groups == [3, 3, 4] and any(mark in text for mark in "-().")


def _plausible_international(number: str) -> bool:
    for code, (shortest, longest) in INTERNATIONAL_LENGTHS.items():
        if number.startswith(code):
            return shortest <= len(number) <= longest
    return 8 <= len(number) <= 13


def plausible_local_phone(text: str) -> bool:
    """1234-5678 after "TEL", but not a span of years such as 2019-2020."""
    first, _, second = text.partition("-")
    return not all(len(part) == 4 and part[:2] in ("19", "20") for part in (first, second))


def plausible_date(text: str) -> bool:
    """Whether the numbers of a date pattern's match make a calendar date.

    Numeric dates are read year-month-day, day-month-year or month-day-year; with a month
    name, the day must be one of 1 to 31.
    """
    compact = text.replace(" ", "")
    if "月" in compact:
        found = JAPANESE_DATE.fullmatch(compact)
        return bool(found) and _month_and_day(int(found[2]), int(found[3] or 1))
    if found := ERA_DATE.fullmatch(compact):
        era_year, month, day = map(int, found.groups())
        return 1 <= era_year <= 64 and _month_and_day(month, day)
    if found := MONTH_DAY.fullmatch(compact):
        return _month_and_day(int(found[1]), int(found[2]))
    if found := NUMERIC_DATE.fullmatch(compact):
        first, second, third = found.groups()
        if len(first) == 4:
            return (
                _plausible_year(first)
                and len(third) <= 2
                and _month_and_day(int(second), int(third))
            )
        if (
            len(first) > 2
            or len(third) not in (2, 4)
            or (len(third) == 4 and not _plausible_year(third))
        ):
            return False
        return _month_and_day(int(first), int(second)) or _month_and_day(int(second), int(first))
    # with a month name: 12 April 1985, April 12th, 12-Apr-1985
    numbers = [int(number) for number in re.findall(r"[0-9]+", compact) if len(number) <= 2]
    return any(character.isalpha() for character in compact) and all(
        1 <= number <= 31 for number in numbers
    )


def _plausible_year(year: str) -> bool:
    return year[:2] in ("19", "20")


def _month_and_day(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31
