"""Multi-turn conversations, each set written by a helper who saw only the policy: follow-ups,
broad and partial questions, the chat's own privacy, mixed messages, questions inside a form,
emergencies mid-conversation. Run through the real stack.

tests/sakura_conversations.yml is the dev set (the follow-up handling was built against it);
tests/sakura_holdout_conversations.yml was written blind on 2026-12-02 and measured once, after
that work; its failures were read before the chat-question work the same day, so it is no
longer blind (docs/benchmarks.md). Each floor sits a little under its measured figure: a
conversation counts only when every turn is right; no emergency may be missed in any turn."""

from __future__ import annotations

import pytest

from privacybot.evaluation import evaluate_conversations, load_conversations
from privacybot.settings import PROJECT_ROOT

# Measured 2026-12-02: dev 39/48 (81.2%), held-out 26/52 (50.0%); 2026-12-03: dev 43/48 (89.6%).
FLOORS = {"sakura_conversations.yml": 0.85, "sakura_holdout_conversations.yml": 0.55}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_conversations_are_followed_above_the_floor_and_no_emergency_is_missed(rest, name):
    def turn(sender: str, text: str) -> list[dict]:
        return [m.get("custom") or {} for m in rest.send(text, sender).messages]

    path = PROJECT_ROOT / "tests" / name
    results = evaluate_conversations(load_conversations(path), turn)
    right = sum(r.passed for r in results) / len(results)
    missed = [
        t["user"]
        for r in results
        for t in r.turns
        if "emergency" in t["expect"] and t["outcome"] != "emergency"
    ]
    assert missed == []
    assert right >= FLOORS[name], f"{right:.1%} of conversations wholly right"
