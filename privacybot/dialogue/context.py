"""What the last reply was about, so that "and the pharmacy?" or "why?" is read against it.

It is kept in the Rasa slot `answer_context` between turns. It holds no patient text: only the
outcome, the sections quoted, and the words of the patient's question that are words of the
clinic's policy (so a name, an address or a symptom never reaches it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

MAX_TERMS = 12
# Outcomes a follow-up can continue: an answer, an honest "the policy does not say", or an
# answer about this chat itself.
CONTINUABLE = ("answer", "not_covered", "chat_privacy")


@dataclass
class AnswerContext:
    outcome: str
    sections: list[int] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    language: str = ""

    @property
    def continuable(self) -> bool:
        return self.outcome in CONTINUABLE

    def to_slot(self) -> dict:
        return asdict(self)

    @classmethod
    def from_slot(cls, value: object) -> AnswerContext | None:
        """The context stored in the slot, or None when there is none or it is not one of
        ours (an old conversation, a forgotten one, a hand-edited tracker)."""
        if not isinstance(value, dict) or not isinstance(value.get("outcome"), str):
            return None
        sections = value.get("sections") or []
        terms = value.get("terms") or []
        if not isinstance(sections, list) or not isinstance(terms, list):
            return None
        return cls(
            outcome=value["outcome"],
            sections=[s for s in sections if isinstance(s, int)][:3],
            terms=[t for t in terms if isinstance(t, str)][:MAX_TERMS],
            language=str(value.get("language") or ""),
        )


def policy_terms(words: list[str], vocabulary: set[str], earlier: list[str]) -> list[str]:
    """The question's words that the policy uses, then the earlier turns' (newest first)."""
    kept: list[str] = []
    for word in [*words, *earlier]:
        if word in vocabulary and word not in kept:
            kept.append(word)
    return kept[:MAX_TERMS]


@dataclass
class Turn:
    """What the conversation knows when a message arrives."""

    context: AnswerContext | None = None
    # The last reply offered to pass a request to the clinic...
    handoff_offered: bool = False
    # ...and this message is that offer's button, in any of the clinic's languages.
    accepted_offer: bool = False
    # The policy version this conversation was already told (answers say it once).
    shown_version: str = ""
    # A form is collecting a request's details (or finding one): a question asked here is
    # about the request or the policy, not another topic.
    in_form: bool = False
    # The reference of a request this conversation made, waiting for the code from its
    # acknowledgment e-mail ("" when none).
    awaiting_confirmation: str = ""
