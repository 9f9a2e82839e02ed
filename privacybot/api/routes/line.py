"""The LINE webhook: https://<service>/line/webhook, set as the channel's webhook URL.

The X-Line-Signature of the raw body is checked first; a missing or wrong one gets 400 with
nothing parsed, stored or logged. Valid events go to the LINE inbox and the webhook answers
at once; the responder replies after (privacybot/line/responder.py).
"""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, HTTPException, Request
from linebot.v3.webhook import SignatureValidator
from sqlalchemy.exc import SQLAlchemyError

from privacybot.api.security import LIMIT_RESPONSES
from privacybot.line.events import entry_for

MAX_BODY_BYTES = 1_000_000

router = APIRouter(tags=["LINE"], responses=LIMIT_RESPONSES)


@router.post(
    "/line/webhook",
    responses={
        400: {"description": "missing or wrong X-Line-Signature, or a malformed body"},
        404: {"description": "LINE is not configured for this clinic"},
        413: {"description": "body too large"},
        503: {"description": "the events could not be stored; LINE redelivers them"},
    },
)
async def line_webhook(request: Request) -> dict[str, str]:
    settings = request.app.state.settings.line
    if not settings.enabled:
        raise HTTPException(status_code=404, detail="LINE is not configured")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(status_code=413, detail="body too large")
    signature = request.headers.get("x-line-signature", "")
    if not signature:
        raise HTTPException(status_code=400, detail="invalid signature")
    try:
        valid = SignatureValidator(settings.channel_secret).validate(body.decode(), signature)
    except UnicodeDecodeError:
        valid = False
    if not valid:
        raise HTTPException(status_code=400, detail="invalid signature")
    try:
        events = json.loads(body)["events"]
        entries = [entry_for(event, settings) for event in events]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise HTTPException(status_code=400, detail="malformed webhook body") from None
    try:
        new = await asyncio.to_thread(request.app.state.line_inbox.record, entries)
    except SQLAlchemyError:  # LINE redelivers what was not acknowledged
        raise HTTPException(status_code=503, detail="try again later") from None
    if new:
        request.app.state.line_wakeup.set()
        # The user id is used here, in memory, and never stored (line/identity.py).
        chats = [_one_to_one_sender(event) for event in events]
        responder = getattr(request.app.state, "line_responder", None)
        if responder is not None and any(chats):
            task = asyncio.create_task(responder.show_loading([c for c in chats if c]))
            _ANIMATIONS.add(task)
            task.add_done_callback(_ANIMATIONS.discard)
    return {"status": "ok"}


# Animations under way (kept so that they are not collected before they finish).
_ANIMATIONS: set[asyncio.Task] = set()


def _one_to_one_sender(event: dict) -> str | None:
    """The user id of a first delivery of a text message in a one-to-one chat, else None."""
    source, message, delivery = (
        part if isinstance(part := event.get(key), dict) else {}
        for key in ("source", "message", "deliveryContext")
    )
    if event.get("type") != "message" or message.get("type") != "text":
        return None
    user = source.get("userId") if source.get("type") == "user" else None
    return user if isinstance(user, str) and not delivery.get("isRedelivery") else None
