"""The public surface: only the service listens beyond loopback-internal processes, every response
carries security headers, and limits answer clearly (413, 429 with Retry-After)."""

from __future__ import annotations

import socket

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
    import httpx

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
