"""The LINE channel: signed webhook events in, replies out through a fake LINE Messaging API on
loopback that records what it receives. Events are signed the way LINE signs them."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient

from privacybot.line.messages import utf16_units

REPLY_PATH = "/v2/bot/message/reply"
LOADING_PATH = "/v2/bot/chat/loading/start"
USER_ID = "U4af4980629a0b1c2d3e4f5a6b7c8d9e0"


def event(kind: str = "message", *, text: str | None = None, source: dict | None = None, **extra):
    """A webhook event as LINE sends it."""
    body = {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": source or {"type": "user", "userId": USER_ID},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": uuid.uuid4().hex,
        **extra,
    }
    if text is not None:
        body["message"] = {"id": "4685", "type": "text", "quoteToken": "q", "text": text}
    return body


def payload(*events: dict) -> bytes:
    return json.dumps({"destination": "Ubot", "events": list(events)}).encode()


@pytest.fixture()
def line(rasa_url, settings, fake_line_api, sign_line):
    """post(*events, signature=...) -> the webhook's response; the e2e service behind it."""
    client = httpx.Client(base_url=settings.services.api_url, timeout=30)

    def post(*events: dict, signature: str | None = None, body: bytes | None = None):
        body = body if body is not None else payload(*events)
        sig = sign_line(body, settings.line.channel_secret) if signature is None else signature
        headers = {"Content-Type": "application/json"}
        if sig:
            headers["X-Line-Signature"] = sig
        return client.post("/line/webhook", content=body, headers=headers)

    yield post
    client.close()


def replies_to(api, reply_token: str) -> list[dict]:
    return [r for r in api.received(REPLY_PATH) if r["body"]["replyToken"] == reply_token]


def wait_for_reply(api, wait_for, reply_token: str) -> dict:
    assert wait_for(lambda: replies_to(api, reply_token), timeout=20), "no reply reached LINE"
    return replies_to(api, reply_token)[0]


def stored_rows(settings, webhook_event_id: str) -> list[tuple]:
    path = settings.database.resolved_url().removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT * FROM line_events WHERE webhook_event_id = ?", (webhook_event_id,)
        ).fetchall()


def test_a_signed_text_message_gets_exactly_one_cited_reply(
    line, fake_line_api, wait_for, settings
):
    question = event(text="What cookies do you use?")
    response = line(question)
    assert response.status_code == 200
    reply = wait_for_reply(fake_line_api, wait_for, question["replyToken"])
    assert reply["headers"]["Authorization"] == f"Bearer {settings.line.channel_access_token}"
    texts = [m["text"] for m in reply["body"]["messages"]]
    assert "Section 5 (Cookies, etc.)" in texts[0]
    assert all(
        m["type"] == "text" and utf16_units(m["text"]) <= 5000 for m in reply["body"]["messages"]
    )
    time.sleep(1.5)  # a second reply would have arrived by now
    assert len(replies_to(fake_line_api, question["replyToken"])) == 1
    # What stays stored: no LINE user id, and no text once answered.
    [row] = stored_rows(settings, question["webhookEventId"])
    assert USER_ID not in repr(row) and "cookies" not in repr(row).lower()


def test_a_one_to_one_message_shows_the_loading_animation_while_the_reply_is_made(
    line, fake_line_api, wait_for, settings
):
    user = "U" + uuid.uuid4().hex
    question = event(text="Do you use web beacons?", source={"type": "user", "userId": user})
    assert line(question).status_code == 200
    wait_for_reply(fake_line_api, wait_for, question["replyToken"])
    shown = [r for r in fake_line_api.received(LOADING_PATH) if r["body"]["chatId"] == user]
    assert [r["body"]["loadingSeconds"] for r in shown] == [settings.line.loading_seconds]
    assert shown[0]["headers"]["Authorization"] == f"Bearer {settings.line.channel_access_token}"


def test_a_failing_loading_animation_does_not_hold_up_the_answer(line, fake_line_api, wait_for):
    fake_line_api.fail_next(1, status=500, path=LOADING_PATH)
    question = event(text="Do you use cookies?", source={"type": "user", "userId": "U" + "7" * 32})
    assert line(question).status_code == 200
    [message, *_] = wait_for_reply(fake_line_api, wait_for, question["replyToken"])["body"][
        "messages"
    ]
    assert "Section 5" in message["text"]


def test_odd_parts_of_a_signed_event_get_a_clear_answer_not_a_500(line):
    odd = event(text="cookies?")
    odd["message"] = "not an object"
    odd["deliveryContext"] = None
    assert line(odd).status_code in (200, 400)


def test_no_loading_animation_in_a_group_or_for_a_redelivery(line, fake_line_api, wait_for):
    user = "U" + uuid.uuid4().hex
    group = event(
        text="@SAKURA cookies?", source={"type": "group", "groupId": "C1", "userId": user}
    )
    again = event(text="cookies?", source={"type": "user", "userId": user})
    again["deliveryContext"] = {"isRedelivery": True}
    assert line(group, again).status_code == 200
    wait_for_reply(fake_line_api, wait_for, again["replyToken"])
    assert [r for r in fake_line_api.received(LOADING_PATH) if r["body"]["chatId"] == user] == []


