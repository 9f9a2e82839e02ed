"""How well the redactor does on a labelled set: recall per kind, and ordinary messages altered.

An item is {"text": ..., "pii": [[KIND, "exact substring"], ...]}; `pii` is empty for an
ordinary message. A piece of personal data counts as found when the redacted text no longer
contains its substring and shows the kind's placeholder. The labelled set the tests use is
tests/redaction_set.yml; `format_recall_table(evaluate_redaction(items))` prints the figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from privacybot.privacy.redaction import Redactor, get_redactor


def evaluate_redaction(
    items: Iterable[Mapping[str, Any]], redactor: Redactor | None = None
) -> dict[str, Any]:
    redactor = redactor or get_redactor()
    per_kind: dict[str, dict[str, Any]] = {}
    missed: list[dict[str, str]] = []
    altered: list[dict[str, str]] = []
    messages = ordinary = 0
    for item in items:
        messages += 1
        text, pieces = item["text"], item.get("pii") or []
        redacted = redactor.redact(text)
        if not pieces:
            ordinary += 1
            if redacted != text:
                altered.append({"text": text, "redacted": redacted})
        for kind, substring in pieces:
            counts = per_kind.setdefault(kind, {"spans": 0, "found": 0})
            counts["spans"] += 1
            if substring not in redacted and f"[{kind}]" in redacted:
                counts["found"] += 1
            else:
                missed.append({"kind": kind, "substring": substring, "redacted": redacted})
    for counts in per_kind.values():
        counts["recall"] = counts["found"] / counts["spans"]
    spans = sum(counts["spans"] for counts in per_kind.values())
    found = sum(counts["found"] for counts in per_kind.values())
    return {
        "messages": messages,
        "spans": spans,
        "found": found,
        "recall": found / spans if spans else 1.0,
        "per_kind": dict(sorted(per_kind.items())),
        "missed": missed,
        "ordinary_messages": ordinary,
        "ordinary_altered": altered,
    }


def format_recall_table(result: Mapping[str, Any]) -> str:
    lines = [f"{'kind':<15}{'spans':>7}{'found':>7}{'recall':>9}"]
    for kind, counts in result["per_kind"].items():
        lines.append(f"{kind:<15}{counts['spans']:>7}{counts['found']:>7}{counts['recall']:>9.3f}")
    lines.append(f"{'all':<15}{result['spans']:>7}{result['found']:>7}{result['recall']:>9.3f}")
    lines.append(
        f"ordinary messages altered: {len(result['ordinary_altered'])}"
        f" of {result['ordinary_messages']}"
    )
    return "\n".join(lines)
