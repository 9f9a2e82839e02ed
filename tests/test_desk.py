"""The request desk behind the service: intake, storage, the mail outbox, the staff desk.

Real components on loopback: SQLite and PostgreSQL databases, an SMTP server (aiosmtpd) that
is stopped and started again; the service runs its real lifespan (migrations, outbox sender).
"""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from privacybot.api.app import create_app
from privacybot.api.passwords import hash_password
from privacybot.desk.database import make_engine, make_session_factory
from privacybot.desk.models import DataRequest, OutboxMail, RequestEvent

TOKEN = "internal-test-token"
STAFF = ("nurse.sato", "correct horse battery staple")
REFERENCE = re.compile(r"^PR-\d{4}-\d{6}$")


def desk_settings(settings, database_url: str, smtp_port: int, confirmation: str = "off"):
    """The service on these components; the desk's own tests take requests without the
    patient's e-mail confirmation (tests/test_request_confirmation.py covers that)."""
    return settings.model_copy(
        update={
            "requests": settings.requests.model_copy(update={"confirmation": confirmation}),
            "database": settings.database.model_copy(update={"url": database_url}),
            "mail": settings.mail.model_copy(
                update={
                    "smtp_port": smtp_port,
                    "retry_base_seconds": 0.2,
                    "retry_max_seconds": 0.5,
                    "poll_seconds": 0.1,
                    "from_address": "assistant@sakura-clinic.test",
                }
            ),
            "staff": settings.staff.model_copy(
                update={"users": {STAFF[0]: hash_password(STAFF[1])}}
            ),
            "api": settings.api.model_copy(update={"internal_token": TOKEN}),
        }
    )


@pytest.fixture()
def service(settings, database_url, smtp_inbox):
    app = create_app(desk_settings(settings, database_url, smtp_inbox.port))
    with TestClient(app) as client:
        client.database_url = database_url
        yield client


def submission(**overrides) -> dict:
    body = {
        "idempotency_key": "conversation-1:form-1",
        "channel": "web",
        "kind": "deletion",
        "requester_name": "山田 太郎",
        "contact_email": "taro.yamada@example.com",
        "phone": "090-1234-5678",
        "on_behalf_of": "self",
        "description": "Please delete everything you hold about me.",
    }
    return {**body, **overrides}


def intake(client, **overrides):
    return client.post(
        "/internal/requests", json=submission(**overrides), headers={"X-Internal-Token": TOKEN}
    )


CLINIC = "info@sakura-international-clinic.com"
PATIENT = "taro.yamada@example.com"


def mails_to(inbox, address: str) -> list:
    return [m for m in list(inbox.messages) if m["To"] == address]


