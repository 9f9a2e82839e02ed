"""The secrets a patient's e-mail carries: the confirmation link, the code to type into the
chat, and the link to the request's status page.

Each is random and kept in the database as its SHA-256 only, so a copy of the database cannot
be used to confirm a request or read its status. The code is short enough to type, so it is
bound to its reference and stops working after a few wrong tries (then the link still does).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass

CODE_DIGITS = 6
MAX_CODE_FAILURES = 5
TOKEN = re.compile(r"^[A-Za-z0-9_\-]{20,100}$")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def code_digest(reference: str, code: str) -> str:
    return digest(f"{reference}:{code}")


def find_code(text: str) -> str | None:
    """The confirmation code in what a patient typed ("123 456", "１２３４５６", "code: 123456")."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    match = re.fullmatch(r"\D{0,40}?(\d{3})[\s\-]?(\d{3})\D{0,10}", text.strip())
    return match[1] + match[2] if match else None


@dataclass(frozen=True)
class Secrets:
    """What goes into the acknowledgment; only the digests are stored."""

    confirm_token: str
    code: str
    access_token: str

    @classmethod
    def new(cls) -> Secrets:
        return cls(
            confirm_token=secrets.token_urlsafe(32),
            code=f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}",
            access_token=secrets.token_urlsafe(32),
        )


def plausible_token(token: str) -> bool:
    """A token that could be one of ours (anything else is refused before the database)."""
    return bool(TOKEN.match(token or ""))
