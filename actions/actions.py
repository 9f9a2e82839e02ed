"""The reply action: hands the patient's message and Rasa's intent ranking to the assistant.

The assistant (corpus, embedding model, index) is loaded once when the action server starts.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from privacybot.assistant import PolicyAssistant

ASSISTANT = PolicyAssistant()


class ActionRespond(Action):
    def name(self) -> str:
        return "action_respond"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        ranking = {
            item["name"]: float(item.get("confidence") or 0.0)
            for item in message.get("intent_ranking") or []
            if item.get("name")
        }
        reply = ASSISTANT.respond(message.get("text") or "", rasa_intents=ranking or None)
        dispatcher.utter_message(
            text=reply.text, json_message=reply.payload(), buttons=reply.buttons
        )
        return []
