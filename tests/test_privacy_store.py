"""The assistant practises the policy it explains: after a full request hand-off, neither the
conversation store nor the logs hold the requester's details; a patient can have the
conversation forgotten; old conversations are purged."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid

import httpx
import pytest

from privacybot.settings import PROJECT_ROOT

# Details that appear nowhere else, so any trace of them is a leak.
NAME = "Kazuhiro Tsubakimoto"
EMAIL = "k.tsubakimoto.test@example.org"
PHONE = "090-4417-2298"
DESCRIPTION = "Please erase my Tsubakimoto family records from 2019"


@pytest.fixture()
def chat(rasa_url, settings):
    client = httpx.Client(base_url=settings.services.api_url, timeout=30)

    def start() -> str:
        return client.post("/chat/conversations").json()["conversation_id"]

    def say(conversation: str, text: str) -> dict:
        response = client.post(f"/chat/conversations/{conversation}/messages", json={"text": text})
        assert response.status_code == 200, response.text
        return response.json()

    yield start, say
    client.close()


def stored_events(settings, sender: str | None = None) -> list[str]:
    path = settings.conversations.resolved_url().removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        if sender is None:
            return [row[0] for row in db.execute("SELECT data FROM events")]
        return [
            row[0] for row in db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,))
        ]


def test_after_a_full_hand_off_the_store_and_logs_hold_none_of_the_requesters_details(
    chat, settings, clinic_inbox, wait_for
):
    start, say = chat
    conversation = start()
    for text in [
        "I want to correct my personal data",
        NAME,
        EMAIL,
        PHONE,
        "myself",
        DESCRIPTION,
    ]:
        say(conversation, text)
    readback = say(conversation, "change phone")  # re-asked; answer again
    assert "phone" in readback["replies"][-1]["text"].lower()
    readback = say(conversation, PHONE)
    assert NAME in readback["replies"][-1]["text"]  # the patient sees the real read-back
    done = say(conversation, "yes")
    reference = done["replies"][-1]["custom"]["reference"]
    assert wait_for(lambda: any(reference in m["Subject"] for m in clinic_inbox.messages), 20)

    events = stored_events(settings, conversation)
    assert len(events) > 20
    stored = "\n".join(events)
    for detail in (NAME, EMAIL, PHONE, DESCRIPTION, "Tsubakimoto", "tsubakimoto"):
        assert detail not in stored, detail
    assert "[NAME]" in stored and "[EMAIL]" in stored and "[REQUEST_SUMMARY]" in stored
    assert reference in stored  # what is not personal stays, so staff can follow a case

    logs = "\n".join(
        p.read_text(errors="replace") for p in (PROJECT_ROOT / "var/log").glob("*.log")
    )
    for detail in (NAME, EMAIL, PHONE, "Tsubakimoto"):
        assert detail not in logs, detail


def test_a_patient_can_have_the_conversation_forgotten(chat, settings):
    start, say = chat
    conversation = start()
    say(conversation, "Who can see my medical records?")
    assert stored_events(settings, conversation)
    turn = say(conversation, "please delete this conversation")
    assert turn["forgotten"] is True
    assert "deleted" in turn["replies"][-1]["text"]
    assert turn["replies"][-1]["custom"]["outcome"] == "forget"
    assert stored_events(settings, conversation) == []
    # "Delete my data" is still a request to the clinic, not the chat being forgotten.
    other = start()
    assert say(other, "please delete my data")["forgotten"] is False


def test_conversations_past_the_retention_period_are_purged(chat, settings):
    from privacybot.conversation_store import ConversationStore

    start, say = chat
    conversation = start()
    say(conversation, "What cookies do you use?")
    store = ConversationStore(settings.conversations.resolved_url())
    try:
        store.purge_older_than(settings.conversations.retention_days)
        assert stored_events(settings, conversation)  # recent: kept
        later = time.time() + (settings.conversations.retention_days + 1) * 86400
        assert store.purge_older_than(settings.conversations.retention_days, now=later) > 0
        assert stored_events(settings, conversation) == []
    finally:
        store.dispose()


def test_the_stored_conversation_keeps_placeholders_for_typed_personal_data(chat, settings):
    start, say = chat
    conversation = start()
    say(conversation, f"my mail is {uuid.uuid4().hex[:8]}@example.com, who sees my records?")
    stored = [json.loads(e) for e in stored_events(settings, conversation)]
    texts = [e.get("text") for e in stored if e.get("event") == "user"]
    assert any("[EMAIL]" in t for t in texts)
    assert not any("@example.com" in json.dumps(e) for e in stored)


def test_a_confirmation_code_typed_in_the_chat_is_not_stored(chat, settings):
    """The code in a request's acknowledgment confirms the request until it is used: the
    conversation store keeps a placeholder instead, whatever the conversation was doing."""
    start, say = chat
    conversation = start()
    say(conversation, "the code is 804 271")
    say(conversation, "５９３１１７")
    events = [json.loads(e) for e in stored_events(settings, conversation)]
    texts = [e["text"] for e in events if e.get("event") == "user"]
    texts += [e["parse_data"]["text"] for e in events if e.get("event") == "user"]
    texts += [str(e.get("value")) for e in events if e.get("event") == "slot"]
    assert texts.count("[CODE]") >= 4  # both messages, as typed and as parsed
    for digits in ("804 271", "804271", "５９３１１７", "593117"):
        assert not any(digits in text for text in texts), digits


def test_a_name_typed_outside_the_request_form_is_stored_redacted(chat, settings):
    """Rasa's own process redacts what it stores: names as well as numbers, in both languages."""
    start, say = chat
    conversation = start()
    say(conversation, "Hi, I'm Priya Raman. Who can see my test results?")
    say(conversation, "鈴木と申します。母の渡辺和子の記録について教えてください。")
    stored = json.dumps(
        [json.loads(e) for e in stored_events(settings, conversation)], ensure_ascii=False
    )
    assert "[NAME]" in stored
    for name in ("Priya", "Raman", "鈴木", "渡辺", "和子"):
        assert name not in stored, name


