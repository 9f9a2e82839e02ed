"""Scale-out: two Rasa instances behind the service, sharing a PostgreSQL tracker store and a
Redis lock store (Debian's packages, started here on loopback). Messages of one conversation
sent at once, spread over both instances, are all handled, one at a time, in order."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import uuid

import httpx
import psycopg
import pytest


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory, unused_port):
    port = unused_port()
    directory = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
    )
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def two_rasa_instances(settings, postgres_cluster, redis_url, unused_port):
    """A whole assistant with two Rasa instances, on ports of its own."""
    from privacybot.launcher import Assistant

    tracker_store = postgres_cluster.new_database(f"tracker_{uuid.uuid4().hex[:8]}")
    scaled = settings.model_copy(
        update={
            "services": settings.services.model_copy(
                update={
                    "rasa_port": unused_port(),
                    "extra_rasa_ports": [unused_port()],
                    "actions_port": unused_port(),
                    "api_port": unused_port(),
                }
            ),
            "conversations": settings.conversations.model_copy(
                update={
                    # Rasa 3.6 speaks psycopg2: the plain postgresql:// URL
                    "tracker_store_url": tracker_store.replace("+psycopg", ""),
                    "lock_store_url": redis_url,
                }
            ),
        }
    )
    with Assistant(scaled) as stack:
        yield scaled, stack, tracker_store


def stored_events(tracker_store: str, sender: str) -> list[dict]:
    with psycopg.connect(tracker_store.replace("postgresql+psycopg", "postgresql")) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = %s ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def test_one_conversations_messages_sent_at_once_to_two_instances_are_handled_in_order(
    two_rasa_instances,
):
    scaled, stack, tracker_store = two_rasa_instances
    assert len(scaled.services.rasa_urls) == 2
    questions = [
        "What cookies do you use?",
        "Who can see my medical records?",
        "How do I get my data deleted?",
        "Do you share my data with my employer?",
        "What is personal information?",
        "Can I get a copy of my records?",
        "Do you use Google Analytics?",
        "What happens if the policy changes?",
    ]
    # 24 messages at once: without the shared lock store some are lost (checked by hand with
    # lock_store_url "": 5 of 24 went missing), and with Rasa's own RedisLockStore some fail
    # to get the lock (bot/lock_store.py says why).
    questions = questions * 3
    sender = f"scale-{uuid.uuid4().hex[:8]}"

    async def send_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60) as client:
            return await asyncio.gather(
                *(
                    client.post(
                        f"{url}/webhooks/rest/webhook",
                        json={"sender": sender, "message": question},
                    )
                    for question, url in zip(
                        questions, scaled.services.rasa_urls * len(questions), strict=False
                    )
                )
            )

    responses = asyncio.run(send_all())
    assert [r.status_code for r in responses] == [200] * len(questions)
    assert all(r.json() and r.json()[0]["text"] for r in responses)  # every one answered

    events = stored_events(tracker_store, sender)
    users = [e["text"] for e in events if e["event"] == "user"]
    assert sorted(users) == sorted(questions)  # none lost
    # One at a time: each message is followed by its own answer before the next one starts.
    turns = [e["event"] for e in events if e["event"] in ("user", "bot")]
    assert turns == ["user", "bot"] * len(questions)


def test_the_service_spreads_one_conversation_over_both_instances(two_rasa_instances):
    scaled, stack, tracker_store = two_rasa_instances
    api = httpx.Client(base_url=scaled.services.api_url, timeout=60)
    conversation = api.post("/chat/conversations").json()["conversation_id"]
    url = f"/chat/conversations/{conversation}/messages"
    first = api.post(url, json={"text": "please delete my data"}).json()
    assert "What name does the clinic know you by" in first["replies"][-1]["text"]
    second = api.post(url, json={"text": "Sato Hanako"}).json()  # the other instance
    assert "Which e-mail" in second["replies"][-1]["text"]
    assert (
        "nothing was stored" in api.post(url, json={"text": "cancel"}).json()["replies"][-1]["text"]
    )
    api.close()
