"""Message catalogues: the assistant's own wording per language, filled from the clinic profile."""

from __future__ import annotations

from pathlib import Path

import yaml

from privacybot.settings import ClinicProfile

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

    @classmethod
    def for_clinic(cls, clinic: ClinicProfile, language: str) -> MessageCatalog:
        """The catalogue of one language, with the clinic profile's placeholders filled."""
        return cls(
            language,
            {
                "clinic_name": clinic.name,
                "contact_email": str(clinic.contact_email),
                "postal_address": clinic.postal_address,
                "emergency_number": clinic.emergency_number,
            },
        )

    def say(self, key: str, **extra: object) -> str:
        return self.messages[key].format(**{**self.values, **extra})
