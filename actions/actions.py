"""The reply action: hands the patient's message, Rasa's intent ranking and what the
conversation knows to the assistant, and carries out the next step it decided (say the reply,
or start the request or status form)."""

from __future__ import annotations

import uuid
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import ASSISTANT, INTAKE, channel_language, kind_titles
from privacybot.desk.confirmation import CODE_DIGITS, find_code
from privacybot.desk.references import find_reference
from privacybot.dialogue import AnswerContext, Turn
from privacybot.handoff.form import kind_from_text
from privacybot.handoff.intake_client import IntakeUnavailable
from privacybot.replies import NextStep, Outcome, Reply
from privacybot.replies.catalog import MessageCatalog


class ActionRespond(Action):
    def name(self) -> str:
        return "action_respond"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        ranking = {
            item["name"]: float(item.get("confidence") or 0.0)
            for item in message.get("intent_ranking") or []
            if item.get("name")
        }
        hint = channel_language(tracker) or tracker.get_slot("language")
        turn = Turn(
            context=AnswerContext.from_slot(tracker.get_slot("answer_context")),
            handoff_offered=bool(tracker.get_slot("handoff_offered")),
            shown_version=tracker.get_slot("policy_version_shown") or "",
            awaiting_confirmation=tracker.get_slot("awaiting_confirmation") or "",
        )
        reply = ASSISTANT.respond(text, rasa_intents=ranking or None, language=hint, turn=turn)
        catalog = ASSISTANT.catalogs[reply.language]
        remembered = [SlotSet("language", reply.language), SlotSet("answer_context", reply.context)]
        if reply.shown_version:
            remembered.append(SlotSet("policy_version_shown", reply.shown_version))
        if reply.next_step == NextStep.STATUS_FORM:
            # The status form speaks next (its prompt, or the status). Only a reference read
            # from the words is set: an empty value would be validated, and refused, as an
            # answer the patient never gave.
            reference = find_reference(text)
            known = [SlotSet("status_reference", reference)] if reference else []
            return [*remembered, *known, FollowupAction("status_form")]
        if reply.next_step == NextStep.REQUEST_FORM:
            return remembered + start_request_form(dispatcher, reply, text, catalog)
        if reply.next_step == NextStep.CONFIRM_CODE:
            return remembered + confirm_code(dispatcher, reply, tracker, text, catalog)
        say_reply(dispatcher, reply, catalog)
        return [*remembered, SlotSet("handoff_offered", reply.offer_handoff)]


def say_reply(dispatcher: CollectingDispatcher, reply: Reply, catalog: MessageCatalog) -> None:
    """The reply, with the offer to pass a request on when the assistant made one."""
    buttons = reply.buttons
    if reply.offer_handoff:
        reply.text += "\n" + catalog.say("handoff_offer")
        yes = catalog.say("handoff_offer_yes")
        buttons = [{"title": yes, "payload": yes}]
    payload = reply.payload()
    payload["text"] = reply.text
    dispatcher.utter_message(text=reply.text, json_message=payload, buttons=buttons)


# After these, a number typed in the chat is no longer taken for the code.
CODE_SETTLED = ("confirmed", "already", "expired", "locked", "invalid")


def confirm_code(
    dispatcher: CollectingDispatcher,
    reply: Reply,
    tracker: Tracker,
    text: str,
    catalog: MessageCatalog,
) -> list[dict]:
    """Check the code from the acknowledgment with the service, and say what came of it."""
    reference = tracker.get_slot("awaiting_confirmation")
    try:
        outcome = INTAKE.confirm_code(reference, find_code(text) or "")
    except IntakeUnavailable:
        outcome = "unavailable"  # the reply's own text: try again, or follow the link
    if outcome != "unavailable":
        key = "code_expired" if outcome == "invalid" else f"code_{outcome}"
        reply.text = catalog.say(key, reference=reference, digits=CODE_DIGITS)
    payload = {**reply.payload(), "text": reply.text, "request_status": outcome}
    dispatcher.utter_message(text=reply.text, json_message=payload)
    settled = outcome in CODE_SETTLED
    return [SlotSet("awaiting_confirmation", None)] if settled else []


def start_request_form(
    dispatcher: CollectingDispatcher, reply: Reply, text: str, catalog: MessageCatalog
) -> list[dict]:
    """Say what happens next, then let Rasa's request form collect the details."""
    intro = catalog.say("request_intro")
    payload = {**reply.payload(), "outcome": "request", "text": intro}
    dispatcher.utter_message(text=intro, json_message=payload)
    # Only a kind read from the words is set: an empty value would be validated as an answer.
    kind = kind_from_text(text, kind_titles()) if reply.outcome == Outcome.REQUEST else None
    known = [SlotSet("request_kind", kind)] if kind else []
    return [
        SlotSet("handoff_offered", False),
        SlotSet("request_form_id", uuid.uuid4().hex),
        *known,
        FollowupAction("request_form"),
    ]
