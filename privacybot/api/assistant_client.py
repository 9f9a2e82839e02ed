"""The service's way to the assistant: one turn through Rasa's REST channel (internal only).

Every public channel of the service (web chat, LINE) talks to Rasa through this client, so a
down assistant looks the same everywhere: AssistantUnavailable.
"""

from __future__ import annotations

import itertools

import httpx


class AssistantUnavailable(Exception):
    """Rasa did not answer, or answered nothing: every message gets at least one reply from
    the action server, so an empty answer means the action server is down (Rasa logs the
    failed action and carries on with the conversation kept)."""


class AssistantClient:
    """Messages go to the Rasa instances in turn; with several, their shared lock store keeps
    each conversation's messages in order."""

    def __init__(self, rasa_urls: list[str], timeout: float = 30.0) -> None:
        self.webhooks = itertools.cycle([f"{url}/webhooks/rest/webhook" for url in rasa_urls])
        self.http = httpx.AsyncClient(timeout=timeout)

    async def turn(self, sender: str, text: str, language: str | None = None) -> list[dict]:
        """The assistant's replies to one message: [{"text", "buttons", "custom"}, ...].
        `language` is the channel's hint (the widget's chosen language); the assistant uses it
        when the message itself does not show its language ("OK", an e-mail address)."""
        body: dict = {"sender": sender, "message": text}
        if language:
            body["metadata"] = {"language": language}
        try:
            response = await self.http.post(next(self.webhooks), json=body)
            response.raise_for_status()
            messages = response.json()
        except (httpx.HTTPError, ValueError):
            raise AssistantUnavailable from None
        if not messages:  # Rasa answers, but the action server behind it did not
            raise AssistantUnavailable
        return [
            {
                "text": m.get("text"),
                "buttons": m.get("buttons") or [],
                "custom": m.get("custom") or {},
            }
            for m in messages
        ]

    async def close(self) -> None:
        await self.http.aclose()
