"""The public surface: only the service listens beyond loopback-internal processes, every response
carries security headers, and limits answer clearly (413, 429 with Retry-After)."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time

import httpx
import pytest
from fastapi.testclient import TestClient


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on port (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                address, port_hex = fields[1].rsplit(":", 1)
                if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


def test_rasa_and_the_action_server_listen_on_loopback_only(rasa_url, settings):
    loopback = {"0100007F", "00000000000000000000000001000000"}
    for port in (settings.services.rasa_port, settings.services.actions_port):
        addresses = listening_addresses(port)
        assert addresses and addresses <= loopback, (port, addresses)
    outward = [a for a in socket.gethostbyname_ex(socket.gethostname())[2] if a != "127.0.0.1"]
    for address in outward:
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(2)
            s.connect((address, settings.services.actions_port))


def test_rasas_http_api_is_not_served(rasa_url):
    for path in ("/conversations/x/tracker", "/model", "/status"):
        assert httpx.get(f"{rasa_url}{path}").status_code in (404, 405)


@pytest.fixture()
def service(settings, tmp_path):
    """make(**api_overrides) -> a TestClient of a service with those API settings."""
    from privacybot.api.app import create_app

    def make(**api):
        custom = settings.model_copy(
            update={
                "api": settings.api.model_copy(update=api),
                "database": settings.database.model_copy(
                    update={"url": f"sqlite:///{tmp_path / 'security.db'}"}
                ),
            }
        )
        return TestClient(create_app(custom))

    return make


@pytest.mark.parametrize("path", ["/health", "/desk", "/chat/conversations", "/openapi.json"])
def test_every_response_carries_security_headers_and_a_strict_csp(service, path):
    with service() as client:
        response = client.get(path)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"


def test_there_is_no_page_loading_scripts_from_a_cdn(service):
    with service() as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").status_code == 200


def test_a_client_sending_too_fast_gets_429_with_retry_after(service):
    with service(rate_limit_per_address_per_minute=60, rate_limit_burst=5) as client:
        statuses = [client.post("/chat/conversations").status_code for _ in range(8)]
        assert statuses[:5] == [201] * 5 and statuses[5:] == [429] * 3
        refused = client.post("/chat/conversations")
    assert int(refused.headers["retry-after"]) >= 1
    assert "wait a moment" in refused.json()["detail"]
    assert refused.headers["content-security-policy"]


def test_one_conversation_sending_too_fast_gets_429(service):
    with service(rate_limit_per_conversation_per_minute=3) as client:
        conversation = client.post("/chat/conversations").json()["conversation_id"]
        url = f"/chat/conversations/{conversation}/messages"
        # Rasa is not running here: allowed messages get 503, the refused one 429.
        statuses = [client.post(url, json={"text": "hi"}).status_code for _ in range(3)]
        assert 429 not in statuses
        assert client.post(url, json={"text": "hi"}).status_code == 429
        other = client.post("/chat/conversations").json()["conversation_id"]
        assert (
            client.post(f"/chat/conversations/{other}/messages", json={"text": "hi"}).status_code
            != 429
        )


def test_an_oversized_body_gets_413_before_any_work(service):
    with service(max_body_bytes=2_000) as client:
        response = client.post(
            "/chat/conversations/x/messages",
            content=b'{"text": "' + b"a" * 5_000 + b'"}',
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 413
    assert "over 2000 bytes" in response.json()["detail"]


def test_cors_allows_only_the_configured_origins(service):
    site = "https://www.sakura-clinic.example"
    with service(allowed_origins=[site]) as client:
        allowed = client.options(
            "/chat/conversations",
            headers={"Origin": site, "Access-Control-Request-Method": "POST"},
        )
        other = client.options(
            "/chat/conversations",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
    assert allowed.headers["access-control-allow-origin"] == site
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-credentials" not in allowed.headers


def test_the_action_servers_internal_calls_are_not_limited_as_a_patients(service, settings):
    """150 patients filling forms at once make many internal calls from one address: with the
    internal token they all go through; without it they count as a patient's requests."""
    token = {"X-Internal-Token": settings.api.internal_token}
    with service(rate_limit_per_address_per_minute=60, rate_limit_burst=5) as client:
        keep = [
            client.put(f"/internal/drafts/probe-{i}", json={"requester_name": "A"}, headers=token)
            for i in range(20)
        ]
        discard = [client.delete(f"/internal/drafts/probe-{i}", headers=token) for i in range(20)]
        assert {r.status_code for r in keep} == {200}
        assert {r.status_code for r in discard} == {204}
        forged = [
            client.put("/internal/drafts/x", json={}, headers={"X-Internal-Token": "guess"})
            for _ in range(8)
        ]
    assert [r.status_code for r in forged] == [401] * 5 + [429] * 3


def _stream(size: int, chunk: int = 16_384):
    """A request body sent chunked (no Content-Length), as a careless or hostile client may."""
    sent = 0
    while sent < size:
        piece = min(chunk, size - sent)
        sent += piece
        yield b"a" * piece