def test_a_name_typed_at_the_request_form_never_reaches_the_staffs_insights(chat, settings):
    """The answer log keeps questions; a bare name typed where the form asks for it is not one
    (the redactor cannot tell "Umeko Hanazawa" alone from other words)."""
    start, say = chat
    conversation = start()
    say(conversation, "I'd like to make a request about my data")
    say(conversation, "deletion")
    say(conversation, "Umeko Hanazawa")
    say(conversation, "cancel")
    path = settings.database.resolved_url().removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        kept = db.execute("SELECT question, outcome FROM answer_records").fetchall()
    assert ("I'd like to make a request about my data", "request") in kept
    assert not any("Hanazawa" in question for question, _ in kept)


def test_a_forget_that_cannot_be_done_is_not_confirmed(settings, tmp_path, canned_assistant):
    """The conversation store unreachable: the patient gets a clear 503, not "Done"."""
    from fastapi.testclient import TestClient

    from privacybot.api.app import create_app

    canned_assistant.holder["replies"] = [
        {"text": "Done: this conversation is deleted.", "custom": {"outcome": "forget"}}
    ]
    custom = settings.model_copy(
        update={
            "services": settings.services.model_copy(update={"rasa_port": canned_assistant.port}),
            "database": settings.database.model_copy(
                update={"url": f"sqlite:///{tmp_path / 'desk.db'}"}
            ),
            "conversations": settings.conversations.model_copy(
                update={"tracker_store_url": "postgresql+psycopg://nobody@127.0.0.1:9/none"}
            ),
        }
    )
    with TestClient(create_app(custom)) as client:
        conversation = client.post("/chat/conversations").json()["conversation_id"]
        response = client.post(
            f"/chat/conversations/{conversation}/messages",
            json={"text": "please delete this conversation"},
        )
    assert response.status_code == 503
    assert "could not be deleted" in response.json()["detail"]


