"""Talk to the assistant through Rasa's REST channel, as every channel of the service does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import httpx


@dataclass
class Turn:
    """The assistant's answer to one message: its texts and the first reply's custom payload."""

    messages: list[dict]
    seconds: float
    texts: list[str] = field(init=False)
    payload: dict = field(init=False)

    def __post_init__(self) -> None:
        self.texts = [m["text"] for m in self.messages if m.get("text")]
        self.payload = next((m["custom"] for m in self.messages if m.get("custom")), {})

    @property
    def outcome(self) -> str:
        return self.payload.get("outcome", "fallback" if self.messages else "no_reply")

    @property
    def sections(self) -> list[int]:
        return list(self.payload.get("sections") or [])


class RestClient:
    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(timeout=timeout)

    def is_up(self) -> bool:
        try:
            return self.http.get(f"{self.base_url}/webhooks/rest/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def send(self, message: str, sender: str | None = None, language: str | None = None) -> Turn:
        """One turn; `language` is the channel's hint, as the widget sends its chosen one."""
        sender = sender or new_conversation_id()
        body: dict = {"sender": sender, "message": message}
        if language:
            body["metadata"] = {"language": language}
        response = self.http.post(f"{self.base_url}/webhooks/rest/webhook", json=body)
        response.raise_for_status()
        return Turn(response.json(), response.elapsed.total_seconds())

    def close(self) -> None:
        self.http.close()


def new_conversation_id() -> str:
    return f"staff-{uuid.uuid4().hex}"