@pytest.mark.parametrize(
    ("path", "size"),
    [("/line/webhook", 1_200_000), ("/chat/conversations/x/messages", 70_000)],
)
def test_an_oversized_chunked_body_gets_413_from_the_running_service(
    rasa_url, settings, path, size
):
    response = httpx.post(
        f"{settings.services.api_url}{path}",
        content=_stream(size),
        headers={"Content-Type": "application/json", "X-Line-Signature": "x"},
        timeout=30,
    )
    assert response.status_code == 413, response.text
    assert "request body over" in response.json()["detail"]
    assert response.headers["content-security-policy"]


def test_a_small_chunked_body_still_reaches_the_route(rasa_url, settings):
    api = settings.services.api_url
    conversation = httpx.post(f"{api}/chat/conversations").json()["conversation_id"]
    body = json.dumps({"text": "What cookies do you use?"}).encode()
    response = httpx.post(
        f"{api}/chat/conversations/{conversation}/messages",
        content=iter([body[:10], body[10:]]),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert response.json()["replies"][0]["custom"]["outcome"] == "answer"


def test_staff_sign_in_is_throttled_per_user_name_and_address(service, staff_user, caplog):
    user, password = staff_user
    with service(sign_in_max_failures=5, sign_in_lockout_seconds=120) as client:
        wrong = [client.get("/desk/api/requests", auth=(user, "wrong")) for _ in range(5)]
        locked = client.get("/desk/api/requests", auth=(user, password))
        other_name = client.get("/desk/api/requests", auth=("someone.else", "x"))
    assert [r.status_code for r in wrong] == [401] * 5
    assert locked.status_code == 429  # even with the right password, for the lockout
    assert 60 < int(locked.headers["retry-after"]) <= 120
    assert "Too many failed sign-ins" in locked.json()["detail"]
    assert "2 minutes" in locked.json()["detail"]
    assert other_name.status_code == 429  # the address is locked out too
    audit = [r.getMessage() for r in caplog.records if r.name == "privacybot.audit"]
    assert sum("sign-in failed" in line for line in audit) == 5
    assert any("locked" in line and repr(user) in line for line in audit)
    assert not any(password in line or "wrong" in line for line in audit)


def test_a_successful_sign_in_clears_the_user_names_failures(service, staff_user):
    user, password = staff_user
    with service(sign_in_max_failures=3) as client:
        for _ in range(2):
            assert client.get("/desk/api/requests", auth=(user, "wrong")).status_code == 401
        assert client.get("/desk/api/requests", auth=(user, password)).status_code == 200
        assert client.get("/desk/api/requests", auth=(user, "wrong")).status_code == 401
        assert client.get("/desk/api/requests", auth=(user, password)).status_code == 200


def test_the_public_schema_leaves_out_the_internal_routes(service):
    with service() as client:
        paths = client.get("/openapi.json").json()["paths"]
    assert "/chat/conversations" in paths and "/desk/api/requests" in paths
    assert not [p for p in paths if p.startswith("/internal")]


def test_x_forwarded_for_is_believed_only_from_configured_proxies(settings, unused_port, tmp_path):
    """The service as `privacybot up` runs it: a client on the same host rotating
    X-Forwarded-For is still one address to the rate limit; a configured proxy is believed."""
    from privacybot.launcher import APP_PYTHON, child_environment, proxy_arguments

    def run(trusted: list[str], port: int):
        environment = {
            **child_environment(),
            "PRIVACYBOT_DATABASE__URL": f"sqlite:///{tmp_path}/xff-{port}.db",
            "PRIVACYBOT_API__RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "1",
            "PRIVACYBOT_API__RATE_LIMIT_BURST": "5",
        }
        command = [str(APP_PYTHON), "-m", "uvicorn", "privacybot.api.app:create_app",
                   "--factory", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                   *proxy_arguments(trusted)]  # fmt: skip
        return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip

    def statuses(port: int) -> list[int]:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            time.sleep(0.2)
        return [
            httpx.post(
                f"{url}/chat/conversations", headers={"X-Forwarded-For": f"203.0.113.{i}"}
            ).status_code
            for i in range(10)
        ]

    for trusted, expected in (([], [201] * 5 + [429] * 5), (["127.0.0.1"], [201] * 10)):
        port = unused_port()
        process = run(trusted, port)
        try:
            found = statuses(port)
        finally:
            process.terminate()
            process.wait(10)
        assert found == expected, (trusted, found)


def test_an_unexpected_error_is_a_500_with_the_headers_and_no_message_text_in_the_log(
    service, caplog
):
    with service() as client:
        said = {"text": "patient Bartholomew Quince wrote: I have diabetes"}

        @client.app.get("/boom")
        def boom() -> None:
            raise ValueError(said["text"])  # as a library error may quote what it was given

        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "Something went wrong on our side. Please try again."}
    assert response.headers["content-security-policy"]
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "unhandled ValueError on GET /boom" in logged
    assert "Quince" not in logged and "diabetes" not in logged


def test_a_refused_body_is_not_echoed_back(service):
    with service() as client:
        conversation = client.post("/chat/conversations").json()["conversation_id"]
        response = client.post(
            f"/chat/conversations/{conversation}/messages",
            json={"text": "Bartholomew Quince " * 200},
        )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "text"]
    assert "Quince" not in response.text