def _every_log() -> str:
    return "\n".join(
        p.read_text(errors="replace") for p in (PROJECT_ROOT / "var/log").glob("*.log")
    )


def test_words_typed_at_any_form_step_are_stored_redacted_whatever_the_slot(chat, settings):
    """Free text typed where the kind of request, for whom, or a reference is asked is kept
    only as the user event beside it is: redacted."""
    start, say = chat
    conversation = start()
    say(conversation, "I'd like to make a request about my data")
    turn = say(conversation, "please contact me at kind.step@example.com or 090-1357-2468")
    assert "which kind of request" in turn["replies"][0]["text"]  # re-asked, nothing lost
    say(conversation, "deletion")
    say(conversation, "Hanako Suzuki")
    say(conversation, "hanako.s@example.com")
    say(conversation, "skip")
    turn = say(conversation, "write to whom.step@example.com, 080-2468-1357")
    assert turn["replies"][-1]["custom"].get("form_slot") == "on_behalf_of"
    say(conversation, "cancel")
    status = start()
    say(status, "what is the status of my request?")
    say(status, "ask status.step@example.com or call 070-1111-2222")

    stored = "\n".join(stored_events(settings, conversation) + stored_events(settings, status))
    for detail in (
        "kind.step@example.com",
        "1357-2468",
        "whom.step@example.com",
        "2468-1357",
        "status.step@example.com",
        "1111-2222",
    ):
        assert detail not in stored, detail
    slot_values = [
        json.loads(e).get("value")
        for e in stored_events(settings, conversation)
        if json.loads(e).get("event") == "slot" and json.loads(e).get("name") == "request_kind"
    ]
    assert "deletion" in slot_values  # the form's own state is kept as it is


def test_a_slash_message_is_read_as_text_and_never_logged(chat, settings, desk_database_file):
    """ "/restart" mid-form neither wipes the form (orphaning its draft) nor fails; a slash
    message with personal details reaches no log."""
    start, say = chat
    conversation = start()
    say(conversation, "please delete my data")
    say(conversation, "Ichiro Slashman")  # kept in the draft
    turn = say(conversation, "/restart")
    assert turn["replies"][-1]["custom"].get("form_slot") == "contact_email"  # asked again
    say(conversation, "ichiro.slashman@example.com")
    say(conversation, "skip")
    say(conversation, "myself")
    turn = say(conversation, "everything from my 2019 visits")
    assert "Ichiro Slashman" in turn["replies"][-1]["text"]  # the read-back: nothing lost
    say(conversation, "cancel")

    other = start()
    turn = say(other, "/my name is Goro Slashwell and I have HIV, goro.slash@example.com")
    assert turn["replies"]
    logs = _every_log()
    for detail in ("Slashwell", "goro.slash", "Slashman", "HIV"):
        assert detail not in logs, detail


def test_each_turn_is_stored_once_in_order_across_a_form(chat, settings):
    """The store writes only what a turn added, through a form and back: every message and
    reply once, in order, and the conversation read back goes on where it was."""
    start, say = chat
    conversation = start()
    messages = [
        "what cookies do you use?",
        "i want to correct my address",
        "cancel",
        "how long do you keep my records?",
    ]
    replies = [say(conversation, text) for text in messages]
    stored = [json.loads(e) for e in stored_events(settings, conversation)]
    # "cancel" answered the form's question for a name: stored as that question's placeholder.
    expected = [*messages[:2], "[NAME]", messages[3]]
    assert [e["text"] for e in stored if e.get("event") == "user"] == expected
    bot_texts = [e.get("text") for e in stored if e.get("event") == "bot"]
    said = [r["text"] for turn in replies for r in turn["replies"]]
    assert len(bot_texts) == len(said)
    timestamps = [e["timestamp"] for e in stored]
    assert timestamps == sorted(timestamps)
    assert len({json.dumps(e, sort_keys=True) for e in stored}) == len(stored)
    # Read back for the next turn: the form was cancelled, so a new question is answered.
    assert say(conversation, "do you share my data with insurers?")["replies"][0]["text"]
