"""A patient's request, acknowledged, confirmed and followed by e-mail (issue 15).

Real components on loopback: the service with its real lifespan (migrations, outbox sender),
SQLite and PostgreSQL, an SMTP server (aiosmtpd) that is stopped and started again, and a TLS
SMTP server with a login for STARTTLS.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_desk import (
    CLINIC,
    PATIENT,
    STAFF,
    TOKEN,
    desk_settings,
    intake,
    mails_to,
    rows,
    text_of,
)

from privacybot.api.app import create_app
from privacybot.desk.database import make_engine, make_session_factory
from privacybot.desk.models import DataRequest, OutboxMail, RequestEvent

LINK = re.compile(r"http://\S+/requests/(confirm|status)/([A-Za-z0-9_\-]+)")
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def confirmation_service(settings, database_url, smtp_port, confirmation="required"):
    app = create_app(desk_settings(settings, database_url, smtp_port, confirmation))
    client = TestClient(app)
    client.database_url = database_url
    return client


@pytest.fixture()
def service(settings, database_url, smtp_inbox):
    with confirmation_service(settings, database_url, smtp_inbox.port) as client:
        yield client


@pytest.fixture()
def optional_service(settings, database_url, smtp_inbox):
    with confirmation_service(settings, database_url, smtp_inbox.port, "optional") as client:
        yield client


def acknowledgment(inbox, wait_for, reference: str, address: str = PATIENT):
    assert wait_for(lambda: any(reference in m["Subject"] for m in mails_to(inbox, address)))
    [mail] = [m for m in mails_to(inbox, address) if reference in m["Subject"]]
    return mail


def links(mail) -> dict[str, str]:
    return {kind: path for kind, path in LINK.findall(text_of(mail))}


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


def test_the_clinic_hears_of_a_request_only_once_the_patient_confirms_their_address(
    service, smtp_inbox, wait_for
):
    reference = intake(service).json()["reference"]
    [stored] = rows(service, DataRequest)
    assert stored.status == "unconfirmed" and stored.confirmed_at is None

    mail = acknowledgment(smtp_inbox, wait_for, reference)
    body = text_of(mail)
    # What they asked, how to confirm, what happens next, where to follow it.
    assert "Delete my data" in body and "Please delete everything you hold about me." in body
    assert "within 48 hours" in body and "does not receive the request" in body
    assert CODE.search(body.split("code into the chat:")[1])
    assert set(links(mail)) == {"confirm", "status"}
    assert mail["Reply-To"] == CLINIC and mail["Auto-Submitted"] == "auto-generated"
    time.sleep(0.5)
    assert mails_to(smtp_inbox, CLINIC) == []

    # Opening the link (as a mail scanner does) confirms nothing; the button does.
    token = links(mail)["confirm"]
    page = service.get(f"/requests/confirm/{token}")
    assert page.status_code == 200 and reference in page_text(page)
    assert '<form method="post">' in page.text and "Yes, I made this request" in page.text
    assert rows(service, DataRequest)[0].status == "unconfirmed"

    done = service.post(f"/requests/confirm/{token}")
    assert done.status_code == 200
    assert f"request {reference} has been passed to the clinic" in page_text(done)
    assert wait_for(lambda: mails_to(smtp_inbox, CLINIC))
    [clinic_mail] = mails_to(smtp_inbox, CLINIC)
    assert reference in clinic_mail["Subject"]
    assert "E-mail check:  confirmed by the requester" in text_of(clinic_mail)

    detail = service.get(f"/desk/api/requests/{reference}", auth=STAFF).json()
    assert detail["status"] == "received" and detail["confirmed_at"] and detail["due_on"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in detail["events"]] == [
        ("created", None, "unconfirmed"),
        ("confirmed", "unconfirmed", "received"),
    ]

    # The same link again (a reload, a second click): said plainly, nothing sent twice.
    again = service.post(f"/requests/confirm/{token}")
    assert again.status_code == 200 and "already confirmed" in page_text(again)
    time.sleep(0.5)
    assert len(mails_to(smtp_inbox, CLINIC)) == 1


def test_a_japanese_request_is_acknowledged_and_confirmed_in_japanese(
    service, smtp_inbox, wait_for
):
    reference = intake(service, language="ja").json()["reference"]
    mail = acknowledgment(smtp_inbox, wait_for, reference)
    assert "受付番号" in mail["Subject"] or "ご請求" in mail["Subject"]
    assert "削除" in text_of(mail) and "確認コード" in text_of(mail)
    page = service.get(f"/requests/confirm/{links(mail)['confirm']}")
    assert '<html lang="ja">' in page.text and "はい、私が請求しました" in page.text


@pytest.mark.parametrize(
    "token", ["A" * 43, "short", "not a token <b>", "%00" * 20, "x" * 101, "ok-but-unknown_" * 3]
)
def test_a_forged_or_mangled_confirmation_link_gets_a_clear_page_and_changes_nothing(
    service, smtp_inbox, token
):
    intake(service)
    for method in ("get", "post"):
        page = getattr(service, method)(f"/requests/confirm/{token}")
        assert page.status_code == 404
        assert "This link is not valid" in page_text(page)
    assert rows(service, DataRequest)[0].status == "unconfirmed"
    assert [e.action for e in rows(service, RequestEvent)] == ["created"]


def test_an_unconfirmed_request_expires_and_is_purged_with_its_trail_and_mails(
    service, smtp_inbox, wait_for
):
    reference = intake(service).json()["reference"]
    token = links(acknowledgment(smtp_inbox, wait_for, reference))["confirm"]
    _age_confirmations(service, hours=49)

    expired = service.post(f"/requests/confirm/{token}")
    assert expired.status_code == 410 and "has expired" in page_text(expired)
    assert service.get(f"/requests/confirm/{token}").status_code == 410

    assert service.app.state.desk.purge_unconfirmed() == 1
    assert rows(service, DataRequest) == [] and rows(service, RequestEvent) == []
    assert rows(service, OutboxMail) == []
    assert service.post(f"/requests/confirm/{token}").status_code == 404
    assert mails_to(smtp_inbox, CLINIC) == []


def test_with_confirmation_optional_the_clinic_has_it_at_once_marked_unconfirmed(
    optional_service, smtp_inbox, wait_for
):
    service = optional_service
    reference = intake(service).json()["reference"]
    assert wait_for(lambda: mails_to(smtp_inbox, CLINIC))
    assert "NOT YET CONFIRMED" in text_of(mails_to(smtp_inbox, CLINIC)[0])
    mail = acknowledgment(smtp_inbox, wait_for, reference)
    assert "The clinic has received the request" in text_of(mail)

    assert service.post(f"/requests/confirm/{links(mail)['confirm']}").status_code == 200
    detail = service.get(f"/desk/api/requests/{reference}", auth=STAFF).json()
    assert detail["status"] == "received" and detail["confirmed_at"]
    time.sleep(0.5)
    assert len(mails_to(smtp_inbox, CLINIC)) == 1

    # An expired confirmation leaves the clinic's request in place.
    intake(service, idempotency_key="second-request-key")
    _age_confirmations(service, hours=49)
    assert service.app.state.desk.purge_unconfirmed() == 0
    assert len(rows(service, DataRequest)) == 2


def test_the_code_typed_in_the_chat_confirms_and_wrong_codes_lock_it(service, smtp_inbox, wait_for):
    def typed(reference, code):
        return service.post(
            "/internal/requests/confirm-code",
            json={"reference": reference, "code": code},
            headers={"X-Internal-Token": TOKEN},
        ).json()["outcome"]

    first = intake(service).json()["reference"]
    code = CODE.search(text_of(acknowledgment(smtp_inbox, wait_for, first)).split("chat:")[1])[1]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert typed(first, wrong) == "wrong"
    assert typed(first, code) == "confirmed"
    assert typed(first, code) == "already"
    assert wait_for(lambda: mails_to(smtp_inbox, CLINIC))
    assert "PR-1999-000000" and typed("PR-1999-000000", code) == "invalid"

    second = intake(service, idempotency_key="second-request-key").json()["reference"]
    mail = acknowledgment(smtp_inbox, wait_for, second)
    code = CODE.search(text_of(mail).split("chat:")[1])[1]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert [typed(second, wrong) for _ in range(5)] == ["wrong"] * 4 + ["locked"]
    assert typed(second, code) == "locked"  # five guesses, then only the link works
    assert service.post(f"/requests/confirm/{links(mail)['confirm']}").status_code == 200


def test_the_status_page_shows_the_request_only_with_its_email_and_follows_each_change(
    service, smtp_inbox, wait_for
):
    reference = intake(service).json()["reference"]
    mail = acknowledgment(smtp_inbox, wait_for, reference)
    status, confirm = links(mail)["status"], links(mail)["confirm"]

    form = service.get(f"/requests/status/{status}")
    assert form.status_code == 200 and 'type="email"' in form.text
    assert reference not in form.text  # nothing before the e-mail check

    wrong = service.post(f"/requests/status/{status}", data={"email": "someone@example.com"})
    unknown = service.post(f"/requests/status/{'B' * 43}", data={"email": PATIENT})
    assert wrong.status_code == unknown.status_code == 404
    assert page_text(wrong) == page_text(unknown)
    assert reference not in wrong.text

    service.post(f"/requests/confirm/{confirm}")
    moved = service.post(
        f"/desk/api/requests/{reference}/status",
        auth=STAFF,
        json={"status": "in_progress", "note": "internal: call back on Monday"},
    )
    assert moved.status_code == 200
    assert wait_for(lambda: len(mails_to(smtp_inbox, PATIENT)) == 2)
    update_mail = mails_to(smtp_inbox, PATIENT)[1]
    assert reference in update_mail["Subject"]
    assert "in progress at the clinic" in text_of(update_mail)
    assert "Monday" not in text_of(update_mail)  # staff's notes stay with staff

    shown = service.post(f"/requests/status/{status}", data={"email": PATIENT.upper()})
    text = page_text(shown)
    assert shown.status_code == 200 and reference in text and "in progress at the clinic" in text
    assert "E-mail address confirmed" in text and "Answer due by" in text
    assert "Monday" not in text and "nurse.sato" not in text
    assert shown.headers["cache-control"] == "no-store"
    assert shown.headers["referrer-policy"] == "no-referrer"


def test_with_smtp_down_a_confirmation_is_kept_and_the_clinic_mail_goes_once_back(
    service, smtp_inbox, wait_for
):
    reference = intake(service).json()["reference"]
    token = links(acknowledgment(smtp_inbox, wait_for, reference))["confirm"]
    smtp_inbox.stop()
    assert service.post(f"/requests/confirm/{token}").status_code == 200
    assert wait_for(lambda: any(m.attempts >= 1 for m in rows(service, OutboxMail)[1:]))
    smtp_inbox.start()
    assert wait_for(lambda: mails_to(smtp_inbox, CLINIC))
    time.sleep(1.0)
    assert len(mails_to(smtp_inbox, CLINIC)) == 1


def test_mails_are_text_and_html_with_the_patients_words_escaped(service, smtp_inbox, wait_for):
    words = "<script>alert(1)</script> & please delete"
    reference = intake(service, description=words).json()["reference"]
    mail = acknowledgment(smtp_inbox, wait_for, reference)
    assert mail.get_content_type() == "multipart/alternative"
    html_part = mail.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html_part and "&lt;script&gt;" in html_part
    assert '<a href="http://' in html_part and "/requests/confirm/" in html_part
    assert words in text_of(mail)
    assert mail["Message-ID"] and words not in str(mail["Subject"])


def _age_confirmations(client, hours: float) -> None:
    engine = make_engine(client.database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            for request in session.scalars(select(DataRequest)):
                request.confirm_before -= timedelta(hours=hours)
    finally:
        engine.dispose()


# ---- mail for real: STARTTLS and login against a TLS SMTP server on loopback ----


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, made by OpenSSL (scripts/test-deps.sh)."""
    import subprocess

    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture()
