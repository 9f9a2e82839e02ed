"""What to do with each LINE webhook event, decided when it arrives.

- A text message in a 1:1 chat, or a postback from a quick reply: ask the assistant.
- A postback from a 👍 / 👎 quick reply under an answer: the patient's rating of it.
- Follow (the patient added the clinic's account): the welcome, with the privacy notice.
- A sticker, image, video, audio, file or location in a 1:1 chat: "I can read text messages".
- In a group or room the assistant collects no personal data: when invited (join) or
  mentioned it suggests a 1:1 chat; other group messages are not read at all.
- Anything else (unfollow, unsend, read receipts...): nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    JoinEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UserSource,
)

from privacybot.line.identity import conversation_key
from privacybot.settings import LineSettings
from privacybot.text.received import usable_text

CONVERSE, NOTICE, IGNORE, FEEDBACK = "converse", "notice", "ignore", "feedback"
# The postback data of a rating quick reply: feedback:<answer id>:<up|down>
FEEDBACK_PREFIX = "feedback:"


def feedback_data(answer_id: str, vote: str) -> str:
    return f"{FEEDBACK_PREFIX}{answer_id}:{vote}"


# After a 👎, what was missing, as quick replies (LINE has no form to type a comment into
# beside a message): missing:<answer id>:<reason>; each reason is worded in the catalogues
# (line_missing_<reason>), and its wording is what the staff's insights show as the comment.
MISSING_PREFIX = "missing:"
MISSING_REASONS = ("not_answered", "other_topic", "unclear", "too_long")


def missing_data(answer_id: str, reason: str) -> str:
    return f"{MISSING_PREFIX}{answer_id}:{reason}"


def parse_missing(data: str) -> tuple[str, str] | None:
    """(answer id, reason) of a "what was missing" postback, or None if it is not one."""
    answer_id, _, reason = data.removeprefix(MISSING_PREFIX).rpartition(":")
    if not data.startswith(MISSING_PREFIX) or not answer_id or reason not in MISSING_REASONS:
        return None
    return answer_id, reason


def parse_feedback(data: str) -> tuple[str, str] | None:
    """(answer id, vote) of a rating postback, or None if it is not one."""
    answer_id, _, vote = data.removeprefix(FEEDBACK_PREFIX).rpartition(":")
    if not data.startswith(FEEDBACK_PREFIX) or not answer_id or vote not in ("up", "down"):
        return None
    return answer_id, vote


@dataclass(frozen=True)
class InboxEntry:
    webhook_event_id: str
    event_type: str
    action: str
    reply_token: str | None = None
    conversation: str | None = None
    text: str | None = None
    notice: str | None = None


def _mentions_the_bot(message: TextMessageContent) -> bool:
    mention = message.mention
    return bool(mention and any(getattr(m, "is_self", False) for m in mention.mentionees or []))


def entry_for(raw: dict, settings: LineSettings) -> InboxEntry:
    """The inbox entry of one webhook event (its JSON object), its texts made storable (a
    lone surrogate or a NUL would make the database refuse the whole batch)."""
    try:
        event = Event.from_dict(raw)
    except (ValueError, TypeError, KeyError, AttributeError):
        # A kind of event or message this SDK version cannot read (LINE adds new ones):
        # in a 1:1 chat a message still gets "I can read text messages".
        entry = _entry_for_unreadable(raw)
    else:
        entry = _entry_for_event(event, settings)
    texts = {
        f.name: usable_text(value)
        for f in fields(entry)
        if isinstance(value := getattr(entry, f.name), str)
    }
    return replace(entry, **texts)


def _entry_for_unreadable(raw: dict) -> InboxEntry:
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
    one_to_one = source.get("type") == "user" and bool(source.get("userId"))
    token = raw.get("replyToken") if isinstance(raw.get("replyToken"), str) else None
    kind = str(raw.get("type") or "unknown")[:40]
    event_id = str(raw.get("webhookEventId") or "")[:64]
    if kind == "message" and one_to_one and token:
        return InboxEntry(event_id, kind, NOTICE, reply_token=token, notice="line_text_only")
    return InboxEntry(event_id, kind, IGNORE)


def _entry_for_event(event: Event, settings: LineSettings) -> InboxEntry:
    event_id = str(getattr(event, "webhook_event_id", "") or "")
    event_type = str(getattr(event, "type", "") or type(event).__name__)[:40]
    reply_token = getattr(event, "reply_token", None)
    source = getattr(event, "source", None)
    one_to_one = isinstance(source, UserSource) and bool(source.user_id)

    def entry(action: str, **details: str | None) -> InboxEntry:
        if action != IGNORE and not reply_token:
            action, details = IGNORE, {}
        return InboxEntry(event_id, event_type, action, reply_token=reply_token, **details)

    if isinstance(event, JoinEvent):
        return entry(NOTICE, notice="line_group_notice")
    if not one_to_one:
        message = getattr(event, "message", None)
        if isinstance(message, TextMessageContent) and _mentions_the_bot(message):
            return entry(NOTICE, notice="line_group_notice")
        return entry(IGNORE)
    conversation = conversation_key(settings, source.user_id)
    if isinstance(event, FollowEvent):
        return entry(NOTICE, notice="line_welcome")
    if isinstance(event, PostbackEvent) and event.postback and event.postback.data:
        if parse_feedback(event.postback.data) or parse_missing(event.postback.data):
            return entry(FEEDBACK, conversation=conversation, text=event.postback.data)
        return entry(CONVERSE, conversation=conversation, text=event.postback.data)
    if isinstance(event, MessageEvent):
        if isinstance(event.message, TextMessageContent):
            return entry(CONVERSE, conversation=conversation, text=event.message.text)
        return entry(NOTICE, notice="line_text_only")
    return entry(IGNORE)
