"""The request form's actions in isolation, the way Rasa's demo bots test actions: a rasa-sdk
Tracker in, events out."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from privacybot.handoff.form_spec import FORM_FIELDS
from privacybot.handoff.intake_client import Handed


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
    "requester_name": "[NAME]",
    "contact_email": "[EMAIL]",
    "phone": "-",
    "on_behalf_of": "self",
    "relationship": None,
    "request_description": "[DESCRIPTION]",
    "request_confirmed": True,
    "request_cancelled": None,
    "request_form_id": "f1",
}
# The requester's details live in the service's draft, not in the conversation.
DRAFT = {
    "requester_name": "山田 太郎",
    "contact_email": "taro@example.com",
    "request_description": "Delete everything.",
}


@pytest.fixture()
def form_actions(monkeypatch):
    """The actions, with the service's draft endpoints answering from DRAFT."""
    import actions.request_form as module

    discarded = []
    monkeypatch.setattr(module.INTAKE.__class__, "draft", lambda self, key: dict(DRAFT))
    monkeypatch.setattr(
        module.INTAKE.__class__, "discard_draft", lambda self, key: discarded.append(key)
    )
    module.discarded = discarded
    return module


def cleared(events) -> set[str]:
    return {e["name"] for e in events if e == SlotSet(e["name"], None)}


def test_submitting_clears_the_requesters_details_from_the_conversation(form_actions, monkeypatch):
    submitted = []

    def submit(self, fields, key, channel):
        submitted.append(fields)
        return Handed("PR-2026-000001", "required")

    monkeypatch.setattr(form_actions.INTAKE.__class__, "submit", submit)
    dispatcher = CollectingDispatcher()
    events = form_actions.ActionFinishRequest().run(dispatcher, tracker_with(FILLED), {})
    [fields] = submitted
    assert fields["requester_name"] == "山田 太郎" and fields["contact_email"] == "taro@example.com"
    assert fields["phone"] is None and fields["description"] == "Delete everything."
    assert len(form_actions.discarded) == 1  # the draft is gone once the request is stored
    assert set(FORM_FIELDS) <= cleared(events)
    assert SlotSet("last_reference", "PR-2026-000001") in events
    assert "PR-2026-000001" in dispatcher.messages[0]["text"]
    # the patient is asked to confirm from the e-mail, and the chat waits for the code
    assert SlotSet("awaiting_confirmation", "PR-2026-000001") in events
    assert "e-mail" in dispatcher.messages[0]["text"]


def test_a_clinic_without_confirmation_does_not_wait_for_a_code(form_actions, monkeypatch):
    monkeypatch.setattr(
        form_actions.INTAKE.__class__,
        "submit",
        lambda self, fields, key, channel: Handed("PR-2026-000002", "off"),
    )
    dispatcher = CollectingDispatcher()
    events = form_actions.ActionFinishRequest().run(dispatcher, tracker_with(FILLED), {})
    assert SlotSet("awaiting_confirmation", None) in events
    assert "PR-2026-000002" in dispatcher.messages[0]["text"]


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


def test_a_checked_answer_goes_to_the_draft_and_the_conversation_keeps_a_placeholder(
    form_actions, monkeypatch
):
    kept = []
    monkeypatch.setattr(
        form_actions.INTAKE.__class__, "keep_draft", lambda self, key, fields: kept.append(fields)
    )
    validate = form_actions.ValidateRequestForm()
    tracker = tracker_with({"request_form_id": "f1"}, text=" Taro@Example.com ")
    slots = validate.validate_contact_email(
        " Taro@Example.com ", CollectingDispatcher(), tracker, {}
    )
    assert slots == {"contact_email": "[EMAIL]"}
    assert kept == [{"contact_email": "Taro@example.com"}]


def test_when_the_draft_cannot_be_kept_the_form_stops_and_says_so(form_actions, monkeypatch):
    from privacybot.handoff.intake_client import IntakeUnavailable

    def down(self, key, fields):
        raise IntakeUnavailable("connection refused")

    monkeypatch.setattr(form_actions.INTAKE.__class__, "keep_draft", down)
    dispatcher = CollectingDispatcher()
    tracker = tracker_with({"request_form_id": "f1"}, text="Sato Hanako")
    slots = form_actions.ValidateRequestForm().validate_requester_name(
        "Sato Hanako", dispatcher, tracker, {}
    )
    assert slots["request_cancelled"] is True and slots["requested_slot"] is None
    assert "nothing was kept" in dispatcher.messages[0]["text"]


def test_a_request_whose_draft_was_purged_is_not_sent_and_the_patient_is_told(
    form_actions, monkeypatch
):
    def never(*args, **kwargs):
        raise AssertionError("nothing is left to submit")

    monkeypatch.setattr(form_actions.INTAKE.__class__, "draft", lambda self, key: {})
    monkeypatch.setattr(form_actions.INTAKE.__class__, "submit", never)
    dispatcher = CollectingDispatcher()
    events = form_actions.ActionFinishRequest().run(dispatcher, tracker_with(FILLED), {})
    assert set(FORM_FIELDS) <= cleared(events)
    assert FollowupAction("request_form") not in events  # no endless "say yes to retry"
    assert "nothing was sent" in dispatcher.messages[0]["text"]


def test_a_cancel_whose_draft_cannot_be_deleted_is_not_reported_as_nothing_stored(
    form_actions, monkeypatch
):
    """The service refusing the DELETE (down, or overloaded): the discard is tried again, and
    the patient is told the truth: the answers are deleted automatically, within the draft
    retention."""
    from privacybot.handoff.intake_client import IntakeUnavailable

    attempts = []

    def refuse(self, key):
        attempts.append(key)
        raise IntakeUnavailable("draft answered 429")

    monkeypatch.setattr(form_actions.INTAKE.__class__, "discard_draft", refuse)
    dispatcher = CollectingDispatcher()
    tracker = tracker_with({**FILLED, "request_confirmed": None, "request_cancelled": True})
    form_actions.ActionFinishRequest().run(dispatcher, tracker, {})
    said = dispatcher.messages[-1]["text"]
    assert len(attempts) == form_actions.DISCARD_ATTEMPTS
    assert "nothing was stored" not in said
    assert "deleted automatically within 24 hours" in said


def test_cancel_at_an_early_step_ends_the_form_instead_of_asking_on():
    """ "cancel" where the e-mail address is asked (the relationship not ruled in or out yet):
    the form stops; rasa-sdk must not pick the next question itself."""
    import asyncio

    import yaml

    import actions.request_form as module
    from privacybot.settings import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    tracker = Tracker(
        sender_id="unit-test",
        slots={
            "requested_slot": "contact_email",
            "request_kind": "complaint",
            "requester_name": "[NAME]",
            "contact_email": "cancel",
        },
        latest_message={"text": "cancel"},
        events=[
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "cancel"},
            {"event": "slot", "name": "contact_email", "value": "cancel"},
        ],
        paused=False,
        followup_action=None,
        active_loop={"name": "request_form"},
        latest_action_name="action_listen",
    )
    events = asyncio.run(module.ValidateRequestForm().run(CollectingDispatcher(), tracker, domain))
    assert SlotSet("request_cancelled", True) in events
    assert events[-1] != SlotSet("requested_slot", "phone")
    assert [e for e in events if e["name"] == "requested_slot"][-1]["value"] is None
