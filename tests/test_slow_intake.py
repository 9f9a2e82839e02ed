"""No patient waits behind another patient's slow call to the service.

A real action server on loopback talks to an intake that holds one patient's request for as
long as the test wants. While it is held, a second patient's question must be answered; the
held request must then be stored and confirmed as usual. Rasa is not needed: the test calls
the action server the way Rasa calls it.
"""

from __future__ import annotations

import json
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from privacybot.launcher import APP_PYTHON, PROJECT_ROOT, child_environment

TOKEN = "slow-intake-test-token"
HOLD_AT_MOST_SECONDS = 90  # never hang the suite: the intake lets go after this at the latest
SECOND_PATIENT_TIMEOUT_SECONDS = 30


class SlowIntake:
    """The service's internal intake, holding every draft lookup until `release()`."""

    def __init__(self) -> None:
        self.held = threading.Event()
        self.released = threading.Event()
        self.stored: list[dict] = []
        intake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                if self.headers.get("X-Internal-Token") != TOKEN:
                    return self._answer(403, {"detail": "token"})
                intake.held.set()
                intake.released.wait(HOLD_AT_MOST_SECONDS)
                draft = {
                    "requester_name": "Held Patient",
                    "contact_email": "held.patient@example.com",
                    "request_description": "Please delete my records.",
                }
                self._answer(200, draft)

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                intake.stored.append(body)
                self._answer(201, {"reference": "PR-2026-000042"})

            def do_DELETE(self):  # noqa: N802
                self.send_response(204)
                self.end_headers()

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def slow_intake():
    intake = SlowIntake()
    yield intake
    intake.close()


@pytest.fixture()
def action_server(slow_intake, unused_port, wait_for, tmp_path):
    port = unused_port()
    environment = {
        **child_environment(),
        "PRIVACYBOT_SERVICES__API_PORT": str(slow_intake.port),
        "PRIVACYBOT_SERVICES__ACTIONS_PORT": str(port),
        "PRIVACYBOT_API__INTERNAL_TOKEN": TOKEN,
    }
    log = (tmp_path / "actions.log").open("w")
    process = subprocess.Popen(
        [str(APP_PYTHON), "-m", "privacybot.action_server", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return httpx.get(f"{url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        assert wait_for(healthy, timeout=180), (tmp_path / "actions.log").read_text()[-2000:]
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def action_call(action: str, sender: str, text: str, slots: dict | None = None) -> dict:
    """What Rasa 3.6 sends with the selective domain: no domain for these actions."""
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "tracker": {
            "sender_id": sender,
            "slots": slots or {},
            "latest_message": {"text": text, "intent_ranking": []},
            "events": [],
            "active_loop": {},
        },
    }


CONFIRMED_REQUEST = {
    "request_kind": "deletion",
    "requester_name": "[NAME]",
    "contact_email": "[EMAIL]",
    "phone": "-",
    "on_behalf_of": "self",
    "request_description": "[DESCRIPTION]",
    "request_confirmed": True,
    "request_form_id": "held-form",
}


def test_a_question_is_answered_while_another_patients_request_waits_on_the_intake(
    action_server, slow_intake
):
    with ThreadPoolExecutor(1) as first_patient:
        submitting = first_patient.submit(
            httpx.post,
            f"{action_server}/webhook",
            json=action_call("action_finish_request", "patient-a", "yes", CONFIRMED_REQUEST),
            timeout=HOLD_AT_MOST_SECONDS + 30,
        )
        assert slow_intake.held.wait(60), "the first patient's request never reached the intake"

        question = httpx.post(
            f"{action_server}/webhook",
            json=action_call("action_respond", "patient-b", "Do you use cookies on your website?"),
            timeout=SECOND_PATIENT_TIMEOUT_SECONDS,
        )
        assert question.status_code == 200
        answer = question.json()["responses"][0]
        assert answer["custom"]["outcome"] == "answer"
        assert answer["text"]
        assert not submitting.done(), "the first patient's request was not held after all"

        slow_intake.release()
        submitted = submitting.result(timeout=60)
    assert submitted.status_code == 200
    texts = " ".join(r.get("text") or "" for r in submitted.json()["responses"])
    assert "PR-2026-000042" in texts
    assert slow_intake.stored[0]["contact_email"] == "held.patient@example.com"
