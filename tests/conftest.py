"""Shared fixtures. The end-to-end tests run their own assistant on test ports, so a
developer's `privacybot up` on the default ports is left alone."""

from __future__ import annotations

import os

os.environ.setdefault("PRIVACYBOT_SERVICES__RASA_PORT", "15005")
os.environ.setdefault("PRIVACYBOT_SERVICES__ACTIONS_PORT", "15055")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

import pytest  # noqa: E402

from privacybot.settings import get_settings  # noqa: E402


@pytest.fixture(scope="session")
def settings():
    return get_settings()


@pytest.fixture(scope="session")
def assistant():
    """The assistant in-process (no Rasa): what the action server runs for each message."""
    from privacybot.assistant import PolicyAssistant

    return PolicyAssistant()


@pytest.fixture(scope="session")
def policy(assistant):
    return assistant.policy


@pytest.fixture(scope="session")
def rasa_url():
    """A running assistant (Rasa + action server) reached through its REST channel."""
    from privacybot.cli.main import running_assistant

    with running_assistant() as url:
        yield url


@pytest.fixture()
def rest(rasa_url):
    from privacybot.rest_client import RestClient

    client = RestClient(rasa_url)
    yield client
    client.close()
