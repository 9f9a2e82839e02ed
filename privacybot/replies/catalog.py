"""Message catalogues: the assistant's own wording per language, filled from the clinic profile."""

from __future__ import annotations

from pathlib import Path

import yaml

from privacybot.settings import ClinicProfile

MESSAGES_DIR = Path(__file__).with_name("messages")


class CatalogError(ValueError):
    """A language without a message catalogue; the message names the file to write."""


class MessageCatalog:
    def __init__(
        self, language: str, values: dict[str, str], directory: Path = MESSAGES_DIR
    ) -> None:
        self.language = language
        self.values = values
        path = directory / f"{language}.yml"
        if not path.is_file():
            raise CatalogError(
                f"{path}:0: no message catalogue for language {language!r}; copy en.yml to "
                "this name and translate it"
            )
        self.messages: dict[str, str] = yaml.safe_load(path.read_text(encoding="utf-8"))

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
