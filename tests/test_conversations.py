"""Multi-turn conversations (tests/sakura_conversations.yml, written by a helper who saw only
the policy): follow-ups, broad and partial questions, the chat's own privacy, mixed messages,
questions inside a form, emergencies mid-conversation. Run through the real stack.

The floor is today's figure (issue 12 raises it): a conversation counts only when every turn
is right; no emergency may be missed in any turn."""

from __future__ import annotations

from privacybot.evaluation import evaluate_conversations, load_conversations
from privacybot.settings import PROJECT_ROOT

CONVERSATIONS = PROJECT_ROOT / "tests" / "sakura_conversations.yml"
FLOOR = 0.55


def test_conversations_are_followed_above_the_floor_and_no_emergency_is_missed(rest):
    def turn(sender: str, text: str) -> list[dict]:
        return [m.get("custom") or {} for m in rest.send(text, sender).messages]

    results = evaluate_conversations(load_conversations(CONVERSATIONS), turn)
    right = sum(r.passed for r in results) / len(results)
    missed = [
        t["user"]
        for r in results
        for t in r.turns
        if "emergency" in t["expect"] and t["outcome"] != "emergency"
    ]
    assert missed == []
    assert right >= FLOOR, f"{right:.1%} of conversations wholly right"
