"""Text as received from a channel, made safe to process, store and log.

JSON can carry what Unicode text cannot: a lone surrogate ("\\ud800") cannot be encoded as
UTF-8, so it breaks the database, the log and the reply; NUL is refused by PostgreSQL; other
control characters mean nothing to a patient. Every channel passes what a patient typed
through `usable_text` before anything else sees it. Nothing else is changed: right-to-left
marks, combining accents, emoji and every script stay as they were typed.
"""

from __future__ import annotations

import re
import unicodedata

REPLACEMENT = "\ufffd"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_KEPT_CONTROLS = "\n\t"


def usable_text(text: str) -> str:
    """The text with lone surrogates replaced by U+FFFD and control characters (but line
    breaks and tabs) removed; carriage returns become line breaks."""
    text = _LONE_SURROGATE.sub(REPLACEMENT, text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in _KEPT_CONTROLS or unicodedata.category(ch) != "Cc")