@pytest.mark.parametrize("signature", ["", "d3Jvbmcgc2lnbmF0dXJl", "not base64 at all"])
def test_a_missing_or_wrong_signature_gets_400_and_nothing_is_processed(
    line, fake_line_api, settings, signature
):
    forged = event(text="What cookies do you use?")
    response = line(forged, signature=signature)
    assert response.status_code == 400
    assert "signature" in response.json()["detail"]
    time.sleep(1.5)
    assert replies_to(fake_line_api, forged["replyToken"]) == []
    assert stored_rows(settings, forged["webhookEventId"]) == []


def test_a_body_signed_with_another_secret_is_refused(line, sign_line):
    body = payload(event(text="hello"))
    assert line(body=body, signature=sign_line(body, "another channel's secret")).status_code == 400


def test_a_signed_but_malformed_body_gets_400(line):
    assert line(body=b'{"events": "nope"').status_code == 400


def test_a_redelivered_event_is_answered_once(line, fake_line_api, wait_for):
    question = event(text="Who can see my medical records?")
    assert line(question).status_code == 200
    wait_for_reply(fake_line_api, wait_for, question["replyToken"])
    redelivered = {**question, "deliveryContext": {"isRedelivery": True}}
    assert line(redelivered).status_code == 200
    time.sleep(1.5)
    assert len(replies_to(fake_line_api, question["replyToken"])) == 1


def test_follow_gets_the_welcome_with_the_privacy_notice(line, fake_line_api, wait_for):
    follow = event("follow", follow={"isUnblocked": False})
    assert line(follow).status_code == 200
    [message] = wait_for_reply(fake_line_api, wait_for, follow["replyToken"])["body"]["messages"]
    assert "Please don't send medical details" in message["text"]
    # LINE does not say the patient's language: the greeting comes in each of the clinic's.
    assert "医療情報は送らないでください" in message["text"]


STICKER = {
    "id": "1",
    "type": "sticker",
    "quoteToken": "q",
    "packageId": "446",
    "stickerId": "1988",
    "stickerResourceType": "STATIC",
}
IMAGE = {"id": "2", "type": "image", "quoteToken": "q", "contentProvider": {"type": "line"}}
A_FUTURE_KIND = {"id": "3", "type": "hologram", "hologramId": "7"}


@pytest.mark.parametrize("content", [STICKER, IMAGE, A_FUTURE_KIND], ids=lambda c: c["type"])
def test_a_sticker_or_an_image_gets_i_can_read_text_messages(
    line, fake_line_api, wait_for, content
):
    sticker = event(message=content)
    assert line(sticker).status_code == 200
    [message] = wait_for_reply(fake_line_api, wait_for, sticker["replyToken"])["body"]["messages"]
    assert "I can only read text messages" in message["text"]


def test_request_choices_become_quick_replies_and_postbacks_carry_the_form_on(
    line, fake_line_api, wait_for
):
    patient = {"type": "user", "userId": "U" + uuid.uuid4().hex}

    def say(kind: str, **details) -> list[dict]:
        sent = event(kind, source=patient, **details)
        line(sent)
        return wait_for_reply(fake_line_api, wait_for, sent["replyToken"])["body"]["messages"]

    def tap(messages: list[dict], label_part: str) -> list[dict]:
        items = messages[-1]["quickReply"]["items"]
        action = next(i["action"] for i in items if label_part in i["action"]["label"])
        assert action["type"] == "postback" and action["displayText"]
        return say("postback", postback={"data": action["data"]})

    answer = say("message", text="How do I get my data deleted?")
    assert "Section 7" in answer[0]["text"]
    kinds = tap(answer, "make a request")
    items = kinds[-1]["quickReply"]["items"]
    assert 5 <= len(items) <= 13
    assert all(len(item["action"]["label"]) <= 20 for item in items)
    name_prompt = tap(kinds, "Delet")
    assert "What name does the clinic know you by" in name_prompt[-1]["text"]
    assert "nothing was stored" in say("message", text="cancel")[-1]["text"]


def test_in_a_group_the_assistant_collects_nothing_and_suggests_a_one_to_one_chat(
    line, fake_line_api, wait_for, settings
):
    group = {"type": "group", "groupId": "C" + uuid.uuid4().hex, "userId": USER_ID}
    chatter = event(text="my email is hanako@example.com, delete my data", source=group)
    mention = event(text="@SAKURA who sees my records?", source=group)
    mention["message"]["mention"] = {
        "mentionees": [{"index": 0, "length": 7, "type": "user", "userId": "Ubot", "isSelf": True}]
    }
    assert line(chatter, mention).status_code == 200
    [message] = wait_for_reply(fake_line_api, wait_for, mention["replyToken"])["body"]["messages"]
    assert "one to one" in message["text"]
    time.sleep(1.5)
    assert replies_to(fake_line_api, chatter["replyToken"]) == []
    [row] = stored_rows(settings, chatter["webhookEventId"])
    assert "hanako" not in repr(row)


