"""The staff's insights (issue 14): what patients asked and could not get, grouped, per day,
section and language, as JSON, CSV and a page. The service runs for real in front of a stand-in
assistant on SQLite and PostgreSQL; the page is driven in Chromium against the whole assistant."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from privacybot.desk.database import make_engine, make_session_factory
from privacybot.desk.models import utcnow
from privacybot.insights.answers import AnswerLog

BASE = {
    "intent": "ask_policy",
    "language": "en",
    "policy_version": "v1",
    "citations": [],
    "next_step": "reply",
}
NOT_COVERED = {**BASE, "outcome": "not_covered", "confidence": 0.7, "sections": []}
UNSURE = {**BASE, "outcome": "answer", "confidence": 0.31, "sections": [5]}
ANSWER = {**BASE, "outcome": "answer", "confidence": 0.9, "sections": [4]}
REQUEST = {
    **BASE,
    "outcome": "request",
    "intent": "request_deletion",
    "confidence": 0.95,
    "next_step": "request_form",
}


@pytest.fixture()
def service(chat_service):
    return chat_service


def ask(client, text: str, custom: dict, language: str | None = None) -> str | None:
    client.canned.holder["replies"] = [
        {"text": "...", "custom": {**custom, **({"language": language} if language else {})}}
    ]
    conversation = client.post("/chat/conversations").json()["conversation_id"]
    reply = client.post(f"/chat/conversations/{conversation}/messages", json={"text": text})
    return reply.json()["replies"][0]["feedback_id"]


def test_insights_need_staff_sign_in(service):
    for path in ("/desk/api/insights", "/desk/api/insights.csv", "/desk/insights"):
        response = service.get(path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_unanswered_questions_are_grouped_by_meaning_most_frequent_first(service, staff_user):
    ask(service, "Do you sell my data to advertisers?", NOT_COVERED)
    ask(service, "Is my information sold to marketing companies?", NOT_COVERED)
    ask(service, "Do you sell my data to advertisers?", NOT_COVERED)
    ask(service, "Can I bring my dog to the waiting room?", NOT_COVERED)
    ask(service, "私のデータを広告会社に売っていますか", NOT_COVERED, language="ja")
    ask(service, "What cookies are on the booking page?", UNSURE)
    disliked = ask(service, "Who sees my records? I'm Priya Raman.", ANSWER)
    ask(service, "Please delete everything you hold on me", REQUEST)
    comment = "Nothing about the pharmacy. Call me on 090-1234-5678"
    assert (
        service.post(
            f"/chat/answers/{disliked}/feedback", json={"vote": "down", "comment": comment}
        ).status_code
        == 204
    )

    report = service.get("/desk/api/insights", auth=staff_user).json()
    assert report["totals"] == {
        "not_covered": 5,
        "answer": 2,
        "request": 1,
        "all": 8,
        "up": 0,
        "down": 1,
    }
    selling, dog = report["unanswered"][0], report["unanswered"][1]
    assert selling["question"] == "Do you sell my data to advertisers?"
    assert selling["count"] == 4  # the same question in other words, in English and Japanese
    assert selling["languages"] == {"en": 3, "ja": 1}
    assert dog["count"] == 1 and "dog" in dog["question"]
    assert [g["question"] for g in report["low_confidence"]] == [
        "What cookies are on the booking page?"
    ]
    assert report["disliked"] == [
        {
            "day": utcnow().date().isoformat(),
            "question": "Who sees my records? I'm [NAME].",
            "comment": "Nothing about the pharmacy. Call me on [PHONE]",
            "sections": [4],
            "language": "en",
        }
    ]
    assert {s["section"]: (s["answers"], s.get("down", 0)) for s in report["per_section"]} == {
        4: (1, 1),
        5: (1, 0),
    }
    assert report["handoffs"] == [{"reason": "request_deletion", "count": 1}]
    today = [d for d in report["per_day"] if d["day"] == utcnow().date().isoformat()]
    assert today == [{"day": today[0]["day"], "not_covered": 5, "answer": 2, "request": 1}]
    assert len(report["per_day"]) == 30

    japanese = service.get("/desk/api/insights?language=ja", auth=staff_user).json()
    assert japanese["totals"]["all"] == 1


def test_the_csv_export_is_redacted_and_safe_to_open_in_a_spreadsheet(service, staff_user):
    ask(service, '=HYPERLINK("http://evil.example") my name is John Smith', NOT_COVERED)
    response = service.get("/desk/api/insights.csv", auth=staff_user)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["question"] for row in rows] == [
        '\'=HYPERLINK("http://evil.example") my name is [NAME]'
    ]
    assert rows[0]["outcome"] == "not_covered" and rows[0]["channel"] == "web"


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("since=2026-12-10&until=2026-12-01", "before"),
        ("since=2024-01-01&until=2026-12-01", "366"),
        ("since=yesterday", "date"),
        ("language=xx", "language"),
    ],
)
def test_a_range_that_cannot_be_is_refused_with_the_reason(service, staff_user, query, reason):
    response = service.get(f"/desk/api/insights?{query}", auth=staff_user)
    assert response.status_code == 422
    assert reason in response.text


@pytest.mark.parametrize(
    "query",
    ["until=0001-01-01", "since=9999-12-31&until=9999-12-31", "since=0001-01-01&until=0001-12-31"],
)
def test_a_range_at_the_ends_of_the_calendar_is_an_empty_report(service, staff_user, query):
    for path in ("/desk/api/insights", "/desk/api/insights.csv"):
        response = service.get(f"{path}?{query}", auth=staff_user)
        assert response.status_code == 200, (path, response.text)
    assert service.get(f"/desk/api/insights?{query}", auth=staff_user).json()["totals"]["all"] == 0


def test_days_outside_the_range_are_left_out(service, staff_user, database_url):
    log = AnswerLog(make_session_factory(make_engine(database_url)))
    log.record("an old question", NOT_COVERED, "web")
    ask(service, "a new question", NOT_COVERED)
    week_ago = (utcnow().date() - timedelta(days=7)).isoformat()
    report = service.get(
        f"/desk/api/insights?since={week_ago}&until={week_ago}", auth=staff_user
    ).json()
    assert report["totals"]["all"] == 0 and len(report["per_day"]) == 1


# --- try a question in the desk -----------------------------------------------------------------


def test_the_console_shows_the_reply_and_the_decision_and_counts_nothing(
    service, staff_user, database_url
):
    assert service.post("/desk/api/console", json={"text": "hi"}).status_code == 401
    service.canned.holder["replies"] = [
        {"text": "Section 5 says ...", "custom": {**UNSURE, "scores": [0.61, 0.4]}}
    ]
    response = service.post(
        "/desk/api/console", json={"text": "What cookies do you use?"}, auth=staff_user
    )
    assert response.status_code == 200
    tried = response.json()
    assert tried["replies"][0]["text"] == "Section 5 says ..."
    assert tried["details"] | {"rasa_intents": {}} == {
        "outcome": "answer",
        "intent": "ask_policy",
        "confidence": 0.31,
        "sections": [5],
        "scores": [0.61, 0.4],
        "policy_version": "v1",
        "language": "en",
        "rasa_intents": {},
    }
    [asked] = service.canned.requests
    assert asked["body"]["sender"].startswith("desk-")  # a conversation of its own
    log = AnswerLog(make_session_factory(make_engine(database_url)))
    today = utcnow().date()
    assert log.between(today, today) == []  # a staff try is not a patient's question


@pytest.mark.parametrize(
    ("body", "status"),
    [({"text": ""}, 422), ({"text": "x" * 2001}, 422), ({"text": "hi", "language": "xx"}, 422)],
)
def test_the_console_refuses_what_it_cannot_ask(service, staff_user, body, status):
    assert service.post("/desk/api/console", json=body, auth=staff_user).status_code == status
    assert service.canned.requests == []


def test_the_console_says_when_the_assistant_is_down(service, staff_user):
    service.canned.close()
    response = service.post("/desk/api/console", json={"text": "cookies?"}, auth=staff_user)
    assert response.status_code == 503 and "unavailable" in response.json()["detail"]


# --- the page, in Chromium, against the whole assistant -----------------------------------------


def test_the_insights_page_lists_groups_filters_by_language_and_draws_the_chart(
    rasa_url, settings, browser, staff_user, screenshots
):
    """The page shows what the API reports (the end-to-end database keeps earlier runs' rows,
    so counts are compared with the API's rather than fixed)."""
    import httpx

    log = AnswerLog(make_session_factory(make_engine(settings.database.resolved_url())))
    marker = uuid.uuid4().hex[:6]
    selling = f"Do you sell my data to advertisers? ({marker})"
    for _ in range(3):
        log.record(selling, NOT_COVERED, "web")
    log.record("<img src=x onerror=alert(1)> can I bring my dog?", NOT_COVERED, "web")
    log.record(
        f"待合室に犬を連れて行けますか（{marker}）", {**NOT_COVERED, "language": "ja"}, "line"
    )
    api = f"{settings.services.api_url}/desk/api/insights"
    groups = httpx.get(api, auth=staff_user).json()["unanswered"]
    [expected] = [
        g["count"] for g in groups if selling in g["wordings"] or g["question"] == selling
    ]
    assert expected >= 3

    context = browser.new_context(
        http_credentials={"username": staff_user[0], "password": staff_user[1]}
    )
    page = context.new_page()
    dialogs, errors = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on(  # the desk has no favicon: the browser's 404 for it is not the page's
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.location["url"].endswith("/favicon.ico")
            else None
        ),
    )
    page.goto(f"{settings.services.api_url}/desk/insights")
    table = page.locator("#unanswered")
    expect(table.locator("tbody tr").first).to_be_visible(timeout=10_000)
    row = table.locator("tbody tr", has_text="sell my data to advertisers").first
    expect(row.locator("td").nth(1)).to_have_text(str(expected))
    expect(table.locator("tr", has_text="<img src=x").first).to_be_visible()  # text, not HTML
    expect(page.locator("#chart svg rect")).not_to_have_count(0)
    assert "questions over 30 days" in page.locator("#chart svg").get_attribute("aria-label")
    page.locator("#range").get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Show").click()
    expect(table.locator("tr", has_text=f"待合室に犬を連れて行けますか（{marker}）")).to_have_count(
        1
    )
    expect(table.locator("tr", has_text="advertisers")).to_have_count(0)
    page.screenshot(path=str(screenshots / "staff-insights.png"), full_page=True)
    assert dialogs == [] and errors == []
    context.close()
