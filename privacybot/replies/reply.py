"""The reply to one patient message, with the details every channel and the staff tools show."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    ANSWER = "answer"
    REQUEST = "request"
    NOT_COVERED = "not_covered"
    OUT_OF_SCOPE = "out_of_scope"
    EMERGENCY = "emergency"
    SMALLTALK = "smalltalk"
    FALLBACK = "fallback"
    FORGET = "forget"  # the patient asked to delete this conversation


@dataclass
class Citation:
    section: int
    title: str
    passages: list[dict]  # {"id", "text", "context"} quoted verbatim
    label: str = ""  # "Section 5 (Cookies, etc.)", in the reply's language

    def __post_init__(self) -> None:
        if not self.label:
            self.label = f"Section {self.section} ({self.title})"


@dataclass
class Reply:
    outcome: Outcome
    text: str
    intent: str
    confidence: float
    sections: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    policy_version: str = ""
    lead: str = ""
    citations: list[Citation] = field(default_factory=list)
    buttons: list[dict] = field(default_factory=list)
    rasa_intents: dict[str, float] = field(default_factory=dict)  # Rasa's ranking, for staff
    language: str = ""  # the language of the reply's own wording (en, ja)
    # The answer is about patients' requests: the channel offers to pass one to the clinic.
    offer_handoff: bool = False

    def payload(self) -> dict:
        """The `custom` payload sent with the reply's text on every channel."""
        data = asdict(self)
        data["outcome"] = str(self.outcome)
        data["confidence"] = round(self.confidence, 4)
        data["citations"] = [asdict(c) for c in self.citations]
        del data["buttons"]
        return data
