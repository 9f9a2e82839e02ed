"""Rasa's SQL tracker store, storing every event redacted.

What the patient typed and what the assistant said go through privacybot.privacy.redaction
before they are written; an answer to a request-form question
for a personal detail (name, e-mail, phone, relationship, description) is stored as its
placeholder only, whatever it looks like ("Sato Hanako" has no pattern to find). The read-back
of a request, marked `personal` by the action that says it, is stored as [REQUEST_SUMMARY].
The form's real answers never need the store: the action server keeps them in the service's
request draft, and slots hold placeholders.

A turn works on the tracker in memory, so nothing of this changes what the assistant
understands; it changes only what is kept. Configured in endpoints.yml (the launcher writes
the database from clinic.yml's `conversations.tracker_store_url`):

    tracker_store:
      type: bot.tracker_store.RedactingSQLTrackerStore
      dialect: sqlite
      db: var/conversations.db
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event as sqlalchemy_event

from privacybot.desk.confirmation import find_code
from privacybot.handoff.form_spec import PERSONAL_SLOTS
from privacybot.privacy.redaction import redact

logger = logging.getLogger(__name__)

# Slot -> the placeholder stored instead of a patient's detail (privacybot/handoff/form_spec.py).
SUMMARY = "[REQUEST_SUMMARY]"
CODE = "[CODE]"


def redacted_event(
    data: dict[str, Any], requested_slot: str | None, from_patient_text: bool = False
) -> dict[str, Any]:
    """The event as it may be stored. requested_slot: what the form asked just before;
    from_patient_text: a slot event that Rasa's slot mapping copied from the message just
    received (it sits between the user event and the next action)."""
    kind = data.get("event")
    if kind == "user":
        text = _stored_text(data.get("text") or "", requested_slot)
        parse_data = dict(data.get("parse_data") or {})
        parse_data["text"] = text
        parse_data["entities"] = []
        return {**data, "text": text, "parse_data": parse_data}
    if kind == "bot":
        custom = dict((data.get("data") or {}).get("custom") or {})
        if custom.get("personal"):
            kept = {k: custom[k] for k in ("outcome", "form_slot", "personal") if k in custom}
            return {**data, "text": SUMMARY, "data": {"custom": kept}}
        if "text" in custom:
            custom["text"] = redact(str(custom["text"]))
        bot_data = {**(data.get("data") or {}), "custom": custom}
        return {**data, "text": redact(data.get("text") or ""), "data": bot_data}
    if kind == "slot":
        value = data.get("value")
        if data.get("name") in PERSONAL_SLOTS and value not in (None, "-"):
            return {**data, "value": PERSONAL_SLOTS[data["name"]]}
        if from_patient_text and isinstance(value, str):
            # The patient's words, whatever the slot ("please contact me at ..." typed where
            # the kind of request was asked): kept as the user event beside it is. The form's
            # validation sets the slot again right after (a kind, or None), so the stored
            # conversation still ends in the same state.
            return {**data, "value": _stored_text(value, requested_slot)}
        # Slots our actions set hold the form's state (requested_slot, the kind of request,
        # placeholders), never free text: stored as they are, or the conversation would change.
    return data


def _stored_text(text: str, requested_slot: str | None) -> str:
    """What is kept of a patient's message: the placeholder of the form's personal field, a
    placeholder for a message holding a request's confirmation code (privacybot/desk/
    confirmation.py: the code confirms a request until it is used), else the redacted text."""
    if requested_slot in PERSONAL_SLOTS:
        return PERSONAL_SLOTS[requested_slot]
    if find_code(text):
        return CODE
    return redact(text)


# How many of a tracker's events the store holds, noted on the tracker when it is read: a
# turn's save then writes the rest without counting them in the database first. (Turns of one
# conversation never overlap: Rasa's lock store holds the conversation for the whole turn.)
STORED = "_privacybot_stored_events"


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL, and a commit that does not wait for the disk twice: a power cut may lose the last
    turn's events, never corrupt the file; a turn's commit was a fourteenth of Rasa's CPU."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class RedactingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            sqlalchemy_event.listen(self.engine, "connect", _sqlite_pragmas)
            self.engine.dispose()  # connections made while creating the tables get them too

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            setattr(tracker, STORED, len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            stored = getattr(tracker, STORED, None)
            if stored is None:  # a tracker this store did not read (a new conversation)
                stored = self._event_query(
                    session, tracker.sender_id, fetch_events_from_all_sessions=False
                ).count()
            requested_slot = None
            after_user_message = False  # slot events here were copied from the message
            for index, event in enumerate(tracker.events):
                # What the form had asked, read from the events' attributes: only the new
                # events are turned into dicts (a long conversation's old ones are many).
                kind = event.type_name
                if index >= stored:
                    row = redacted_event(event.as_dict(), requested_slot, after_user_message)
                    session.add(self._row(tracker.sender_id, row))
                if kind == "user":
                    after_user_message = True
                elif kind == "action":
                    after_user_message = False
                if kind == "slot" and event.key == "requested_slot":
                    requested_slot = event.value
                elif kind == "active_loop" and not event.name:
                    requested_slot = None
            session.commit()
        setattr(tracker, STORED, len(tracker.events))

    def _row(self, sender_id: str, data: dict[str, Any]) -> Any:
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=data.get("event"),
            timestamp=data.get("timestamp"),
            intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
            action_name=data.get("name"),
            data=json.dumps(data),
        )
