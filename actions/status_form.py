"""The status form: a patient asks how their request is going. The status is told only to
someone who gives both the reference and the e-mail address used on the request."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.request_form import ask_action, say, stop_form
from actions.runtime import (
    ASSISTANT,
    INTAKE,
    answer_inside_form,
    catalog_for,
    conversation_language,
    invalid_answer,
)
from privacybot.desk import intake
from privacybot.desk.references import find_reference, normalise_reference
from privacybot.handoff.form import is_cancel
from privacybot.handoff.form_spec import STATUS_FORM
from privacybot.handoff.intake_client import IntakeUnavailable

ASK_ACTIONS = [ask_action(field) for field in STATUS_FORM]


class ValidateStatusForm(FormValidationAction):
    def name(self) -> str:
        return "validate_status_form"

    def _interrupt(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str
    ) -> dict | None:
        """Cancel, an emergency or a question interrupts the form; None lets the answer
        through."""
        text = str(value or "")
        if ASSISTANT.is_emergency(text):
            reply = ASSISTANT.emergency_reply(conversation_language(tracker))
            dispatcher.utter_message(text=reply.text, json_message=reply.payload())
            return stop_form(status_reference=None, status_email=None)
        if is_cancel(text):
            return stop_form(status_reference=None, status_email=None)
        if not find_reference(text) and answer_inside_form(text, dispatcher, tracker):
            return {slot: None}
        return None

    def validate_status_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if (stop := self._interrupt(value, dispatcher, tracker, "status_reference")) is not None:
            return stop
        reference = normalise_reference(str(value)) or find_reference(str(value))
        if reference is None:
            say(
                dispatcher,
                catalog_for(tracker).say("status_bad_reference"),
                form_slot="status_reference",
            )
        return {"status_reference": reference}

    def validate_status_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if (stop := self._interrupt(value, dispatcher, tracker, "status_email")) is not None:
            return stop
        try:
            return {"status_email": intake.clean_email(str(value))}
        except intake.FieldError as error:
            say(dispatcher, invalid_answer(catalog_for(tracker), error), form_slot="status_email")
            return {"status_email": None}


class ActionTellRequestStatus(Action):
    def name(self) -> str:
        return "action_tell_request_status"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        reference, email = tracker.get_slot("status_reference"), tracker.get_slot("status_email")
        catalog = catalog_for(tracker)
        cleared = [SlotSet("status_reference", None), SlotSet("status_email", None)]
        if not reference or not email:
            say(dispatcher, catalog.say("cancelled"))
            return cleared
        try:
            status = INTAKE.status(reference, email)
        except IntakeUnavailable:
            say(dispatcher, catalog.say("status_unavailable"))
            return cleared
        if status is None:
            say(dispatcher, catalog.say("status_not_found"))
        else:
            label = catalog.say(f"status_{status}")
            say(
                dispatcher,
                catalog.say("status_reply", reference=reference, status=label),
                reference=reference,
                request_status=status,
            )
        return cleared
