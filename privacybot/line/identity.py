"""Who a LINE conversation is with, without keeping who that is.

A LINE user id is personal data (it identifies one person across every chat with the clinic's
account), so the conversation is named by a keyed hash of it: stable for the same person, and
useless to anyone reading the tracker store or the logs without the key.
"""

from __future__ import annotations

import hashlib
import hmac

from privacybot.settings import LineSettings


def conversation_key(settings: LineSettings, source_id: str) -> str:
    """The Rasa sender id of a LINE user (or group): `line-` and 32 hex digits."""
    key = settings.user_key or f"line-user-key:{settings.channel_secret}"
    digest = hmac.new(key.encode(), source_id.encode(), hashlib.sha256).hexdigest()
    return f"line-{digest[:32]}"
