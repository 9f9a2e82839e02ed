"""What every action shares, loaded once when the action server starts."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from privacybot.assistant import PolicyAssistant
from privacybot.desk.intake import FieldError
from privacybot.dialogue import AnswerContext, Turn
from privacybot.handoff.form_spec import KINDS
from privacybot.handoff.intake_client import IntakeClient
from privacybot.replies.catalog import MessageCatalog
from privacybot.settings import get_settings

SETTINGS = get_settings()
ASSISTANT = PolicyAssistant()
INTAKE = IntakeClient.from_settings(SETTINGS)


def channel_language(tracker: Tracker) -> str | None:
    """The language the channel asks for (the widget's switch), if it is one of the clinic's."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    language = metadata.get("language") if isinstance(metadata, dict) else None
    return language if language in ASSISTANT.catalogs else None


def conversation_language(tracker: Tracker) -> str:
    """The language this conversation is held in: the widget's choice, else the language
    the patient has been writing in, else the clinic's first language."""
    language = channel_language(tracker) or tracker.get_slot("language")
    return language if language in ASSISTANT.catalogs else ASSISTANT.default_language


def catalog_for(tracker: Tracker) -> MessageCatalog:
    return ASSISTANT.catalogs[conversation_language(tracker)]


def is_button(text: str, key: str) -> bool:
    """`text` is the wording of the button `key` in any of the clinic's languages."""
    return (text or "").strip() in {c.say(key) for c in ASSISTANT.catalogs.values()}


def kind_titles() -> dict[str, str]:
    """Every language's button title of each kind of request, mapped to the kind."""
    return {
        catalog.say(f"kind_{kind}"): kind
        for catalog in ASSISTANT.catalogs.values()
        for kind in KINDS
    }


def invalid_answer(catalog: MessageCatalog, error: FieldError) -> str:
    """Why a form answer was not accepted, in the catalogue's language."""
    key = f"field_{error.code}"
    reason = catalog.say(key, **error.values) if key in catalog.messages else error.reason
    return catalog.say("invalid_answer", reason=reason)


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


def answer_inside_form(text: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """A question typed where a form expected an answer ("wait, who sees those records?") is
    answered; the form then asks its question again. False when `text` is no question."""
    if not text.rstrip().endswith(("?", "？")):
        return False
    turn = Turn(
        context=AnswerContext.from_slot(tracker.get_slot("answer_context")),
        shown_version=tracker.get_slot("policy_version_shown") or "",
        in_form=True,
    )
    reply = ASSISTANT.respond(text, language=conversation_language(tracker), turn=turn)
    dispatcher.utter_message(text=reply.text, json_message=reply.payload())
    return True