def text_of(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def rows(client, model):
    engine = make_engine(client.database_url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalars(select(model).order_by(model.id)).all()
    finally:
        engine.dispose()


def test_a_request_is_stored_and_mailed_to_the_clinic_with_its_reference(
    service, smtp_inbox, settings, wait_for
):
    response = intake(service)
    assert response.status_code == 201
    reference = response.json()["reference"]
    assert REFERENCE.match(reference)

    [stored] = rows(service, DataRequest)
    assert (stored.reference, stored.kind, stored.status) == (reference, "deletion", "received")
    assert stored.requester_name == "山田 太郎"

    assert wait_for(lambda: mails_to(smtp_inbox, CLINIC) and mails_to(smtp_inbox, PATIENT))
    [mail] = mails_to(smtp_inbox, str(settings.clinic.contact_email))
    assert [CLINIC] in [recipients for _, recipients in smtp_inbox.envelopes]
    assert reference in mail["Subject"]
    body = text_of(mail)
    assert reference in body and "山田 太郎" in body and "Verify the requester's identity" in body
    assert "E-mail check:  not asked" in body
    assert mail["Reply-To"] == PATIENT
    # The patient's acknowledgment: their reference, and the clinic to reply to.
    [acknowledgment] = mails_to(smtp_inbox, PATIENT)
    assert reference in acknowledgment["Subject"] and reference in text_of(acknowledgment)
    assert acknowledgment["Reply-To"] == CLINIC
    assert {row.status for row in rows(service, OutboxMail)} == {"sent"}


def test_references_are_not_sequential(service):
    references = [
        intake(service, idempotency_key=f"key-{i}-abcdefgh").json()["reference"] for i in range(5)
    ]
    numbers = [int(r.rsplit("-", 1)[1]) for r in references]
    assert len(set(references)) == 5
    assert [b - a for a, b in zip(numbers, numbers[1:], strict=False)] != [1, 1, 1, 1]


def test_a_repeated_submission_creates_one_request_and_one_mail(service, smtp_inbox, wait_for):
    first = intake(service)
    second = intake(service)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["reference"] == second.json()["reference"]
    assert second.json()["created"] is False
    assert len(rows(service, DataRequest)) == 1
    assert wait_for(lambda: mails_to(smtp_inbox, CLINIC) and mails_to(smtp_inbox, PATIENT))
    time.sleep(0.5)
    assert len(mails_to(smtp_inbox, CLINIC)) == len(mails_to(smtp_inbox, PATIENT)) == 1


def test_with_smtp_down_the_request_is_safe_and_the_mail_goes_once_smtp_is_back(
    service, smtp_inbox, wait_for
):
    smtp_inbox.stop()
    response = intake(service)
    assert response.status_code == 201
    reference = response.json()["reference"]
    assert wait_for(lambda: all(m.attempts >= 2 for m in rows(service, OutboxMail)))
    mail_rows = rows(service, OutboxMail)
    assert {row.to_address for row in mail_rows} == {CLINIC, PATIENT}
    assert all(row.status == "pending" and "Error" in (row.last_error or "") for row in mail_rows)
    assert len(rows(service, DataRequest)) == 1

    smtp_inbox.start()
    assert wait_for(lambda: len(smtp_inbox.messages) == 2)
    time.sleep(1.0)  # several more sender rounds: no mail may come twice
    assert len(mails_to(smtp_inbox, CLINIC)) == len(mails_to(smtp_inbox, PATIENT)) == 1
    assert all(reference in m["Subject"] for m in smtp_inbox.messages)
    assert {row.status for row in rows(service, OutboxMail)} == {"sent"}


def test_a_crash_between_send_and_mark_does_not_lose_the_mail(settings, database_url, smtp_inbox):
    from privacybot.desk.intake import RequestSubmission
    from privacybot.desk.mail import Outbox, SmtpSender
    from privacybot.desk.service import RequestDesk

    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    setup = (settings, database_url, smtp_inbox.port)
    mail_settings = desk_settings(*setup).mail
    desk = RequestDesk(sessions, settings.clinic, requests=desk_settings(*setup).requests)
    desk.submit(
        RequestSubmission.validated(
            **{k: v for k, v in submission().items() if k not in ("idempotency_key", "channel")}
        ),
        "crash-test-key",
    )

    class CrashAfterSending(SmtpSender):
        def send(self, message):
            super().send(message)
            raise OSError("process killed before the mail was marked sent")

    Outbox(sessions, mail_settings, CrashAfterSending(mail_settings)).deliver_due()
    assert len(smtp_inbox.messages) == 2  # the clinic's and the patient's
    assert set(sessions().scalars(select(OutboxMail.status))) == {"pending"}
    time.sleep(0.3)
    assert Outbox(sessions, mail_settings).deliver_due() == (2, 0)
    first, again = smtp_inbox.messages[:2], smtp_inbox.messages[2:]
    assert sorted(m["Message-ID"] for m in first) == sorted(m["Message-ID"] for m in again)
    engine.dispose()


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"contact_email": "not-an-email"}, "contact_email", "not a valid e-mail"),
        ({"contact_email": "a@b.com\r\nBcc: x@evil.test"}, "contact_email", "line break"),
        # look-alike (Cyrillic а) and internationalised addresses: the mail cannot carry them
        ({"contact_email": "t\u0430ro@example.com"}, "contact_email", "plain Latin letters"),
        ({"contact_email": "taro@ex\u00e4mple.com"}, "contact_email", "plain Latin letters"),
        ({"contact_email": "\u7528\u6237@example.com"}, "contact_email", "plain Latin letters"),
        ({"description": "x" * 10_000}, "description", "10000 characters"),
        ({"requester_name": "Taro\r\nBcc: x@evil.test"}, "requester_name", "one line"),
        ({"requester_name": "Taro\x00\x1b"}, "requester_name", "cannot be stored"),
        ({"requester_name": "   "}, "requester_name", "the name"),
        ({"kind": "launch missiles"}, "kind", "choose one of"),
        ({"phone": "call me maybe"}, "phone", "digits"),
        ({"on_behalf_of": "other", "relationship": ""}, "relationship", "related"),
    ],
)
def test_bad_input_gets_a_clear_reason_and_nothing_is_stored(
    service, smtp_inbox, overrides, field, reason
):
    response = intake(service, **overrides)
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", field]
    assert reason in problem["msg"]
    assert rows(service, DataRequest) == [] and rows(service, OutboxMail) == []


