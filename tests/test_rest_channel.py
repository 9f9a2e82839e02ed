"""End to end through Rasa's REST channel: Rasa (Python 3.10) + the action server (3.11)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from privacybot.evaluation import OUTCOMES

REQUIRED_PAYLOAD_KEYS = {"outcome", "sections", "scores", "policy_version", "intent", "confidence"}


def post(rasa_url: str, body, **kwargs) -> httpx.Response:
    return httpx.post(
        f"{rasa_url}/webhooks/rest/webhook",
        timeout=30,
        **kwargs,
        **({"json": body} if not isinstance(body, (str, bytes)) else {"content": body}),
    )


def test_each_reply_carries_its_custom_payload(rest):
    turn = rest.send("What cookies do you use?")
    assert len(turn.messages) == 1
    message = turn.messages[0]
    assert message["text"].startswith("Here is what our privacy policy says")
    payload = message["custom"]
    assert REQUIRED_PAYLOAD_KEYS <= payload.keys()
    assert payload["outcome"] == "answer"
    assert payload["sections"][0] == 5
    assert "Section 5 (Cookies, etc.)" in message["text"]
    assert payload["policy_version"] in message["text"]
    assert payload["intent"] == "ask_policy"


@pytest.mark.parametrize(
    ("message", "outcome"),
    [
        ("How long do you keep my data?", "not_covered"),
        ("please delete my data", "request"),
        ("Can I book an appointment tomorrow?", "out_of_scope"),
        ("my dad collapsed and is not breathing", "emergency"),
        ("hi there", "smalltalk"),
    ],
)
def test_outcomes_through_the_rest_channel(rest, message, outcome):
    assert rest.send(message).outcome == outcome


def test_emergency_reply_starts_with_the_emergency_number(rest, settings):
    turn = rest.send("I'm thinking about killing myself")
    assert turn.texts[0].startswith(
        f"If this is an emergency, call {settings.clinic.emergency_number}"
    )


def test_each_question_in_a_conversation_is_answered_on_its_own(rest):
    sender = f"test-{uuid.uuid4().hex}"
    assert rest.send("what cookies do you use", sender).sections[0] == 5
    assert rest.send("will you give my data to the police?", sender).sections[0] == 4
    assert rest.send("thanks", sender).outcome == "smalltalk"


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ("{not json", 400, "not valid JSON"),
        ([1, 2], 400, "JSON object"),
        ({"message": "hi"}, 400, "'sender'"),
        ({"sender": "", "message": "hi"}, 400, "'sender'"),
        ({"sender": "a" * 500, "message": "hi"}, 400, "'sender'"),
        ({"sender": "a", "message": 5}, 400, "'message'"),
        ({"sender": "a", "message": "x" * 20_000}, 413, "longer than"),
    ],
)
def test_bad_requests_get_a_clear_4xx_and_the_next_message_still_works(
    rasa_url, rest, body, status, error
):
    response = post(rasa_url, body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert error in response.json()["error"]
    assert rest.send("what cookies do you use").outcome == "answer"


@pytest.mark.parametrize(
    "message",
    ["", "    ", "🙂🙂", "個人情報は誰が見ますか？", "<img src=x onerror=alert(1)>", "x" * 4_000],
)
def test_odd_messages_get_a_sensible_reply(rest, message):
    turn = rest.send(message)
    assert turn.texts and turn.payload["outcome"] in OUTCOMES
    assert rest.send("what cookies do you use").outcome == "answer"
