"""Message catalogues: the assistant's own wording per language, filled from the clinic profile."""

from __future__ import annotations

from pathlib import Path

import yaml

MESSAGES_DIR = Path(__file__).with_name("messages")


class MessageCatalog:
    def __init__(
        self, language: str, values: dict[str, str], directory: Path = MESSAGES_DIR
    ) -> None:
        self.language = language
        self.values = values
        self.messages: dict[str, str] = yaml.safe_load(
            (directory / f"{language}.yml").read_text(encoding="utf-8")
        )

    def say(self, key: str, **extra: object) -> str:
        return self.messages[key].format(**{**self.values, **extra})