def tls_inbox(certificate):
    """An SMTP server that requires STARTTLS, and a login, before it takes a mail."""
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
    from conftest import SmtpInbox, free_port

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    inbox = SmtpInbox(free_port())
    inbox.logins = []

    def authenticator(server, session, envelope, mechanism, data):
        inbox.logins.append((data.login, session.ssl is not None))
        correct = (data.login, data.password) == (b"assistant", b"s3cret!")
        return AuthResult(success=correct, handled=False)  # the server answers 535 itself

    inbox.controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=inbox.port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=authenticator,
    )
    inbox.controller.start()
    yield inbox
    inbox.stop()


def tls_outbox(settings, database_url, inbox, certificate, **mail):
    from test_desk import submission

    from privacybot.desk.intake import RequestSubmission
    from privacybot.desk.mail import Outbox
    from privacybot.desk.service import RequestDesk

    configured = desk_settings(settings, database_url, inbox.port)
    mail_settings = configured.mail.model_copy(
        update={"starttls": True, "tls_ca_file": str(certificate[0]), "timeout_seconds": 5, **mail}
    )
    sessions = make_session_factory(make_engine(database_url))
    desk = RequestDesk(sessions, settings.clinic, requests=configured.requests)
    fields = {k: v for k, v in submission().items() if k not in ("idempotency_key", "channel")}
    desk.submit(RequestSubmission.validated(**fields), "tls-test-key")
    return Outbox(sessions, mail_settings), sessions


