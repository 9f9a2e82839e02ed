"""The reply action: hands the patient's message and Rasa's intent ranking to the assistant,
and starts the request or status form when the message asks for one."""

from __future__ import annotations

import uuid
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import (
    ASSISTANT,
    channel_language,
    is_button,
    kind_titles,
)
from privacybot.desk.references import find_reference
from privacybot.handoff.form import is_yes, kind_from_text
from privacybot.replies import Outcome
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
        reply = ASSISTANT.respond(text, rasa_intents=ranking or None, language=hint)
        catalog = ASSISTANT.catalogs[reply.language]
        language = [SlotSet("language", reply.language)]
        accepted_offer = tracker.get_slot("handoff_offered") and (
            reply.intent == "affirm" or is_yes(text) or is_button(text, "handoff_offer_yes")
        )
        if reply.outcome == Outcome.REQUEST and reply.intent == "ask_request_status":
            # The status form speaks next (its prompt, or the status). Only a reference read
            # from the words is set: an empty value would be validated, and refused, as an
            # answer the patient never gave.
            reference = find_reference(text)
            known = [SlotSet("status_reference", reference)] if reference else []
            return [*language, *known, FollowupAction("status_form")]
        if reply.outcome == Outcome.REQUEST or (accepted_offer and reply.outcome != "emergency"):
            return language + start_request_form(dispatcher, reply, text, catalog)

        events: list[dict[str, Any]] = [SlotSet("handoff_offered", False)]
        buttons = reply.buttons
        if reply.offer_handoff:
            reply.text += "\n" + catalog.say("handoff_offer")
            buttons = [
                {
                    "title": catalog.say("handoff_offer_yes"),
                    "payload": catalog.say("handoff_offer_yes"),
                }
            ]
            events = [SlotSet("handoff_offered", True)]
        payload = reply.payload()
        payload["text"] = reply.text
        dispatcher.utter_message(text=reply.text, json_message=payload, buttons=buttons)
        return language + events


def start_request_form(
    dispatcher: CollectingDispatcher, reply, text: str, catalog: MessageCatalog
) -> list[dict]:
    """Say what happens next, then let Rasa's request form collect the details."""
    intro = catalog.say("request_intro")
    payload = {**reply.payload(), "outcome": "request", "text": intro}
    dispatcher.utter_message(text=intro, json_message=payload)
    kind = kind_from_text(text, kind_titles()) if reply.outcome == Outcome.REQUEST else None
    # Only a kind read from the words is set: an empty value would be validated as an answer.
    known = [SlotSet("request_kind", kind)] if kind else []
    return [
        SlotSet("handoff_offered", False),
        SlotSet("request_form_id", uuid.uuid4().hex),
        *known,
        FollowupAction("request_form"),
    ]
