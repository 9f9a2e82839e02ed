"""The request form's actions in isolation, the way Rasa's demo bots test actions: a rasa-sdk
Tracker in, events out."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from privacybot.handoff.form import FORM_FIELDS


def tracker_with(slots: dict, text: str = "yes") -> Tracker:
    return Tracker(
        sender_id="unit-test",
        slots=slots,
        latest_message={"text": text},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="request_form",
    )


FILLED = {
    "request_kind": "deletion",
    "requester_name": "山田 太郎",
    "contact_email": "taro@example.com",
    "phone": "-",
    "on_behalf_of": "self",
    "relationship": None,
    "request_description": "Delete everything.",
    "request_confirmed": True,
    "request_cancelled": None,
    "request_form_id": "f1",
}


@pytest.fixture(scope="module")
def form_actions():
    import actions.request_form as module

    return module


def cleared(events) -> set[str]:
    return {e["name"] for e in events if e == SlotSet(e["name"], None)}


def test_submitting_clears_the_requesters_details_from_the_conversation(form_actions, monkeypatch):
    monkeypatch.setattr(
        form_actions.INTAKE.__class__, "submit", lambda self, fields, key, channel: "PR-2026-000001"
    )
    dispatcher = CollectingDispatcher()
    events = form_actions.ActionFinishRequest().run(dispatcher, tracker_with(FILLED), {})
    assert set(FORM_FIELDS) <= cleared(events)
    assert SlotSet("last_reference", "PR-2026-000001") in events
    assert "PR-2026-000001" in dispatcher.messages[0]["text"]


def test_cancelling_clears_the_details_and_submits_nothing(form_actions, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a cancelled request must not be submitted")

    monkeypatch.setattr(form_actions.INTAKE.__class__, "submit", never)
    dispatcher = CollectingDispatcher()
    slots = {**FILLED, "request_confirmed": None, "request_cancelled": True}
    events = form_actions.ActionFinishRequest().run(dispatcher, tracker_with(slots), {})
    assert set(FORM_FIELDS) <= cleared(events)
    assert "nothing was stored or sent" in dispatcher.messages[0]["text"]


def test_when_the_service_is_down_the_answers_are_kept_for_a_retry(form_actions, monkeypatch):
    from privacybot.handoff.intake_client import IntakeUnavailable

    def down(*args, **kwargs):
        raise IntakeUnavailable("connection refused")

    monkeypatch.setattr(form_actions.INTAKE.__class__, "submit", down)
    dispatcher = CollectingDispatcher()
    events = form_actions.ActionFinishRequest().run(dispatcher, tracker_with(FILLED), {})
    assert cleared(events) == {"request_confirmed"}
    assert FollowupAction("request_form") in events
    assert "nothing was saved" in dispatcher.messages[0]["text"]
