"""Patients rate answers (👍 / 👎, "what was missing?"), and the assistant's answers are kept for
the staff's insights: redacted, with nothing that leads back to the patient (issue 14).

The service runs for real in front of a stand-in assistant (`canned_assistant`), on SQLite and
PostgreSQL; the widget is driven in Chromium against the whole running assistant."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect
from sqlalchemy import select, update

from privacybot.desk.database import make_engine, make_session_factory
from privacybot.desk.models import AnswerRecord, utcnow

ANSWER = {
    "outcome": "answer",
    "intent": "ask_policy",
    "confidence": 0.81,
    "sections": [4, 7],
    "language": "en",
    "policy_version": "2026-11-28#a3df586f",
    "citations": [],
    "next_step": "reply",
}
QUESTION = "Hi, I'm Priya Raman (priya.raman@example.com). Who sees my records?"


@pytest.fixture()
def service(chat_service):
    chat_service.canned.holder["replies"] = [{"text": "Section 4 says ...", "custom": ANSWER}]
    return chat_service


@pytest.fixture()
def records(database_url):
    sessions = make_session_factory(make_engine(database_url))

    def rows() -> list[AnswerRecord]:
        with sessions() as session:
            return list(session.scalars(select(AnswerRecord)))

    rows.sessions = sessions
    return rows


def line_service_settings(settings, database_url, canned_assistant, line_api):
    """The service on this database, its LINE webhook replying through the fake LINE API,
    its assistant the stand-in."""
    return settings.model_copy(
        update={
            "services": settings.services.model_copy(update={"rasa_port": canned_assistant.port}),
            "database": settings.database.model_copy(update={"url": database_url}),
            "line": settings.line.model_copy(update={"api_base_url": line_api.url}),
        }
    )


def ask(client, text: str = QUESTION) -> dict:
    conversation = client.post("/chat/conversations").json()["conversation_id"]
    response = client.post(f"/chat/conversations/{conversation}/messages", json={"text": text})
    assert response.status_code == 200, response.text
    return {"conversation": conversation, **response.json()}


def test_an_answer_is_kept_redacted_with_nothing_that_leads_back_to_the_patient(service, records):
    turn = ask(service)
    [reply] = turn["replies"]
    assert reply["feedback_id"]
    [row] = records()
    assert row.id == reply["feedback_id"]
    assert (row.outcome, row.sections, row.language, row.channel) == ("answer", "4,7", "en", "web")
    assert row.policy_version == ANSWER["policy_version"] and row.confidence == pytest.approx(0.81)
    assert row.question == "Hi, I'm [NAME] ([EMAIL]). Who sees my records?"
    assert row.day == utcnow().date() and row.vote is None
    kept = repr({column: getattr(row, column) for column in AnswerRecord.__table__.columns.keys()})
    assert turn["conversation"] not in kept
    assert "Priya" not in kept and "example.com" not in kept


def test_a_patient_rates_an_answer_once_and_what_was_missing_is_stored_redacted(service, records):
    answer_id = ask(service)["replies"][0]["feedback_id"]
    missing = "It didn't say who at reception sees it. My name is John Smith, 090-1234-5678."
    response = service.post(
        f"/chat/answers/{answer_id}/feedback", json={"vote": "down", "comment": missing}
    )
    assert response.status_code == 204
    [row] = records()
    assert row.vote == "down"
    assert row.comment == "It didn't say who at reception sees it. My name is [NAME], [PHONE]."
    again = service.post(f"/chat/answers/{answer_id}/feedback", json={"vote": "up"})
    assert again.status_code == 409
    assert "already" in again.json()["detail"]
    assert records()[0].vote == "down"


@pytest.mark.parametrize(
    ("answer_id", "body", "status", "reason"),
    [
        ("never-given-id-0123456789", {"vote": "up"}, 404, "no answer"),
        ("../../desk/requests", {"vote": "up"}, 404, None),  # not a route at all
        ("forged<id>", {"vote": "up"}, 422, "pattern"),
        (None, {"vote": "maybe"}, 422, "up"),
        (None, {"vote": "down", "comment": "x" * 10_000}, 422, "1000"),
        (None, {}, 422, "vote"),
    ],
)
def test_feedback_that_cannot_count_is_refused_with_the_reason_and_changes_nothing(
    service, records, answer_id, body, status, reason
):
    given = ask(service)["replies"][0]["feedback_id"]
    response = service.post(f"/chat/answers/{answer_id or given}/feedback", json=body)
    assert response.status_code == status
    if reason:
        assert reason in response.text
    assert [(row.vote, row.comment) for row in records()] == [(None, None)]


def test_an_answer_log_that_cannot_be_written_costs_the_patient_only_the_rating(
    settings, tmp_path, canned_assistant
):
    """The log's table is gone (a real database error, not a mock): the answer still arrives,
    without feedback buttons, and a rating says plainly it could not be saved."""
    from privacybot.api.app import create_app

    url = f"sqlite:///{tmp_path / 'desk.db'}"
    custom = settings.model_copy(
        update={
            "services": settings.services.model_copy(update={"rasa_port": canned_assistant.port}),
            "database": settings.database.model_copy(update={"url": url}),
        }
    )
    canned_assistant.holder["replies"] = [{"text": "Section 4 says ...", "custom": ANSWER}]
    with TestClient(create_app(custom)) as client:
        with make_engine(url).begin() as connection:
            connection.exec_driver_sql("DROP TABLE answer_records")
        [reply] = ask(client)["replies"]
        assert reply["text"] == "Section 4 says ..." and reply["feedback_id"] is None
        rating = client.post("/chat/answers/abcdefgh12345678/feedback", json={"vote": "up"})
        assert rating.status_code == 503 and "could not be saved" in rating.json()["detail"]


def test_what_is_typed_at_a_request_form_step_is_never_kept(service, records):
    """A form's prompt (outcome request, but no next step decided by the assistant) answers a
    step: the patient typed a personal detail there, such as a bare name."""
    prompt = {"outcome": "request", "intent": "", "confidence": 1.0, "sections": []}
    service.canned.holder["replies"] = [{"text": "Your e-mail address?", "custom": prompt}]
    [reply] = ask(service, "Hanako Suzuki")["replies"]
    assert reply["feedback_id"] is None
    assert records() == []


@pytest.mark.parametrize("outcome", ["emergency", "smalltalk"])
def test_emergencies_and_small_talk_are_not_kept_and_offer_no_rating(
    service, canned_assistant, records, outcome
):
    canned_assistant.holder["replies"] = [{"text": "...", "custom": {**ANSWER, "outcome": outcome}}]
    [reply] = ask(service, "hello")["replies"]
    assert reply["feedback_id"] is None
    assert records() == []


def test_the_answer_log_is_purged_after_its_retention_period(service, records, settings):
    from privacybot.insights.answers import AnswerLog

    ask(service)
    ask(service)
    old = settings.insights.retention_days + 1
    with records.sessions() as session, session.begin():
        first = session.scalars(select(AnswerRecord.id)).first()
        session.execute(
            update(AnswerRecord)
            .where(AnswerRecord.id == first)
            .values(day=utcnow().date() - timedelta(days=old))
        )
    log = AnswerLog(records.sessions)
    assert log.purge_older_than(utcnow() - timedelta(days=settings.insights.retention_days)) == 1
    assert [row.id for row in records()] != [first] and len(records()) == 1


# --- the widget, in Chromium, against the whole assistant ---------------------------------------


def test_the_widget_offers_a_rating_by_keyboard_and_the_vote_reaches_the_log(
    rasa_url, settings, browser, desk_database_file
):
    context = browser.new_context(viewport={"width": 390, "height": 740})
    page = context.new_page()
    page.goto(f"{settings.services.api_url}/demo")
    page.get_by_role("button", name="Privacy questions").click()
    box = page.get_by_role("textbox", name="Your question")
    box.fill("Who can see my medical records?")
    box.press("Enter")
    expect(page.locator(".pb-typing")).to_be_empty(timeout=30_000)
    votes = page.get_by_role("group", name="Was this answer helpful?")
    expect(votes).to_have_count(1)
    down = votes.get_by_role("button", name="No, not helpful")
    expect(votes.get_by_role("button", name="Yes, helpful")).to_be_enabled()
    down.focus()
    page.keyboard.press("Enter")
    missing = page.get_by_role("textbox", name="What was missing?")
    expect(missing).to_be_focused()
    page.keyboard.type("Nothing about the pharmacy. I'm Daniel Brooks.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send feedback")).to_be_focused()
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("status").filter(has_text="Thank you for your feedback.")
    ).to_be_visible()
    expect(votes).to_have_count(0)

    rows = sqlite3.connect(desk_database_file).execute(
        "SELECT vote, comment, outcome FROM answer_records WHERE comment LIKE 'Nothing about%'"
    )
    assert rows.fetchall() == [("down", "Nothing about the pharmacy. I'm [NAME].", "answer")]
    page.reload()  # the next page of the site: the vote is remembered, not offered again
    page.get_by_role("button", name="Privacy questions").click()
    expect(page.locator(".pb-feedback-status")).to_have_text("Thank you for your feedback.")
    expect(page.get_by_role("group", name="Was this answer helpful?")).to_have_count(0)
    context.close()


# --- LINE: 👍 / 👎 quick replies, through the fake LINE API -------------------------------------


def test_a_line_answer_carries_rating_quick_replies_and_a_tap_is_counted_once(
    settings, database_url, canned_assistant, line_api, sign_line, wait_for, records
):
    from test_line import event, post, wait_for_reply

    from privacybot.api.app import create_app

    custom = line_service_settings(settings, database_url, canned_assistant, line_api)
    canned_assistant.holder["replies"] = [
        {
            "text": "Section 4 says ...",
            "buttons": [{"title": "More", "payload": "more"}],
            "custom": {**ANSWER, "language": "ja"},
        }
    ]
    question = event(text="私のカルテは誰が見ますか？山田です。")
    with TestClient(create_app(custom)) as client:
        assert post(client, sign_line, custom, question).status_code == 200
        reply = wait_for_reply(line_api, wait_for, question["replyToken"])
        items = reply["body"]["messages"][-1]["quickReply"]["items"]
        assert [i["action"]["label"] for i in items] == [
            "More",
            "👍 役に立った",
            "👎 役に立たなかった",
        ]
        up = items[1]["action"]
        assert up["type"] == "postback" and up["data"].startswith("feedback:")
        [row] = records()
        assert row.channel == "line" and row.question == "私のカルテは誰が見ますか？[NAME]です。"

        taps = [event("postback", postback={"data": up["data"]}) for _ in range(2)]
        forged = event("postback", postback={"data": "feedback:not-an-answer-0000:up"})
        for tap in [*taps, forged]:
            assert post(client, sign_line, custom, tap).status_code == 200
        said = [
            wait_for_reply(line_api, wait_for, tap["replyToken"])["body"]["messages"][0]["text"]
            for tap in [*taps, forged]
        ]
    assert said[0] == said[1] and "ありがとうございました" in said[0]
    assert "could not be recorded" in said[2] and "記録できませんでした" in said[2]
    assert [(row.vote, row.comment) for row in records()] == [("up", None)]
    assert len(canned_assistant.requests) == 1  # a rating is not a question for the assistant


def test_a_line_thumbs_down_asks_what_was_missing_and_keeps_the_first_reason(
    settings, database_url, canned_assistant, line_api, sign_line, wait_for, records
):
    from test_line import event, post, wait_for_reply

    from privacybot.api.app import create_app

    custom = line_service_settings(settings, database_url, canned_assistant, line_api)
    canned_assistant.holder["replies"] = [
        {"text": "Section 4 says ...", "custom": {**ANSWER, "language": "ja"}}
    ]

    def send(client, sent: dict) -> dict:
        assert post(client, sign_line, custom, sent).status_code == 200
        return wait_for_reply(line_api, wait_for, sent["replyToken"])["body"]["messages"][-1]

    with TestClient(create_app(custom)) as client:
        answer = send(client, event(text="私のカルテは誰が見ますか？"))
        down = answer["quickReply"]["items"][-1]["action"]
        assert down["label"] == "👎 役に立たなかった"
        asked = send(client, event("postback", postback={"data": down["data"]}))
        assert "足りなかった点" in asked["text"]
        reasons = [i["action"] for i in asked["quickReply"]["items"]]
        assert [r["label"] for r in reasons] == [
            "答えになっていない",
            "別の話だった",
            "わかりにくい",
            "長すぎる",
        ]
        assert all(len(r["label"]) <= 20 and r["data"].startswith("missing:") for r in reasons)
        thanked = send(client, event("postback", postback={"data": reasons[2]["data"]}))
        assert "改善に役立てます" in thanked["text"]
        # A second reason, the 👎 again, or a forged reason: nothing changes, nothing asked.
        send(client, event("postback", postback={"data": reasons[0]["data"]}))
        again = send(client, event("postback", postback={"data": down["data"]}))
        assert "quickReply" not in again
        forged = send(client, event("postback", postback={"data": "missing:not-an-answer:unclear"}))
        assert "記録できませんでした" in forged["text"]
    assert [(row.vote, row.comment) for row in records()] == [("down", "わかりにくい")]
    assert len(canned_assistant.requests) == 1  # none of the taps went to the assistant
