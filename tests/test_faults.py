"""Parts of the assistant failing under a patient's conversation: each is killed for real
(SIGKILL, as a crash) and started again."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture()
def chat(assistant_stack, settings):
    client = httpx.Client(base_url=settings.services.api_url, timeout=30)
    conversation = client.post("/chat/conversations").json()["conversation_id"]

    def say(text: str) -> httpx.Response:
        return client.post(f"/chat/conversations/{conversation}/messages", json={"text": text})

    yield say
    client.close()


def last_text(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return response.json()["replies"][-1]["text"]


def test_the_action_server_killed_mid_conversation(assistant_stack, chat, settings):
    assert "What name does the clinic know you by" in last_text(chat("please delete my data"))
    assistant_stack.kill("actions")
    try:
        down = chat("Sato Hanako")
        assert down.status_code == 503
        assert "temporarily unavailable" in down.json()["detail"]
        assert str(settings.clinic.contact_email) in down.json()["detail"]
    finally:
        assistant_stack.restart("actions")
    # The conversation continues where it was: the form still waits for the name.
    assert "Which e-mail" in last_text(chat("Sato Hanako"))
    assert "nothing was stored" in last_text(chat("cancel"))


def test_rasa_down_gets_a_clear_503_and_the_chat_works_again_after_restart(
    assistant_stack, chat, settings
):
    assistant_stack.kill("rasa")
    try:
        down = chat("What cookies do you use?")
        assert down.status_code == 503
        assert str(settings.clinic.contact_email) in down.json()["detail"]
    finally:
        assistant_stack.restart("rasa")
    assert "Section 5" in last_text(chat("What cookies do you use?"))


def test_the_database_down_during_a_submission_stores_nothing_and_a_retry_works(
    settings, own_postgres_cluster, tmp_path
):
    """The request desk on PostgreSQL, the server stopped under it, then started again."""
    import os
    import uuid

    from fastapi.testclient import TestClient

    from privacybot.api.app import create_app
    from privacybot.desk.database import make_engine

    url = own_postgres_cluster.new_database(f"fault_{uuid.uuid4().hex[:8]}")
    custom = settings.model_copy(
        update={"database": settings.database.model_copy(update={"url": url})}
    )
    request = {
        "idempotency_key": uuid.uuid4().hex,
        "channel": "web",
        "kind": "deletion",
        "requester_name": "Sato Hanako",
        "contact_email": "hanako.fault@example.com",
        "description": "Please delete my data.",
    }
    headers = {"X-Internal-Token": os.environ["PRIVACYBOT_API__INTERNAL_TOKEN"]}
    with TestClient(create_app(custom)) as client:
        own_postgres_cluster.stop()
        down = client.post("/internal/requests", json=request, headers=headers)
        assert down.status_code == 503
        assert "nothing was saved" in down.json()["detail"]
        own_postgres_cluster.start_again()
        retried = client.post("/internal/requests", json=request, headers=headers)
        assert retried.status_code == 201, retried.text
        again = client.post("/internal/requests", json=request, headers=headers)
        assert again.json()["reference"] == retried.json()["reference"]  # once, not twice
    engine = make_engine(url)
    with engine.connect() as connection:
        from sqlalchemy import text

        rows = connection.execute(text("SELECT count(*) FROM data_requests")).scalar()
        mails = connection.execute(text("SELECT count(*) FROM outbox_mail")).scalar()
    engine.dispose()
    assert (rows, mails) == (1, 1)
