"""The staff's insights over a date range: what patients asked that the assistant could not
answer, answers it was unsure of, answers patients disliked and why, and why they asked for a
hand-off, per section, language and day. Everything is shown redacted (again, with today's
redactor), and nothing in it leads back to a patient."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from privacybot.desk.models import AnswerRecord
from privacybot.insights.grouping import group_paraphrases
from privacybot.privacy.redaction import redact

UNANSWERED = ("not_covered", "fallback")
MAX_DAYS = 366
MAX_LISTED = 200  # disliked answers listed one by one, most recent first


@dataclass(frozen=True)
class InsightsQuery:
    since: date
    until: date  # inclusive
    language: str | None = None

    def __post_init__(self) -> None:
        if self.until < self.since:
            raise ValueError("`until` is before `since`")
        if (self.until - self.since).days >= MAX_DAYS:
            raise ValueError(f"a range of at most {MAX_DAYS} days")


def _sections(row: AnswerRecord) -> list[int]:
    return [int(s) for s in row.sections.split(",") if s]


def _groups(rows: list[AnswerRecord], threshold: float) -> list[dict]:
    by_question: dict[str, list[AnswerRecord]] = defaultdict(list)
    for row in rows:
        by_question[redact(row.question).strip()].append(row)
    groups = group_paraphrases([q for q, same in by_question.items() for _ in same], threshold)
    result = []
    for group in groups:
        members = [row for wording in group.wordings for row in by_question[wording]]
        result.append(
            {
                "question": group.question,
                "count": group.count,
                "wordings": [w for w, _ in group.wordings.most_common(5)],
                "outcomes": dict(Counter(row.outcome for row in members)),
                "languages": dict(Counter(row.language for row in members)),
                "sections": sorted({s for row in members for s in _sections(row)}),
                "last_day": max(row.day for row in members).isoformat(),
            }
        )
    return result


def build_report(
    rows: list[AnswerRecord], query: InsightsQuery, low_confidence: float, threshold: float
) -> dict:
    days = [query.since + timedelta(days=n) for n in range((query.until - query.since).days + 1)]
    per_day = {day: Counter() for day in days}
    per_section: dict[int, Counter] = defaultdict(Counter)
    for row in rows:
        per_day[row.day][row.outcome] += 1
        for section in _sections(row):
            counts = per_section[section]
            counts["answers"] += 1
            counts[row.vote or "unrated"] += 1
            counts["low_confidence"] += row.outcome == "answer" and row.confidence < low_confidence
    unsure = [r for r in rows if r.outcome == "answer" and r.confidence < low_confidence]
    disliked = [r for r in rows if r.vote == "down"][:MAX_LISTED]
    return {
        "since": query.since.isoformat(),
        "until": query.until.isoformat(),
        "language": query.language,
        "totals": {
            **dict(Counter(row.outcome for row in rows)),
            "all": len(rows),
            "up": sum(row.vote == "up" for row in rows),
            "down": sum(row.vote == "down" for row in rows),
        },
        "per_day": [{"day": day.isoformat(), **per_day[day]} for day in days],
        "per_section": [
            {"section": section, **{k: int(v) for k, v in counts.items()}}
            for section, counts in sorted(per_section.items())
        ],
        "unanswered": _groups([r for r in rows if r.outcome in UNANSWERED], threshold),
        "low_confidence": _groups(unsure, threshold),
        "disliked": [
            {
                "day": row.day.isoformat(),
                "question": redact(row.question),
                "comment": redact(row.comment) if row.comment else None,
                "sections": _sections(row),
                "language": row.language,
            }
            for row in disliked
        ],
        "handoffs": [
            {"reason": intent or "request", "count": count}
            for intent, count in Counter(
                r.intent for r in rows if r.outcome == "request"
            ).most_common()
        ],
    }


CSV_COLUMNS = (
    "day",
    "channel",
    "language",
    "outcome",
    "intent",
    "confidence",
    "sections",
    "policy_version",
    "question",
    "vote",
    "comment",
)


def _cell(value: object) -> str:
    """A spreadsheet never runs a cell as a formula (=, +, -, @ first)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_csv(rows: list[AnswerRecord]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = {
            **{column: getattr(row, column) for column in CSV_COLUMNS},
            "question": redact(row.question),
            "comment": redact(row.comment) if row.comment else "",
            "confidence": f"{row.confidence:.3f}",
        }
        writer.writerow([_cell(values[column]) for column in CSV_COLUMNS])
    return out.getvalue()
