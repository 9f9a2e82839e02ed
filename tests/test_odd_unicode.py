"""Odd Unicode through every channel (the web chat, Rasa's REST channel, the LINE webhook) on
the running assistant: lone surrogates, right-to-left overrides, NUL and other controls,
combining marks. Each message gets an answer (never a 5xx), LINE stores every event of a
batch, and no log file holds any of the messages' words.

The JSON bodies are written by hand (ensure_ascii), because a lone surrogate is valid JSON
but cannot be encoded as UTF-8 by an ordinary client.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid

import httpx
import pytest

from privacybot.settings import PROJECT_ROOT

# Each carries a word that appears nowhere else, to find it in a log.
ODD_TEXTS = [
    "Quillfeather \ud800 who sees my records?",
    "Quillfeather \udfff\ud800 cookies",
    "\ud83d Quillfeather lone high surrogate of an emoji",
    "Quillfeather \u202eremrofni ym eteled\u202c please",
    "Quillfeather \u200f\u200e\u2066\u2069 bidi marks",
    "Quillfeather \x00 NUL \x00 inside",
    "\x00/restart Quillfeather",
    "Quillfeather \x1b[31m red \x07 bell \x7f",
    "Quillfeather e\u0301\u0302\u0303\u0304" + "\u0300" * 300,
    "Quillfeather \ufeff\u200b\u2060 zero width",
    "Quillfeather 👩‍👩‍👧‍👦 \U0001f3f3\ufe0f\u200d\U0001f308",
    "Ｑｕｉｌｌｆｅａｔｈｅｒ　全角　個人情報は？",
    "Quillfeather\r\n\r\nline\rbreaks\u2028\u2029",
    "\ud800",
    "\x00",
]
MARKERS = ("Quillfeather", "remrofni", "Ｑｕｉｌｌｆｅａｔｈｅｒ")


def raw_json(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=True).encode()


def assert_no_message_text_in_logs() -> None:
    for log in (PROJECT_ROOT / "var/log").glob("*.log"):
        text = log.read_text(errors="replace")
        for marker in MARKERS:
            assert marker not in text, f"{marker} in {log.name}"


@pytest.fixture(scope="module")
def api(rasa_url, settings):
    client = httpx.Client(base_url=settings.services.api_url, timeout=60)
    yield client
    client.close()


def test_the_web_chat_answers_odd_unicode_without_a_server_error(api):
    conversation = api.post("/chat/conversations").json()["conversation_id"]
    for text in ODD_TEXTS:
        response = api.post(
            f"/chat/conversations/{conversation}/messages",
            content=raw_json({"text": text}),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 200, (text, response.status_code, response.text)
        assert response.json()["replies"], text
        assert response.headers["content-security-policy"]
    assert_no_message_text_in_logs()


def test_rasas_rest_channel_answers_odd_unicode_with_a_reply_or_a_clear_4xx(rasa_url):
    sender = f"odd-{uuid.uuid4().hex}"
    for text in ODD_TEXTS:
        response = httpx.post(
            f"{rasa_url}/webhooks/rest/webhook",
            content=raw_json({"sender": sender, "message": text}),
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        assert response.status_code < 500, (text, response.status_code)
        if response.status_code == 200:
            assert response.json(), text
        else:
            assert response.json()["error"], text
    assert_no_message_text_in_logs()


def _line_event(text: str) -> dict:
    return {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": f"U{uuid.uuid4().hex}"},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": uuid.uuid4().hex,
        "message": {"id": "1", "type": "text", "quoteToken": "q", "text": text},
    }


def test_a_line_batch_with_odd_unicode_is_stored_whole_and_every_event_answered(
    rasa_url, settings, fake_line_api, sign_line, wait_for
):
    events = [_line_event(text) for text in ODD_TEXTS]
    body = raw_json({"destination": "Ubot", "events": events})
    headers = {
        "Content-Type": "application/json",
        "X-Line-Signature": sign_line(body, settings.line.channel_secret),
    }
    url = f"{settings.services.api_url}/line/webhook"
    assert httpx.post(url, content=body, headers=headers, timeout=30).status_code == 200
    # Redelivered: still 200, nothing stored twice.
    assert httpx.post(url, content=body, headers=headers, timeout=30).status_code == 200

    database = settings.database.resolved_url().removeprefix("sqlite:///")
    ids = [e["webhookEventId"] for e in events]
    with sqlite3.connect(database) as db:
        marks = ",".join("?" * len(ids))
        rows = db.execute(
            f"SELECT webhook_event_id FROM line_events WHERE webhook_event_id IN ({marks})", ids
        ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(ids)

    tokens = {e["replyToken"] for e in events}

    def answered() -> set[str]:
        return {r["body"]["replyToken"] for r in fake_line_api.received("/v2/bot/message/reply")}

    assert wait_for(lambda: tokens <= answered(), timeout=120), tokens - answered()
    assert_no_message_text_in_logs()