def test_patient_text_never_reaches_a_mail_header(service, smtp_inbox, wait_for):
    description = "Subject: fake\r\nBcc: attacker@evil.test\r\n\r\nreal text"
    assert intake(service, description=description).status_code == 201
    assert wait_for(lambda: len(smtp_inbox.messages) == 2)
    for mail in smtp_inbox.messages:
        assert mail["Bcc"] is None and "fake" not in mail["Subject"]
    assert sorted(recipients for _, recipients in smtp_inbox.envelopes) == [[CLINIC], [PATIENT]]


def test_intake_requires_the_internal_token(service):
    assert service.post("/internal/requests", json=submission()).status_code == 401
    wrong = service.post(
        "/internal/requests", json=submission(), headers={"X-Internal-Token": "guess"}
    )
    assert wrong.status_code == 401
    assert rows(service, DataRequest) == []


def test_status_is_told_only_to_the_email_on_the_request(service):
    reference = intake(service).json()["reference"]
    ask = lambda ref, email: service.post(  # noqa: E731
        "/internal/requests/status",
        json={"reference": ref, "contact_email": email},
        headers={"X-Internal-Token": TOKEN},
    )
    ok = ask(reference.lower().replace("-", " "), "TARO.YAMADA@example.com")
    assert ok.status_code == 200 and ok.json() == {"reference": reference, "status": "received"}
    assert ask(reference, "someone.else@example.com").status_code == 404
    assert ask("PR-1999-000000", "taro.yamada@example.com").status_code == 404
    assert (
        ask(reference, "someone.else@example.com").json()
        == ask("PR-1999-000000", "taro.yamada@example.com").json()
    )


@pytest.mark.parametrize("auth", [None, ("nurse.sato", "wrong password"), ("intruder", "x" * 20)])
def test_every_desk_route_requires_staff_sign_in(service, auth):
    reference = intake(service).json()["reference"]
    for method, path in [
        ("get", "/desk/api/requests"),
        ("get", f"/desk/api/requests/{reference}"),
        ("post", f"/desk/api/requests/{reference}/status"),
        ("get", "/desk"),
        ("get", "/desk/static/desk.js"),
    ]:
        extra = {"json": {"status": "in_progress"}} if method == "post" else {}
        response = getattr(service, method)(path, auth=auth, **extra)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert rows(service, RequestEvent)[-1].action == "created"


