"""The request form's actions: ask each question, check each answer, then submit or cancel.

Rasa runs the form (`request_form` in bot/domain.yml); these adapters call plain modules:
privacybot.handoff.form (reading answers), privacybot.desk.intake (checking fields, the same
rules as the service's intake) and the intake client (storing the request).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.runtime import (
    ASSISTANT,
    INTAKE,
    SETTINGS,
    answer_inside_form,
    catalog_for,
    conversation_language,
    invalid_answer,
    is_button,
    kind_titles,
    payload,
)
from privacybot.desk import intake
from privacybot.desk.confirmation import CODE_DIGITS
from privacybot.handoff.form import (
    field_to_change,
    is_cancel,
    is_skip,
    is_yes,
    kind_from_text,
    on_behalf_from_text,
)
from privacybot.handoff.form_spec import (
    CONFIRM_BUTTONS,
    FIELDS,
    FORM_FIELDS,
    KINDS,
    REQUEST_FORM,
    FormField,
    required_slots,
)
from privacybot.handoff.intake_client import IntakeRejected, IntakeUnavailable
from privacybot.replies.catalog import MessageCatalog

SKIPPED = "-"  # what a skippable field (form_spec.FormField.skippable) holds when skipped
SLOTS_TO_CLEAR = (*FORM_FIELDS, "request_confirmed", "request_cancelled", "request_form_id")


def say(
    dispatcher: CollectingDispatcher, text: str, buttons: list | None = None, **extra: object
) -> None:
    dispatcher.utter_message(
        text=text, buttons=buttons or [], json_message=payload("request", text=text, **extra)
    )


def buttons_for(slot: str, catalog: MessageCatalog) -> list[dict]:
    keys = CONFIRM_BUTTONS if slot == "request_confirmed" else FIELDS[slot].buttons
    return [{"title": catalog.say(key), "payload": catalog.say(key)} for key in keys]


class AskSlot:
    """Asks for one slot of a form (a mixin, so rasa-sdk registers only the subclasses)."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        catalog = catalog_for(tracker)
        say(
            dispatcher,
            catalog.say(FIELDS[self.slot].prompt),
            buttons_for(self.slot, catalog),
            form_slot=self.slot,
        )
        return []


def ask_action(field: FormField) -> type[Action]:
    """The action that asks for one field (action_ask_<slot>), made from the form's table."""
    name = "Ask" + "".join(part.title() for part in field.slot.split("_"))
    return type(name, (AskSlot, Action), {"slot": field.slot, "__module__": __name__})


ASK_ACTIONS = [ask_action(field) for field in REQUEST_FORM]


class AskRequestConfirmed(Action):
    def name(self) -> str:
        return "action_ask_request_confirmed"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        catalog = catalog_for(tracker)
        try:
            fields = request_fields(tracker)
        except (IntakeUnavailable, DraftLost) as error:
            problem = "draft_expired" if isinstance(error, DraftLost) else "draft_unavailable"
            say(dispatcher, catalog.say(problem), request_status="failed")
            return [SlotSet("request_cancelled", True), SlotSet("requested_slot", None)]
        # personal: the read-back quotes the requester's details, so the tracker store keeps
        # a placeholder instead of this message (bot/tracker_store.py).
        say(
            dispatcher,
            summary(fields, catalog) + "\n" + catalog.say("ask_request_confirmed"),
            buttons_for("request_confirmed", catalog),
            form_slot="request_confirmed",
            personal=True,
        )
        return []


def draft_key(tracker: Tracker) -> str:
    """The request draft of this conversation's current form (a hash: no sender id stored)."""
    form = f"{tracker.sender_id}:{tracker.get_slot('request_form_id')}"
    return hashlib.sha256(form.encode()).hexdigest()[:40]


class DraftLost(Exception):
    """The form's answers are no longer in the service (purged after a day unanswered)."""


def request_fields(tracker: Tracker) -> dict[str, Any]:
    """The request as the intake takes it: the draft's details and the form's choices."""
    draft = INTAKE.draft(draft_key(tracker))
    if not draft:
        raise DraftLost
    slot = tracker.get_slot
    phone = draft.get("phone") if slot("phone") not in (None, SKIPPED) else None
    return {
        "kind": slot("request_kind"),
        "requester_name": draft.get("requester_name"),
        "contact_email": draft.get("contact_email"),
        "phone": phone,
        "on_behalf_of": slot("on_behalf_of") or "self",
        "relationship": draft.get("relationship") if slot("on_behalf_of") == "other" else None,
        "description": draft.get("request_description"),
        "language": conversation_language(tracker),
    }


