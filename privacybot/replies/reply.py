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
    CHAT_PRIVACY = "chat_privacy"  # about this chat itself, answered from the assistant's notice


class NextStep(StrEnum):
    """What the conversation does after the reply, decided with it (carried out by Rasa)."""

    REPLY = "reply"  # say the reply and wait for the next message
    REQUEST_FORM = "request_form"  # collect a request's details
    STATUS_FORM = "status_form"  # find a request and tell its status
    CONFIRM_CODE = "confirm_code"  # the code from a request's acknowledgment, to check


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
    next_step: NextStep = NextStep.REPLY
    # What this reply was about, for reading the next message against it (dialogue/context.py).
    context: dict | None = None
    # The message continued the previous answer ("and the pharmacy?").
    follow_up: bool = False
    # The policy version the conversation has been told, this reply included.
    shown_version: str = ""

    def payload(self) -> dict:
        """The `custom` payload sent with the reply's text on every channel."""
        data = asdict(self)
        data["outcome"] = str(self.outcome)
        data["next_step"] = str(self.next_step)
        data["confidence"] = round(self.confidence, 4)
        data["citations"] = [asdict(c) for c in self.citations]
        del data["buttons"]
        return data
