"""bot/server.py: Rasa started with its check of action responses built once, which must
accept and refuse exactly what Rasa's own check does (run in Rasa's own environment)."""

from __future__ import annotations

import json
import subprocess

from privacybot.launcher import PROJECT_ROOT, RASA_PYTHON

CHECK = """
import json, sys
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
import bot.server

results = []
for response in json.loads(sys.argv[1]):
    try:
        validate(response, RemoteAction.action_response_format_spec())
        rasa_says = "valid"
    except ValidationError:
        rasa_says = "invalid"
    try:
        bot.server.validate_action_result(None, response)
        ours = "valid"
    except ValidationError as error:
        ours = "invalid" if "Failed to validate Action server response" in error.message else "?"
    results.append([rasa_says, ours])
print(json.dumps(results))
"""


def in_rasa(script: str, *args: str):
    """What `script`, run in Rasa's own environment, prints last (JSON)."""
    completed = subprocess.run(
        [str(RASA_PYTHON), "-c", script, *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


RESPONSES = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "en"}], "responses": [{}]},
    {"events": [{"event": "followup", "name": "request_form"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [{"event": "no such event"}], "responses": []},
    {"events": [], "responses": ["a string, not a message"]},
]


def test_the_fast_response_check_agrees_with_rasas_own():
    results = in_rasa(CHECK, json.dumps(RESPONSES))
    assert [ours for _, ours in results] == [rasa for rasa, _ in results]
    assert [rasa for rasa, _ in results] == ["valid"] * 3 + ["invalid"] * 3


EVENTS_CHECK = """
import json
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
import bot.server

names = sorted({cls.type_name for cls in all_subclasses(Event)}) + ["no such event"]
results = []
for name in names:
    try:
        rasa_says = Event.resolve_by_type(name).__name__
    except ValueError:
        rasa_says = "ValueError"
    try:
        ours = bot.server.resolve_by_type(name).__name__
    except ValueError:
        ours = "ValueError"
    results.append([name, rasa_says, ours])
default = bot.server.resolve_by_type("no such event", default=Event).__name__
print(json.dumps({"results": results, "default": default}))
"""


def test_the_event_table_finds_the_class_rasa_would():
    found = in_rasa(EVENTS_CHECK)
    assert len(found["results"]) > 20  # every event Rasa stores: user, bot, slot, action, ...
    assert all(rasa == ours for _, rasa, ours in found["results"])
    assert found["results"][-1][1:] == ["ValueError", "ValueError"]
    assert found["default"] == "Event"