def summary(fields: dict[str, Any], catalog: MessageCatalog) -> str:
    say_ = catalog.say
    if fields["on_behalf_of"] == "other":
        on_behalf = say_("summary_on_behalf_other", relationship=fields["relationship"])
    else:
        on_behalf = say_("summary_on_behalf_self")
    kind = say_(f"kind_{fields['kind']}") if fields["kind"] in KINDS else "-"
    lines = [
        say_("summary_intro"),
        f"• {say_('summary_kind')}: {kind}",
        f"• {say_('summary_name')}: {fields['requester_name']}",
        f"• {say_('summary_email')}: {fields['contact_email']}",
        f"• {say_('summary_phone')}: {fields['phone'] or '-'}",
        f"• {say_('summary_on_behalf')}: {on_behalf}",
        f"• {say_('summary_description')}: {fields['description']}",
    ]
    return "\n".join(lines)


def stop_form(**slots: Any) -> dict[str, Any]:
    return {"requested_slot": None, **slots}


class ValidateRequestForm(FormValidationAction):
    """Checks each answer. Any answer may also be "cancel", an emergency, or a question."""

    def name(self) -> str:
        return "validate_request_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return required_slots(domain_slots, tracker.get_slot)

    def _screen(
        self, value: Any, dispatcher: CollectingDispatcher, slot: str, tracker: Tracker
    ) -> dict[str, Any] | None:
        """Cancel, an emergency or a question interrupts the form; None lets the answer through."""
        text = str(value or "")
        language = conversation_language(tracker)
        if ASSISTANT.is_emergency(text):
            reply = ASSISTANT.emergency_reply(language)
            dispatcher.utter_message(text=reply.text, json_message=reply.payload())
            return stop_form(request_cancelled=True)
        if is_cancel(text):
            return stop_form(request_cancelled=True)
        if slot != "request_description" and answer_inside_form(text, dispatcher, tracker):
            return {slot: None}
        return None

    def _keep(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, value: str
    ) -> dict[str, Any]:
        """Keep a checked answer in the request draft; the conversation gets a placeholder."""
        try:
            INTAKE.keep_draft(draft_key(tracker), {slot: value})
        except IntakeUnavailable:
            say(dispatcher, catalog_for(tracker).say("draft_unavailable"), request_status="failed")
            return stop_form(request_cancelled=True)
        return {slot: FIELDS[slot].placeholder}

    def _invalid(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        slot: str,
        error: intake.FieldError,
    ) -> dict:
        say(dispatcher, invalid_answer(catalog_for(tracker), error), form_slot=slot)
        return {slot: None}

    def _validate_text(
        self, field: FormField, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """A free-text answer: checked by the intake's own check, kept in the draft."""
        slot = field.slot
        if (stop := self._screen(value, dispatcher, slot, tracker)) is not None:
            return stop
        if field.skippable and is_skip(str(value)):
            return {slot: SKIPPED}
        try:
            cleaned = getattr(intake, field.check)(str(value))
        except intake.FieldError as error:
            return self._invalid(dispatcher, tracker, slot, error)
        if not cleaned and field.skippable:
            return {slot: SKIPPED}
        return self._keep(dispatcher, tracker, slot, cleaned)

    def validate_request_kind(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # not answered yet
            return {"request_kind": None}
        if (stop := self._screen(value, dispatcher, "request_kind", tracker)) is not None:
            return stop
        kind = kind_from_text(str(value), kind_titles())
        if kind is None:
            say(dispatcher, catalog_for(tracker).say("unclear_kind"), form_slot="request_kind")
        return {"request_kind": kind}

    def validate_on_behalf_of(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if (stop := self._screen(value, dispatcher, "on_behalf_of", tracker)) is not None:
            return stop
        choice = on_behalf_from_text(str(value))
        if is_button(str(value), "on_behalf_self"):
            choice = "self"
        elif is_button(str(value), "on_behalf_other"):
            choice = "other"
        if choice is None:
            say(dispatcher, catalog_for(tracker).say("unclear_on_behalf"), form_slot="on_behalf_of")
        return {"on_behalf_of": choice}

    def validate_request_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "")
        catalog = catalog_for(tracker)
        if is_button(text, "confirm_cancel"):
            return stop_form(request_cancelled=True)
        if (stop := self._screen(value, dispatcher, "request_confirmed", tracker)) is not None:
            return stop
        if is_yes(text) or is_button(text, "confirm_yes"):
            return {"request_confirmed": True}
        field = field_to_change(text)
        if field:
            slots = {field: None, "request_confirmed": None, "requested_slot": field}
            if field == "on_behalf_of":
                slots["relationship"] = None
            return slots
        if is_button(text, "confirm_change") or text.lower().startswith(
            ("change", "edit", "変更", "修正")
        ):
            say(dispatcher, catalog.say("change_which"), form_slot="request_confirmed")
            return {"request_confirmed": None}
        say(
            dispatcher,
            catalog.say("unclear_confirmation"),
            buttons_for("request_confirmed", catalog),
            form_slot="request_confirmed",
        )
        return {"request_confirmed": None}


def _text_validator(field: FormField):
    def validate(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._validate_text(field, value, dispatcher, tracker)

    validate.__name__ = f"validate_{field.slot}"
    return validate


# validate_<slot> of every free-text field, which rasa-sdk looks up by name.
for _field in REQUEST_FORM:
    if _field.check:
        setattr(ValidateRequestForm, f"validate_{_field.slot}", _text_validator(_field))


DISCARD_ATTEMPTS = 3


def discard_draft(key: str) -> bool:
    """Delete a form's draft, trying again briefly; False if it is still kept (the retention
    purge deletes it within `conversations.draft_retention_hours`)."""
    for attempt in range(DISCARD_ATTEMPTS):
        try:
            INTAKE.discard_draft(key)
            return True
        except IntakeUnavailable:
            if attempt + 1 < DISCARD_ATTEMPTS:
                time.sleep(0.2 * (attempt + 1))
    return False


# What the patient is told once the request is stored, by requests.confirmation.
SUBMITTED_MESSAGES = {
    "required": "submitted_confirm",
    "optional": "submitted_acknowledged",
    "off": "submitted",
}


class ActionFinishRequest(Action):
    """After the form: submit a confirmed request, or confirm the cancellation. Either way the
    requester's details are cleared from the conversation."""

    def name(self) -> str:
        return "action_finish_request"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        slot = tracker.get_slot
        catalog = catalog_for(tracker)
        cleared = [SlotSet(name, None) for name in SLOTS_TO_CLEAR]
        if slot("request_cancelled") or slot("request_confirmed") is not True:
            if discard_draft(draft_key(tracker)):
                say(dispatcher, catalog.say("cancelled"), request_status="cancelled")
            else:  # never say "nothing was stored" while the answers are still kept
                hours = f"{SETTINGS.conversations.draft_retention_hours:g}"
                say(
                    dispatcher,
                    catalog.say("cancelled_draft_kept", hours=hours),
                    request_status="cancelled",
                )
            return cleared
        key = f"{tracker.sender_id}:{slot('request_form_id')}"
        channel = (tracker.get_latest_input_channel() or "chat")[:20]
        try:
            handed = INTAKE.submit(request_fields(tracker), key, channel)
        except DraftLost:  # nothing to send any more: say so, and start afresh
            say(dispatcher, catalog.say("draft_expired"), request_status="cancelled")
            return cleared
        except (IntakeUnavailable, IntakeRejected):
            # Nothing was stored: keep the answers so that "yes" can try again.
            say(
                dispatcher,
                catalog.say("submit_failed"),
                buttons_for("request_confirmed", catalog),
                request_status="failed",
            )
            return [SlotSet("request_confirmed", None), FollowupAction("request_form")]
        discard_draft(draft_key(tracker))  # stored; a draft left over is purged in time
        reference = handed.reference
        text = catalog.say(
            SUBMITTED_MESSAGES[handed.confirmation],
            reference=reference,
            hours=f"{SETTINGS.requests.confirmation_hours:g}",
            digits=CODE_DIGITS,
        )
        say(dispatcher, text, reference=reference, request_status="submitted")
        awaiting = reference if handed.confirmation != "off" else None
        return [
            *cleared,
            SlotSet("last_reference", reference),
            SlotSet("awaiting_confirmation", awaiting),
        ]
