"""What every action shares, loaded once when the action server starts."""

from __future__ import annotations

from privacybot.assistant import PolicyAssistant
from privacybot.handoff.intake_client import IntakeClient
from privacybot.settings import get_settings

ASSISTANT = PolicyAssistant()
CATALOG = ASSISTANT.catalog
INTAKE = IntakeClient.from_settings(get_settings())


def payload(outcome: str, intent: str = "", **extra: object) -> dict:
    """The custom payload of a reply that is not a policy answer (form prompts, outcomes)."""
    return {
        "outcome": outcome,
        "intent": intent,
        "confidence": 1.0,
        "sections": [],
        "scores": [],
        "policy_version": ASSISTANT.policy.policy_version,
        **extra,
    }
