"""The service's web chat endpoint, in front of the running assistant."""

from __future__ import annotations

import socket

import httpx
import pytest
from fastapi.testclient import TestClient


@pytest.fixture()
def chat(rasa_url, settings):
    client = httpx.Client(base_url=settings.services.api_url, timeout=30)
    yield client
    client.close()


def start(chat) -> str:
    response = chat.post("/chat/conversations")
    assert response.status_code == 201
    return response.json()["conversation_id"]


def test_a_web_patient_gets_a_cited_answer_in_a_server_issued_conversation(chat):
    conversation = start(chat)
    assert conversation != start(chat)
    turn = chat.post(
        f"/chat/conversations/{conversation}/messages", json={"text": "What cookies do you use?"}
    )
    assert turn.status_code == 200
    [reply] = turn.json()["replies"]
    assert reply["custom"]["outcome"] == "answer" and reply["custom"]["sections"][0] == 5
    assert "Section 5 (Cookies, etc.)" in reply["text"]


def test_the_conversation_continues_across_messages(chat):
    conversation = start(chat)
    url = f"/chat/conversations/{conversation}/messages"
    first = chat.post(url, json={"text": "please delete my data"}).json()["replies"]
    assert "What name does the clinic know you by" in first[-1]["text"]
    second = chat.post(url, json={"text": "Sato Hanako"}).json()["replies"]
    assert "Which e-mail" in second[-1]["text"]
    assert (
        "nothing was stored"
        in chat.post(url, json={"text": "cancel"}).json()["replies"][-1]["text"]
    )


@pytest.mark.parametrize("forged", ["web-abc.0123456789abcdef01234567", "patient-1", "web-"])
def test_a_conversation_id_the_service_did_not_issue_is_refused(chat, forged):
    response = chat.post(f"/chat/conversations/{forged}/messages", json={"text": "hello"})
    assert response.status_code == 404
    assert "start a new one" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status"), [({"text": "x" * 2001}, 422), ({}, 422), ({"text": 5}, 422)]
)
def test_oversized_or_malformed_messages_are_refused_clearly(chat, body, status):
    conversation = start(chat)
    response = chat.post(f"/chat/conversations/{conversation}/messages", json=body)
    assert response.status_code == status
    ok = chat.post(f"/chat/conversations/{conversation}/messages", json={"text": "hi"})
    assert ok.status_code == 200


def test_with_rasa_down_the_web_chat_says_so_with_a_503(settings, tmp_path):
    from privacybot.api.app import create_app

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        nobody_listens = probe.getsockname()[1]
    down = settings.model_copy(
        update={
            "services": settings.services.model_copy(update={"rasa_port": nobody_listens}),
            "database": settings.database.model_copy(update={"url": f"sqlite:///{tmp_path}/d.db"}),
        }
    )
    with TestClient(create_app(down)) as client:
        conversation = client.post("/chat/conversations").json()["conversation_id"]
        response = client.post(
            f"/chat/conversations/{conversation}/messages", json={"text": "who sees my records?"}
        )
    assert response.status_code == 503
    assert "temporarily unavailable" in response.json()["detail"]
    assert str(settings.clinic.contact_email) in response.json()["detail"]
