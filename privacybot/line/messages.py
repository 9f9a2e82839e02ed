"""The assistant's replies as LINE messages, within the Messaging API's limits.

LINE counts a text's length in UTF-16 code units (an emoji outside the Basic Multilingual
Plane counts twice), takes at most 5 messages a reply, and at most 13 quick-reply items with
labels of up to 20 characters. A long answer is split where a reader would pause: between
paragraphs, then bullets or lines, then sentences, and only as a last resort inside one.
"""

from __future__ import annotations

import re

from linebot.v3.messaging import PostbackAction, QuickReply, QuickReplyItem, TextMessage

MAX_TEXT_UNITS = 5000
MAX_MESSAGES = 5
MAX_QUICK_REPLIES = 13
MAX_LABEL_CHARS = 20
MAX_POSTBACK_CHARS = 300

# Boundaries to split at, most natural first: zero-width, so no character is lost.
_BOUNDARIES = (
    re.compile(r"(?<=\n\n)"),
    re.compile(r"(?<=\n)"),
    re.compile(r"(?<=[.!?]\s)|(?<=[。！？])"),
    re.compile(r"(?<=[,;:]\s)|(?<=[、，])"),
    re.compile(r"(?<=\s)"),
)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut_units(text: str, limit: int) -> tuple[str, str]:
    """The longest head of text within limit UTF-16 units (never halving a character)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index], text[index:]
    return text, ""


def split_text(text: str, limit: int = MAX_TEXT_UNITS, level: int = 0) -> list[str]:
    """Pieces of text, each within limit UTF-16 units, cut at the most natural boundary;
    neighbouring pieces are packed together while they fit."""
    text = text.strip()
    if utf16_units(text) <= limit:
        return [text] if text else []
    if level == len(_BOUNDARIES):
        head, rest = _cut_units(text, limit)
        return [head.strip(), *split_text(rest, limit, level)]
    pieces: list[str] = []
    current = ""
    for part in _BOUNDARIES[level].split(text):
        if utf16_units(current + part) <= limit:
            current += part
            continue
        if current.strip():
            pieces.append(current.strip())
        if utf16_units(part) > limit:
            pieces.extend(split_text(part, limit, level + 1))
            current = ""
        else:
            current = part
    if current.strip():
        pieces.append(current.strip())
    return pieces


def _label(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= MAX_LABEL_CHARS else title[: MAX_LABEL_CHARS - 1] + "…"


def quick_reply(buttons: list[dict]) -> QuickReply | None:
    """Buttons as quick replies: a tap sends the button's payload back as a postback and
    shows its full title in the chat as the patient's message."""
    items = [
        QuickReplyItem(
            action=PostbackAction(
                label=_label(button["title"]),
                data=str(button.get("payload") or button["title"])[:MAX_POSTBACK_CHARS],
                display_text=str(button["title"])[:MAX_POSTBACK_CHARS],
            )
        )
        for button in buttons[:MAX_QUICK_REPLIES]
        if button.get("title")
    ]
    return QuickReply(items=items) if items else None


def line_messages(
    replies: list[dict], continued_note: str, rating: list[dict] | None = None
) -> list[TextMessage]:
    """At most five text messages for one reply token. The last reply's buttons become quick
    replies on the last message, followed by the `rating` buttons (👍 / 👎) where LINE's 13
    leave room for them. If the texts need more than five messages, the fifth ends with
    continued_note instead of the rest."""
    texts = [piece for reply in replies for piece in split_text(reply.get("text") or "")]
    if len(texts) > MAX_MESSAGES:
        room = MAX_TEXT_UNITS - utf16_units(continued_note) - 2
        last = split_text(texts[MAX_MESSAGES - 1], room)[0]
        texts = [*texts[: MAX_MESSAGES - 1], f"{last}\n\n{continued_note}"]
    buttons = replies[-1].get("buttons") or [] if replies else []
    if rating and len(buttons) + len(rating) <= MAX_QUICK_REPLIES:
        buttons = [*buttons, *rating]
    messages = [TextMessage(text=text) for text in texts]
    if messages and (quick := quick_reply(buttons)):
        messages[-1].quick_reply = quick
    return messages
