"""Reference numbers patients can quote: PR-<year>-<6 random digits>.

Random rather than sequential, so one reference says nothing about anyone else's; the
database's unique constraint catches the rare collision and a new number is drawn.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import UTC, datetime

REFERENCE = re.compile(r"^PR-(\d{4})-(\d{6})$")


def new_reference(now: datetime | None = None) -> str:
    year = (now or datetime.now(UTC)).year
    return f"PR-{year}-{secrets.randbelow(1_000_000):06d}"


def normalise_reference(text: str) -> str | None:
    """'pr 2026 000123' or 'PR-2026-000123.' -> 'PR-2026-000123'; None if it is not one."""
    compact = re.sub(r"[^0-9A-Za-z]", "", str(text or "")).upper()
    match = re.fullmatch(r"PR(\d{4})(\d{6})", compact)
    return f"PR-{match[1]}-{match[2]}" if match else None


def find_reference(text: str) -> str | None:
    text = unicodedata.normalize("NFKC", str(text or ""))  # ＰＲ－２０２６… typed full-width
    match = re.search(r"PR[\s\-_ー−]*(\d{4})[\s\-_ー−]*(\d{6})", text, re.IGNORECASE)
    return f"PR-{match[1]}-{match[2]}" if match else None
