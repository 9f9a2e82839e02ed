"""The desk as a work queue: overdue requests first, assignment, internal notes, the identity
check, and replies to the patient from templates in their language, each mailed for real.

The service runs its real lifespan on SQLite and PostgreSQL, with an SMTP server on loopback.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from test_desk import CLINIC, PATIENT, STAFF, desk_settings, intake, mails_to, text_of

from privacybot.api.app import create_app
from privacybot.api.passwords import hash_password
from privacybot.desk.database import make_engine, make_session_factory
from privacybot.desk.models import DataRequest, utcnow
from privacybot.desk.reply_templates import ReplyTemplates, TemplateError

COLLEAGUE = ("dr.tanaka", "another long staff password")


def queue_settings(settings, database_url, smtp_port, **requests):
    base = desk_settings(settings, database_url, smtp_port)
    return base.model_copy(
        update={
            "requests": base.requests.model_copy(update=requests),
            "staff": base.staff.model_copy(
                update={
                    "users": {
                        STAFF[0]: hash_password(STAFF[1]),
                        COLLEAGUE[0]: hash_password(COLLEAGUE[1]),
                    }
                }
            ),
        }
    )


@pytest.fixture()
def desk(settings, database_url, smtp_inbox):
    app = create_app(queue_settings(settings, database_url, smtp_inbox.port))
    with TestClient(app) as client:
        client.database_url = database_url
        yield client


def submit(client, key: str, **fields) -> str:
    response = intake(client, idempotency_key=f"queue-test-{key}", **fields)
    assert response.status_code == 201, response.text
    return response.json()["reference"]


def post(client, reference: str, what: str, body: dict, auth=STAFF):
    return client.post(f"/desk/api/requests/{reference}/{what}", auth=auth, json=body)


def set_due(client, reference: str, days_from_today: int) -> None:
    engine = make_engine(client.database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            session.execute(
                update(DataRequest)
                .where(DataRequest.reference == reference)
                .values(due_on=utcnow().date() + timedelta(days=days_from_today))
            )
    finally:
        engine.dispose()


def test_the_queue_puts_overdue_requests_first_and_marks_them(desk):
    later = submit(desk, "later")
    overdue = submit(desk, "overdue", contact_email="late@example.com")
    closed = submit(desk, "closed", contact_email="closed@example.com")
    set_due(desk, later, 10)
    set_due(desk, overdue, -2)
    post(desk, closed, "status", {"status": "rejected"})
    items = desk.get("/desk/api/requests", auth=STAFF).json()["items"]
    assert [i["reference"] for i in items] == [overdue, later, closed]
    assert [i["overdue"] for i in items] == [True, False, False]
    # A closed request is never overdue, whatever its due date.
    set_due(desk, closed, -30)
    assert desk.get(f"/desk/api/requests/{closed}", auth=STAFF).json()["overdue"] is False


def test_a_request_is_assigned_to_a_colleague_and_found_by_who_has_it(desk):
    mine = submit(desk, "mine")
    theirs = submit(desk, "theirs", contact_email="other@example.com")
    assert post(desk, mine, "assignee", {"assignee": STAFF[0]}).json()["assignee"] == STAFF[0]
    given = post(desk, theirs, "assignee", {"assignee": COLLEAGUE[0]}).json()
    assert given["events"][-1]["action"] == "assigned"
    assert given["events"][-1]["note"] == f"nobody → {COLLEAGUE[0]}"

    def listed(who: str) -> list[str]:
        found = desk.get("/desk/api/requests", params={"assignee": who}, auth=STAFF).json()
        return [i["reference"] for i in found["items"]]

    assert listed("me") == [mine]
    assert listed(COLLEAGUE[0]) == [theirs]
    assert listed("none") == []
    assert post(desk, theirs, "assignee", {"assignee": None}).json()["assignee"] is None
    assert listed("none") == [theirs]
    # Someone who is not on the staff: refused, with who is.
    wrong = post(desk, mine, "assignee", {"assignee": "intruder"})
    assert wrong.status_code == 422 and COLLEAGUE[0] in wrong.json()["detail"]


def test_a_request_cannot_be_completed_before_the_identity_check_is_recorded(desk):
    reference = submit(desk, "identity")
    post(desk, reference, "status", {"status": "in_progress"})
    early = post(desk, reference, "status", {"status": "completed"})
    assert early.status_code == 409 and "identity" in early.json()["detail"]
    unknown_way = post(desk, reference, "identity", {"method": "looked trustworthy"})
    assert unknown_way.status_code == 422 and "photo ID" in unknown_way.json()["detail"]

    ways = desk.get("/desk/api/options", auth=STAFF).json()["identity_methods"]
    checked = post(desk, reference, "identity", {"method": ways[0], "note": "driving licence"})
    assert checked.status_code == 200
    detail = checked.json()
    assert (detail["identity_method"], detail["identity_checked_by"]) == (ways[0], STAFF[0])
    assert detail["events"][-1]["note"] == f"{ways[0]}: driving licence"
    again = post(desk, reference, "identity", {"method": ways[1]}, auth=COLLEAGUE)
    assert again.status_code == 409 and STAFF[0] in again.json()["detail"]
    done = post(desk, reference, "status", {"status": "completed"})
    assert done.status_code == 200 and done.json()["status"] == "completed"


def test_notes_stay_inside_the_clinic(desk, smtp_inbox, wait_for):
    reference = submit(desk, "notes")
    # the acknowledgment and the clinic's mail, before counting
    assert wait_for(lambda: mails_to(smtp_inbox, PATIENT) and mails_to(smtp_inbox, CLINIC))
    before = len(smtp_inbox.messages)
    noted = post(desk, reference, "notes", {"text": "Patient called; will bring ID on Monday."})
    assert noted.status_code == 200
    [note] = noted.json()["messages"]
    assert (note["kind"], note["author"]) == ("note", STAFF[0])
    assert noted.json()["events"][-1]["action"] == "noted"
    empty = post(desk, reference, "notes", {"text": "   "})
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    unknown = desk.post("/desk/api/requests/PR-2000-000001/notes", auth=STAFF, json={"text": "x"})
    assert unknown.status_code == 404
    # The patient is not e-mailed about a note (only the status and replies reach them).
    assert not wait_for(lambda: len(smtp_inbox.messages) > before, timeout=1.5)


def test_a_reply_from_a_template_reaches_the_patient_once_in_their_language(
    desk, smtp_inbox, wait_for
):
    reference = submit(desk, "reply-ja", language="ja")
    assert wait_for(lambda: mails_to(smtp_inbox, PATIENT))
    options = desk.get("/desk/api/options", auth=STAFF).json()
    assert "identity_check" in [t["key"] for t in options["templates"]["ja"]]
    draft = desk.get(
        f"/desk/api/requests/{reference}/reply-draft",
        params={"template": "identity_check"},
        auth=STAFF,
    ).json()
    assert draft["language"] == "ja" and "山田 太郎 様" in draft["text"]
    assert reference in draft["text"] and "{" not in draft["text"]

    # Sent as drafted, the template's [[...]] is still to be written: refused, nothing sent.
    unfinished = post(desk, reference, "replies", {"text": draft["text"]})
    assert unfinished.status_code == 422 and "本人確認の方法" in unfinished.json()["detail"]

    text = draft["text"].split("[[")[0] + "受付に健康保険証をお持ちください。"
    body = {"text": text, "template": "identity_check", "client_key": "reply-page-0001"}
    first = post(desk, reference, "replies", body)
    second = post(desk, reference, "replies", body)  # the button pressed twice
    assert first.status_code == second.status_code == 200
    replies = [m for m in second.json()["messages"] if m["kind"] == "reply"]
    assert len(replies) == 1 and replies[0]["template"] == "identity_check"

    def reply_mails():
        return [m for m in mails_to(smtp_inbox, PATIENT) if "ご連絡" in m["Subject"]]

    assert wait_for(reply_mails)
    assert not wait_for(lambda: len(reply_mails()) > 1, timeout=1.5)
    [mail] = reply_mails()
    assert reference in mail["Subject"] and "受付に健康保険証をお持ちください。" in text_of(mail)
    assert mail["Reply-To"] == CLINIC
    assert "山田" not in mail["Subject"]  # nothing the patient typed in a header

    # The same page id on another request: refused, not silently dropped.
    other = submit(desk, "reply-other", contact_email="other@example.com")
    reused = post(desk, other, "replies", {**body, "text": "Another reply."})
    assert reused.status_code == 422 and "another request" in reused.json()["detail"]

    unknown = desk.get(
        f"/desk/api/requests/{reference}/reply-draft", params={"template": "nope"}, auth=STAFF
    )
    assert unknown.status_code == 422 and "nope" in unknown.json()["detail"]


def test_every_status_change_and_reply_is_mailed_to_the_patient(desk, smtp_inbox, wait_for):
    reference = submit(desk, "lifecycle")
    post(desk, reference, "assignee", {"assignee": COLLEAGUE[0]})
    post(desk, reference, "status", {"status": "in_progress"}, auth=COLLEAGUE)
    post(desk, reference, "notes", {"text": "Checked the paper file too."}, auth=COLLEAGUE)
    way = desk.get("/desk/api/options", auth=STAFF).json()["identity_methods"][0]
    post(desk, reference, "identity", {"method": way}, auth=COLLEAGUE)
    post(desk, reference, "replies", {"text": "We have deleted your data."}, auth=COLLEAGUE)
    done = post(desk, reference, "status", {"status": "completed"}, auth=COLLEAGUE).json()
    trail = [(e["actor"], e["action"]) for e in done["events"]]
    assert trail == [
        ("patient via web", "created"),
        (STAFF[0], "assigned"),
        (COLLEAGUE[0], "status_changed"),
        (COLLEAGUE[0], "noted"),
        (COLLEAGUE[0], "identity_checked"),
        (COLLEAGUE[0], "replied"),
        (COLLEAGUE[0], "status_changed"),
    ]
    # acknowledgment, in progress, the reply, completed: four mails, the note none
    assert wait_for(lambda: len(mails_to(smtp_inbox, PATIENT)) == 4)
    texts = [text_of(m) for m in mails_to(smtp_inbox, PATIENT)]
    assert any("We have deleted your data." in t for t in texts)
    assert not any("paper file" in t for t in texts)
    assert "completed" in texts[-1].lower()


def test_an_unconfirmed_request_takes_no_reply_and_no_identity_check(
    settings, database_url, smtp_inbox
):
    app = create_app(
        queue_settings(settings, database_url, smtp_inbox.port, confirmation="required")
    )
    with TestClient(app) as client:
        client.database_url = database_url
        reference = submit(client, "waiting")
        refused = post(client, reference, "replies", {"text": "Hello"})
        assert refused.status_code == 409 and "confirmed" in refused.json()["detail"]
        way = client.get("/desk/api/options", auth=STAFF).json()["identity_methods"][0]
        assert post(client, reference, "identity", {"method": way}).status_code == 409


def test_a_template_naming_an_unknown_placeholder_stops_the_desk_with_its_name(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "en.yml").write_text(
        "thanks:\n  title: Say thanks\n  body: 'Dear {name}, your {referenc} is noted.'\n",
        encoding="utf-8",
    )
    with pytest.raises(TemplateError) as error:
        ReplyTemplates(["en"], folder)
    message = str(error.value)
    assert "en.yml" in message and "'thanks'" in message and "{referenc}" in message
    (folder / "en.yml").write_text("thanks:\n  body: 'no title'\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="needs a title and a body"):
        ReplyTemplates(["en"], folder)
    with pytest.raises(TemplateError, match="names no folder"):
        ReplyTemplates(["en"], tmp_path / "no-such-folder")


def test_a_clinic_rewords_a_template_and_adds_its_own(settings, database_url, smtp_inbox, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "en.yml").write_text(
        "identity_check:\n  title: Ask for ID\n  body: 'Dear {name}, please bring ID.'\n"
        "records_sent:\n  title: Records sent\n  body: 'Dear {name}, your records for "
        "{reference} are in the post.'\n",
        encoding="utf-8",
    )
    app = create_app(
        queue_settings(settings, database_url, smtp_inbox.port, reply_templates=folder)
    )
    with TestClient(app) as client:
        reference = submit(client, "own-templates", language="en")
        keys = [
            t["key"] for t in client.get("/desk/api/options", auth=STAFF).json()["templates"]["en"]
        ]
        assert {"identity_check", "records_sent", "done"} <= set(keys)
        drafted = client.get(
            f"/desk/api/requests/{reference}/reply-draft",
            params={"template": "identity_check"},
            auth=STAFF,
        ).json()["text"]
        assert drafted == "Dear 山田 太郎, please bring ID."


def test_the_patients_status_page_shows_the_clinics_replies_but_never_its_notes(
    settings, database_url, smtp_inbox, wait_for
):
    from conftest import acknowledgment_in

    app = create_app(
        queue_settings(settings, database_url, smtp_inbox.port, confirmation="optional")
    )
    with TestClient(app) as client:
        reference = submit(client, "status-page")
        mail = acknowledgment_in(smtp_inbox, reference)
        status_url = next(w for w in text_of(mail).split() if "/requests/status/" in w)
        path = status_url[status_url.index("/requests/") :]
        post(client, reference, "notes", {"text": "INTERNAL: the patient sounded upset"})
        post(client, reference, "replies", {"text": "Please bring your ID card <b>on Monday</b>."})
        page = client.post(path, data={"email": PATIENT})
        assert page.status_code == 200
        assert "Messages from the clinic" in page.text
        assert "Please bring your ID card &lt;b&gt;on Monday&lt;/b&gt;." in page.text
        assert "INTERNAL" not in page.text