# ---- the service in-process, in front of a stand-in assistant: limits, faults, restarts ----


@pytest.fixture()
def service(settings, tmp_path, canned_assistant, line_api):
    """make() -> a TestClient of a fresh service (same database each time: a restart)."""
    from privacybot.api.app import create_app

    custom = settings.model_copy(
        update={
            "services": settings.services.model_copy(update={"rasa_port": canned_assistant.port}),
            "database": settings.database.model_copy(
                update={"url": f"sqlite:///{tmp_path / 'service.db'}"}
            ),
            "line": settings.line.model_copy(
                update={"api_base_url": line_api.url, "reply_window_seconds": 3.0}
            ),
        }
    )
    return lambda: TestClient(create_app(custom))


def post(client, sign_line, settings, *events):
    body = payload(*events)
    headers = {"X-Line-Signature": sign_line(body, settings.line.channel_secret)}
    return client.post("/line/webhook", content=body, headers=headers)


def test_a_9000_character_answer_arrives_as_several_messages_within_the_limits(
    service, canned_assistant, line_api, sign_line, settings, wait_for
):
    answer = " ".join(f"Sentence {i} of the long answer ends here 🙂." for i in range(205))
    assert len(answer) > 9000
    canned_assistant.holder["replies"] = [{"text": answer}]
    question = event(text="tell me everything")
    with service() as client:
        assert post(client, sign_line, settings, question).status_code == 200
        reply = wait_for_reply(line_api, wait_for, question["replyToken"])
    messages = reply["body"]["messages"]
    assert 2 <= len(messages) <= 5
    assert all(utf16_units(m["text"]) <= 5000 for m in messages)
    assert all(m["text"].endswith("here 🙂.") for m in messages)
    assert " ".join(m["text"] for m in messages).split() == answer.split()
    # The assistant saw a keyed hash, never the LINE user id.
    [asked] = canned_assistant.requests
    assert asked["body"]["sender"].startswith("line-") and USER_ID not in json.dumps(asked)


def test_a_redelivery_after_a_restart_is_still_answered_once(
    service, line_api, sign_line, settings, wait_for
):
    question = event(text="hello")
    with service() as client:
        post(client, sign_line, settings, question)
        wait_for_reply(line_api, wait_for, question["replyToken"])
    with service() as restarted:
        redelivered = {**question, "deliveryContext": {"isRedelivery": True}}
        assert post(restarted, sign_line, settings, redelivered).status_code == 200
        time.sleep(1.5)
    assert len(replies_to(line_api, question["replyToken"])) == 1


def test_line_api_5xx_is_retried_and_the_assistant_is_asked_once(
    service, canned_assistant, line_api, sign_line, settings, wait_for
):
    line_api.fail_next(2, status=500, path=REPLY_PATH)
    question = event(text="who sees my records")
    with service() as client:
        post(client, sign_line, settings, question)
        assert wait_for(lambda: len(replies_to(line_api, question["replyToken"])) == 3, 10)
    assert len(canned_assistant.requests) == 1


def test_when_line_keeps_failing_the_event_is_recorded_for_staff_without_the_text(
    service, line_api, sign_line, settings, wait_for, tmp_path
):
    line_api.fail_next(100, status=503, path=REPLY_PATH)
    question = event(text="my phone is 090-1234-5678")
    with service() as client:
        post(client, sign_line, settings, question)

        def status():
            with sqlite3.connect(tmp_path / "service.db") as db:
                return db.execute(
                    "SELECT status, last_error, text, reply_json FROM line_events"
                ).fetchone()

        assert wait_for(lambda: status() and status()[0] == "failed", 15)
    assert status() == ("failed", "LINE API 503", None, None)
    assert len(replies_to(line_api, question["replyToken"])) >= 2


def test_when_the_assistant_is_down_the_patient_is_told_on_line(
    service, canned_assistant, line_api, sign_line, settings, wait_for
):
    canned_assistant.close()
    question = event(text="who sees my records")
    with service() as client:
        post(client, sign_line, settings, question)
        reply = wait_for_reply(line_api, wait_for, question["replyToken"])
    [message] = reply["body"]["messages"]
    assert "temporarily unavailable" in message["text"]
    assert str(settings.clinic.contact_email) in message["text"]


def test_the_webhook_is_off_until_the_clinic_configures_line(settings, tmp_path):
    from privacybot.api.app import create_app

    custom = settings.model_copy(
        update={
            "line": settings.line.model_copy(update={"channel_secret": ""}),
            "database": settings.database.model_copy(
                update={"url": f"sqlite:///{tmp_path / 'off.db'}"}
            ),
        }
    )
    with TestClient(create_app(custom)) as client:
        assert client.post("/line/webhook", content=b"{}").status_code == 404
