"""Shared fixtures. The end-to-end tests run their own assistant on test ports, so a
developer's `privacybot up` on the default ports is left alone."""

from __future__ import annotations

import contextlib
import json  # noqa: E402
import os
import tempfile  # noqa: E402
import uuid

from privacybot.api.passwords import hash_password  # noqa: E402

# The assistant the end-to-end tests start: its own ports, a scratch database, mail to the
# test SMTP inbox (see clinic_inbox), and one staff user for the desk.
E2E_DIR = tempfile.mkdtemp(prefix="privacybot-e2e-")
# Every port can be moved by its environment variable, so two test runs can share a machine.
E2E_SMTP_PORT = int(os.environ.setdefault("PRIVACYBOT_MAIL__SMTP_PORT", "15025"))
STAFF_USER = ("desk.tester", "a long test password")
os.environ.setdefault("PRIVACYBOT_SERVICES__RASA_PORT", "15005")
os.environ.setdefault("PRIVACYBOT_SERVICES__ACTIONS_PORT", "15055")
os.environ.setdefault("PRIVACYBOT_SERVICES__API_PORT", "15080")
os.environ.setdefault("PRIVACYBOT_DATABASE__URL", f"sqlite:///{E2E_DIR}/desk.db")
os.environ.setdefault(
    "PRIVACYBOT_CONVERSATIONS__TRACKER_STORE_URL", f"sqlite:///{E2E_DIR}/conversations.db"
)
os.environ.setdefault("PRIVACYBOT_MAIL__RETRY_BASE_SECONDS", "0.5")
os.environ.setdefault("PRIVACYBOT_MAIL__RETRY_MAX_SECONDS", "1")
os.environ.setdefault("PRIVACYBOT_MAIL__POLL_SECONDS", "0.2")
os.environ.setdefault("PRIVACYBOT_API__INTERNAL_TOKEN", "e2e-internal-token")
# Every e2e client comes from 127.0.0.1: the limits are tested in test_security.py instead.
os.environ.setdefault("PRIVACYBOT_API__RATE_LIMIT_PER_ADDRESS_PER_MINUTE", "100000")
os.environ.setdefault("PRIVACYBOT_API__RATE_LIMIT_BURST", "10000")
os.environ.setdefault("PRIVACYBOT_API__RATE_LIMIT_PER_CONVERSATION_PER_MINUTE", "100000")
os.environ.setdefault(
    "PRIVACYBOT_STAFF__USERS", json.dumps({STAFF_USER[0]: hash_password(STAFF_USER[1])})
)
# LINE: the e2e service replies through the fake LINE API (see fake_line_api).
os.environ.setdefault("PRIVACYBOT_LINE__CHANNEL_SECRET", "e2e-line-channel-secret")
os.environ.setdefault("PRIVACYBOT_LINE__CHANNEL_ACCESS_TOKEN", "e2e-line-access-token")
os.environ.setdefault("PRIVACYBOT_LINE__API_BASE_URL", "http://127.0.0.1:15090")
E2E_LINE_API_PORT = int(os.environ["PRIVACYBOT_LINE__API_BASE_URL"].rsplit(":", 1)[1])
os.environ.setdefault("PRIVACYBOT_LINE__RETRY_BASE_SECONDS", "0.2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

import pytest  # noqa: E402

from privacybot.settings import get_settings  # noqa: E402


@pytest.fixture(scope="session")
def settings():
    return get_settings()


def _wait_for(condition, timeout: float = 15.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="session")
def wait_for():
    """wait_for(condition, timeout) -> whether the condition came true in time."""
    return _wait_for


@pytest.fixture(scope="session")
def staff_user() -> tuple[str, str]:
    """User name and password of the staff user the end-to-end service knows."""
    return STAFF_USER


@pytest.fixture(scope="session")
def desk_database_file(settings) -> str:
    """The SQLite file the end-to-end service stores requests in."""
    return settings.database.resolved_url().removeprefix("sqlite:///")


@pytest.fixture(scope="session")
def assistant():
    """The assistant in-process (no Rasa): what the action server runs for each message."""
    from privacybot.assistant import PolicyAssistant

    return PolicyAssistant()


@pytest.fixture(scope="session")
def policy(assistant):
    return assistant.policy


@pytest.fixture(scope="session")
def assistant_stack():
    """The whole assistant (Rasa, action server, service) on the test ports, started for the
    run: its processes can be killed and restarted (fault tests)."""
    from privacybot.launcher import Assistant, ensure_trained

    ensure_trained()
    with Assistant(get_settings()) as stack:
        yield stack


@pytest.fixture(scope="session")
def rasa_url(assistant_stack):
    """A running assistant reached through Rasa's REST channel."""
    return assistant_stack.rasa_url


@pytest.fixture()
def rest(rasa_url):
    from privacybot.rest_client import RestClient

    client = RestClient(rasa_url)
    yield client
    client.close()


# ---- pages in a real browser: headless Chromium from Debian's packages (scripts/test-deps.sh),
# driven by Playwright ----

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots():
    """The folder browser tests save their screenshots in (var/screenshots)."""
    from privacybot.settings import PROJECT_ROOT

    folder = PROJECT_ROOT / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ---- request desk: a real SMTP server and real databases on loopback ----

import socket  # noqa: E402
import threading  # noqa: E402
from email import message_from_bytes  # noqa: E402
from email import policy as email_policy  # noqa: E402
from email.message import EmailMessage  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def unused_port():
    """unused_port() -> a TCP port free on loopback right now."""
    return free_port


class SmtpInbox:
    """An aiosmtpd server on loopback that keeps what it receives; can be stopped and
    started again on the same port, as a mail server that goes down and comes back."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=email_policy.default))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture()
def smtp_inbox():
    inbox = SmtpInbox()
    inbox.start()
    yield inbox
    inbox.stop()


def browser_problems(context, meant=lambda response: False) -> list[str]:
    """What goes wrong in a browser context's pages, as it happens: a response of 400 or more
    that is not `meant` (a missing stylesheet, a refused script), and console errors other
    than the browser's own note of such a response (a page may answer 404 or 409 on purpose)."""
    problems: list[str] = []

    def on_response(response) -> None:
        if response.status >= 400 and not meant(response):
            problems.append(f"{response.status} {response.url}")

    def on_console(message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    context.on("response", on_response)
    context.on("console", on_console)
    return problems


def acknowledgment_in(inbox, reference: str, timeout: float = 20.0):
    """The patient's acknowledgment of request `reference`, once it reaches the inbox."""
    clinic = str(get_settings().clinic.contact_email)

    def found():
        return next(
            (
                m
                for m in list(inbox.messages)
                if reference in str(m["Subject"]) and m["To"] != clinic
            ),
            None,
        )

    assert _wait_for(found, timeout), f"no acknowledgment of {reference}"
    return found()


def confirm_by_link(inbox, reference: str):
    """Do what the patient does: open the link in the acknowledgment and press the button."""
    import re

    import httpx

    mail = acknowledgment_in(inbox, reference)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://\S+/requests/confirm/[A-Za-z0-9_\-]+", text)[0]
    assert httpx.get(link).status_code == 200  # opening it confirms nothing...
    confirmed = httpx.post(link)  # ...the button does
    assert confirmed.status_code == 200, confirmed.text
    return confirmed


@pytest.fixture(scope="session")
def clinic_inbox():
    """The SMTP server the end-to-end assistant mails the clinic through."""
    inbox = SmtpInbox(port=E2E_SMTP_PORT)
    inbox.start()
    yield inbox
    inbox.stop()


class PostgresCluster:
    """A throwaway PostgreSQL cluster from Debian's packages, on a loopback port, run as the
    `postgres` system user (initdb refuses root). scripts/test-deps.sh installs the package."""

    def __init__(self, directory) -> None:
        import glob
        import shutil

        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not candidates:
            raise RuntimeError("PostgreSQL server binaries not found: run scripts/test-deps.sh")
        self.bin = os.path.dirname(candidates[-1])
        self.directory = directory
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(directory, "postgres")

    def _run(self, *command: str) -> None:
        import subprocess

        subprocess.run([*self.as_postgres, *command], check=True, capture_output=True)

    def start(self) -> None:
        data = os.path.join(self.directory, "data")
        self._run(f"{self.bin}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self.start_again()

    def start_again(self) -> None:
        """Start the server on its existing data (after stop)."""
        data = os.path.join(self.directory, "data")
        self._run(
            f"{self.bin}/pg_ctl",
            "-D",
            data,
            "-l",
            os.path.join(self.directory, "log"),
            "-o",
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1",
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run(
            f"{self.bin}/pg_ctl",
            "-D",
            os.path.join(self.directory, "data"),
            "-m",
            "fast",
            "-w",
            "stop",
        )

    def new_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


def _cluster():
    import shutil
    import tempfile

    # Not under pytest's tmp folder: that one is private to root, and the server runs as postgres.
    directory = tempfile.mkdtemp(prefix="privacybot-pg-")
    cluster = PostgresCluster(directory)
    cluster.start()
    yield cluster
    with contextlib.suppress(Exception):  # a fault test may have stopped it already
        cluster.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_cluster():
    yield from _cluster()


@pytest.fixture()
def own_postgres_cluster():
    """A PostgreSQL cluster of the test's own, which it may stop and start (fault tests)."""
    yield from _cluster()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, migrated database of each kind the desk supports."""
    from privacybot.desk.migrate import upgrade_database

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'desk.db'}"
    else:
        url = request.getfixturevalue("postgres_cluster").new_database(
            f"desk_{uuid.uuid4().hex[:12]}"
        )
    upgrade_database(url)
    return url


# ---- LINE: a fake Messaging API that records replies, and a stand-in assistant ----


class RecordingServer:
    """A small HTTP server on loopback that records each POST (path, headers, JSON body) and
    answers with `respond(path, body) -> (status, json)`; `fail_next` makes the next few
    requests fail with a status, as a service having trouble."""

    def __init__(self, respond, port: int | None = None) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        server = self
        self.requests: list[dict] = []
        self.failures: list[int] = []
        self.respond = respond
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with server._lock:
                    server.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    status = server.next_failure(self.path)
                status, answer = (
                    (status, {"message": "failing"}) if status else respond(self.path, body)
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port or free_port()), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def fail_next(self, count: int, status: int = 500, path: str | None = None) -> None:
        """The next `count` requests (to `path` only, when given) fail with `status`."""
        with self._lock:
            self.failures.extend([(status, path)] * count)

    def next_failure(self, path: str) -> int | None:
        """Called with the lock held: the status this request fails with, if any."""
        for position, (status, only) in enumerate(self.failures):
            if only is None or only == path:
                del self.failures[position]
                return status
        return None

    def received(self, path: str) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["path"] == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


LINE_REPLY_PATH = "/v2/bot/message/reply"


LINE_LOADING_PATH = "/v2/bot/chat/loading/start"


def _line_api_answer(path, body):
    """What LINE answers to a reply (the id of each message sent) and to the loading
    animation (an empty object, 202)."""
    if path == LINE_LOADING_PATH:
        seconds = body.get("loadingSeconds")
        if not body.get("chatId") or seconds not in range(5, 61, 5):
            return 400, {"message": "The request body has 1 error(s)"}
        return 202, {}
    if path != LINE_REPLY_PATH:
        return 404, {"message": "Not found"}
    sent = [{"id": str(uuid.uuid4().int)[:18]} for _ in body.get("messages", [])]
    return 200, {"sentMessages": sent}


@pytest.fixture(scope="session")
def fake_line_api():
    """The fake LINE Messaging API the e2e service replies to."""
    server = RecordingServer(_line_api_answer, port=E2E_LINE_API_PORT)
    yield server
    server.close()


@pytest.fixture()
def line_api():
    """A fake LINE Messaging API of one's own, for a service created in the test."""
    server = RecordingServer(_line_api_answer)
    yield server
    server.close()


@pytest.fixture()
def canned_assistant():
    """A stand-in for Rasa's REST channel that answers every message with `server.replies`
    and records who asked what: for channel behaviour the real policy cannot produce
    (a 9,000-character answer)."""
    holder: dict = {"replies": [{"text": "ok"}]}
    server = RecordingServer(lambda path, body: (200, holder["replies"]))
    server.holder = holder
    yield server
    server.close()


@pytest.fixture()
def chat_service(settings, database_url, canned_assistant):
    """A fresh service (its real lifespan) on the database under test, in front of the
    stand-in assistant: `client.canned` is that assistant."""
    from fastapi.testclient import TestClient

    from privacybot.api.app import create_app

    custom = settings.model_copy(
        update={
            "services": settings.services.model_copy(update={"rasa_port": canned_assistant.port}),
            "database": settings.database.model_copy(update={"url": database_url}),
        }
    )
    with TestClient(create_app(custom)) as client:
        client.canned = canned_assistant
        yield client


@pytest.fixture()
def sign_line():
    """sign_line(body_bytes, secret) -> the X-Line-Signature LINE would send."""
    import base64
    import hashlib
    import hmac

    def sign(body: bytes, secret: str) -> str:
        return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()

    return sign
