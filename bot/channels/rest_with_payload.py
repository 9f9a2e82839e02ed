"""Rasa's REST channel, one message per bot reply with its `custom` payload attached.

Rasa's own REST channel splits a reply into a text message (and again at every blank line)
plus a separate message for the custom payload. Here each bot reply stays one JSON object,
`{"recipient_id", "text", "buttons", "custom"}`, so a client always knows which outcome,
sections and policy version belong to which text. The channel keeps the name `rest`, hence
the URL `POST /webhooks/rest/webhook` and its request body `{"sender", "message"}`.

It also refuses malformed requests with a clear 400/413 instead of a stack trace, and never
logs the message text (patients' messages are personal information). What a patient typed
is always text: a message starting with "/" reaches Rasa without the slash, so it is never
read as Rasa's intent-trigger syntax ("/restart" would wipe a form in progress, and Rasa
warns with the whole message when the rest does not parse). Lone surrogates and control
characters are cleaned first (privacybot.text.received).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from privacybot.privacy.redaction import install_log_redaction
from privacybot.text.received import usable_text

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 5000
MAX_SENDER_CHARS = 128
# Rasa reads "/intent{...}" as a triggered intent (rasa.shared.constants.INTENT_MESSAGE_PREFIX)
INTENT_TRIGGER_PREFIX = "/"


def as_patient_text(text: str) -> str:
    """What Rasa gets of a patient's message: usable text that cannot trigger an intent."""
    text = usable_text(text).strip()
    while text.startswith(INTENT_TRIGGER_PREFIX):
        text = text[len(INTENT_TRIGGER_PREFIX) :].lstrip()
    return text


class ReplyCollector(CollectingOutputChannel):
    """Collects each bot reply as one message: text, buttons and custom payload together."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        reply = {
            "recipient_id": recipient_id,
            "text": message.get("text"),
            "buttons": message.get("buttons") or message.get("quick_replies"),
            "image": message.get("image"),
            "custom": message.get("custom"),
        }
        await self._persist_message({k: v for k, v in reply.items() if v is not None})


class RestWithPayloadInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        # Rasa has set up its log handlers by now; from here on they redact, and Python
        # warnings (Rasa reports some problems with the message in one) go through them too.
        logging.captureWarnings(True)
        install_log_redaction("rasa", "sanic.root", "sanic.error", "py.warnings")
        webhook = Blueprint("rest_with_payload_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body, problem = _parse_body(request)
            if problem:
                return response.json({"error": problem}, status=400)
            text = as_patient_text(body["message"])
            if len(text) > MAX_MESSAGE_CHARS:
                return response.json(
                    {"error": f"'message' is longer than {MAX_MESSAGE_CHARS} characters"},
                    status=413,
                )
            collector = ReplyCollector()
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        body["sender"],
                        input_channel=self.name(),
                        metadata=metadata,
                    )
                )
            except asyncio.CancelledError:
                logger.error("REST turn timed out")
                return response.json({"error": "the assistant timed out"}, status=503)
            return response.json(collector.messages)

        return webhook


def _parse_body(request: Request) -> tuple[dict[str, Any], str | None]:
    try:
        body = request.json
    except Exception:  # sanic raises its own error type for a body that is not JSON
        return {}, "the request body is not valid JSON"
    if not isinstance(body, dict):
        return {}, "the request body must be a JSON object with 'sender' and 'message'"
    sender, text = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return {}, f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters"
    if not isinstance(text, str):
        return {}, "'message' must be a string"
    return body, None
