"""Multi-turn conversations, each set written by a helper who saw only the policy: follow-ups,
broad and partial questions, the chat's own privacy, mixed messages, questions inside a form,
emergencies mid-conversation. Run through the real stack.

tests/sakura_conversations.yml is the dev set (the follow-up handling was built against it);
tests/sakura_holdout_conversations.yml was written blind on 2026-12-02 and measured once, after
that work; its failures were read before the chat-question work the same day, so it is no
longer blind (docs/benchmarks.md). Each floor sits a little under its measured figure: a
conversation counts only when every turn is right; no emergency may be missed in any turn."""

from __future__ import annotations

from pathlib import Path

import pytest

from privacybot.evaluation import (
    evaluate_conversations,
    in_process_turns,
    load_conversations,
    needs_forms,
)
from privacybot.settings import PROJECT_ROOT

# Measured 2026-12-02: dev 39/48 (81.2%), held-out 26/52 (50.0%); 2026-12-03: dev 43/48 (89.6%),
# then 44/48 (91.7%).
FLOORS = {"sakura_conversations.yml": 0.85, "sakura_holdout_conversations.yml": 0.55}


def assert_followed(results, floor: float) -> None:
    """No emergency missed in any turn, and at least `floor` of the conversations wholly right."""
    missed = [
        t["user"]
        for r in results
        for t in r.turns
        if "emergency" in t["expect"] and t["outcome"] != "emergency"
    ]
    assert missed == []
    right = sum(r.passed for r in results) / len(results)
    assert right >= floor, f"{right:.1%} of conversations wholly right"


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_conversations_are_followed_above_the_floor_and_no_emergency_is_missed(rest, name):
    def turn(sender: str, text: str) -> list[dict]:
        return [m.get("custom") or {} for m in rest.send(text, sender).messages]

    path = PROJECT_ROOT / "tests" / name
    results = evaluate_conversations(load_conversations(path), turn)
    assert_followed(results, FLOORS[name])


# Other clinics' conversations, answered in this process from each policy alone (no question
# bank, no Rasa model trained for the clinic; conversations with a form are left out):
# `privacybot evaluate-conversations --in-process`. All were written blind, by helpers who saw
# only the policy, on 2026-12-03. Hollowbrook's, Midorinomori's and Riverside's first set were
# read while building that day, so they are dev sets now; Aozora's first set and the two "b"
# sets were not read (docs/benchmarks.md). The floors sit a little under the measured figures:
# far under the target, and what holds them down is retrieval (issue 11).
OTHER_CLINICS = {
    "hollowbrook_conversations.yml": ("hollowbrook", ["en"], 0.42),  # 11/24
    "midorinomori_conversations.yml": ("midorinomori", ["ja"], 0.55),  # 12/20
    "riverside_conversations.yml": ("riverside", ["en"], 0.33),  # 9/24
    "aozora_conversations.yml": ("aozora", ["ja"], 0.45),  # 10/20
    "riverside_b_conversations.yml": ("riverside", ["en"], 0.10),  # 3/20
    "aozora_b_conversations.yml": ("aozora", ["ja"], 0.30),  # 7/20
}


@pytest.mark.parametrize("name", sorted(OTHER_CLINICS))
def test_another_clinics_conversations_are_followed_from_its_policy_alone(settings, name):
    from privacybot.assistant import PolicyAssistant
    from privacybot.benchmark import clinic_settings

    clinic, languages, floor = OTHER_CLINICS[name]
    assistant = PolicyAssistant(
        clinic_settings(settings, Path("policy_corpus") / clinic, languages)
    )
    conversations = [
        c for c in load_conversations(PROJECT_ROOT / "tests" / name) if not needs_forms(c)
    ]
    results = evaluate_conversations(conversations, in_process_turns(assistant))
    assert_followed(results, floor)