def test_mail_goes_over_starttls_with_a_login(settings, database_url, tls_inbox, certificate):
    outbox, sessions = tls_outbox(
        settings, database_url, tls_inbox, certificate, username="assistant", password="s3cret!"
    )
    assert outbox.deliver_due() == (2, 0)
    assert sorted(m["To"] for m in tls_inbox.messages) == [CLINIC, PATIENT]
    assert tls_inbox.logins == [(b"assistant", True)] * 2  # over TLS only, once a mail


@pytest.mark.parametrize(
    ("mail", "error"),
    [
        ({"username": "assistant", "password": "wrong"}, "SMTPAuthenticationError"),
        ({"username": "assistant", "password": "s3cret!", "tls_ca_file": ""}, "SSL"),
        ({"starttls": False}, "SMTP"),
    ],
)
def test_a_refused_login_or_certificate_keeps_the_mail_for_a_retry(
    settings, database_url, tls_inbox, certificate, mail, error
):
    outbox, sessions = tls_outbox(settings, database_url, tls_inbox, certificate, **mail)
    assert outbox.deliver_due() == (0, 2)
    assert tls_inbox.messages == []
    with sessions() as session:
        kept = session.scalars(select(OutboxMail)).all()
    assert {m.status for m in kept} == {"pending"} and all(error in m.last_error for m in kept)


def test_a_password_is_never_sent_unencrypted_to_another_host():
    from pydantic import ValidationError

    from privacybot.settings import MailSettings

    with pytest.raises(ValidationError, match="unencrypted"):
        MailSettings(smtp_host="mail.example.com", username="assistant", password="x")
    assert MailSettings(smtp_host="mail.example.com", username="a", password="x", starttls=True)