def test_staff_list_filter_open_and_move_a_request_with_an_audit_trail(service):
    deletion = intake(service).json()["reference"]
    complaint = intake(
        service,
        idempotency_key="other-key-123",
        kind="complaint",
        requester_name="Anna Schmidt",
        contact_email="anna@example.com",
    ).json()["reference"]
    listing = service.get("/desk/api/requests", auth=STAFF).json()
    assert listing["total"] == 2
    assert {i["reference"] for i in listing["items"]} == {deletion, complaint}
    only = service.get("/desk/api/requests", params={"kind": "complaint"}, auth=STAFF).json()
    assert [i["reference"] for i in only["items"]] == [complaint]
    found = service.get("/desk/api/requests", params={"q": "schmidt"}, auth=STAFF).json()
    assert [i["reference"] for i in found["items"]] == [complaint]

    moved = service.post(
        f"/desk/api/requests/{deletion}/status",
        auth=STAFF,
        json={"status": "in_progress", "note": "identity checked by phone"},
    )
    assert moved.status_code == 200
    service.post(
        f"/desk/api/requests/{deletion}/identity",
        auth=STAFF,
        json={"method": "call back to the phone number on file"},
    )
    done = service.post(
        f"/desk/api/requests/{deletion}/status", auth=STAFF, json={"status": "completed"}
    ).json()
    assert done["status"] == "completed"
    trail = [(e["actor"], e["from_status"], e["to_status"]) for e in done["events"]]
    assert trail == [
        ("patient via web", None, "received"),
        ("nurse.sato", "received", "in_progress"),
        ("nurse.sato", None, None),  # the identity check
        ("nurse.sato", "in_progress", "completed"),
    ]
    assert done["events"][1]["note"] == "identity checked by phone"
    filtered = service.get("/desk/api/requests", params={"status": "completed"}, auth=STAFF).json()
    assert [i["reference"] for i in filtered["items"]] == [deletion]


def test_desk_search_takes_percent_and_underscore_as_they_are(service):
    intake(service, requester_name="Anna Schmidt", contact_email="anna@example.com")
    intake(
        service,
        idempotency_key="other-key-456",
        requester_name="Ken_Ito 100%",
        contact_email="ken@example.com",
    )

    def found(text: str) -> list[str]:
        listing = service.get("/desk/api/requests", params={"q": text}, auth=STAFF).json()
        return [item["requester_name"] for item in listing["items"]]

    assert found("%") == ["Ken_Ito 100%"]
    assert found("_") == ["Ken_Ito 100%"]
    assert found("a%n") == [] and found("k_n") == []
    assert found("\\") == []
    assert found("schmidt") == ["Anna Schmidt"]


def test_desk_refuses_impossible_moves_and_unknown_references(service):
    reference = intake(service).json()["reference"]
    skip = service.post(
        f"/desk/api/requests/{reference}/status", auth=STAFF, json={"status": "completed"}
    )
    assert skip.status_code == 409 and "cannot become 'completed'" in skip.json()["detail"]
    bad = service.post(
        f"/desk/api/requests/{reference}/status", auth=STAFF, json={"status": "shredded"}
    )
    assert bad.status_code == 422
    unknown = service.get("/desk/api/requests/PR-2000-123456", auth=STAFF)
    assert unknown.status_code == 404
    assert (
        service.post(
            "/desk/api/requests/PR-2000-123456/status", auth=STAFF, json={"status": "in_progress"}
        ).status_code
        == 404
    )
    assert len(rows(service, RequestEvent)) == 1


def test_the_openapi_docs_describe_the_desk_but_not_the_internal_intake(service):
    spec = service.get("/openapi.json").json()
    assert "/desk/api/requests" in spec["paths"] and "/internal/requests" not in spec["paths"]
    assert "/internal/requests" in service.app.openapi()["paths"]  # declared, for the tests


def test_a_paging_offset_beyond_what_the_database_holds_is_a_clear_422(service):
    # Found by the schemathesis run: 2**114 reached SQLite and failed with a 500.
    response = service.get("/desk/api/requests", params={"offset": 2**114}, auth=STAFF)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "offset"]


def test_a_connection_opened_while_another_process_reads_the_new_database_works(tmp_path):
    """Two processes starting together: the first holds the fresh SQLite file in a read while
    the second connects, so the second cannot switch it to write-ahead logging yet. It still
    connects and writes (a turn's answer log failed with "database is locked"); a later
    connection switches the file once the first is done."""
    import sqlite3

    from sqlalchemy import text

    path = tmp_path / "desk.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("CREATE TABLE t (x)")
    other.execute("BEGIN")
    other.execute("SELECT * FROM t").fetchall()
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    other.execute("COMMIT")
    other.close()
    engine.dispose()
    with make_engine(f"sqlite:///{path}").connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        connection.execute(text("INSERT INTO t VALUES (1)"))
        connection.commit()


def test_the_migrations_build_exactly_the_tables_the_models_describe(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from privacybot.desk.migrate import upgrade_database
    from privacybot.desk.models import Base

    upgrade_database(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
