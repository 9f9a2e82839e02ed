"""The question sets measure what they claim to: no question of a dev, held-out or second-clinic
set appears (after normalising case, width, spaces and punctuation) in what the assistant
learns from (Rasa's NLU data, a question bank, the privacy topics, the emergency phrases),
nor in another set. A figure on a set that was trained on is not a blind figure."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from privacybot.settings import PROJECT_ROOT

TESTS = PROJECT_ROOT / "tests"
QUESTION_SETS = sorted([*TESTS.glob("*questions.yml"), *TESTS.glob("*conversations.yml")])


def normalised(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    return []


def learned_from() -> dict[str, str]:
    """Every text the assistant learns from, normalised, with the file it is in."""
    found: dict[str, str] = {}

    def add(texts, path: Path) -> None:
        for text in texts:
            found.setdefault(normalised(text), str(path.relative_to(PROJECT_ROOT)))

    for path in (PROJECT_ROOT / "data" / "nlu").rglob("*.yml"):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            examples = str(item.get("examples") or "").splitlines()
            add([line.strip()[2:] for line in examples if line.strip().startswith("- ")], path)
    for path in (PROJECT_ROOT / "policy_corpus").glob("*/*/question_bank.yml"):
        add(_strings(yaml.safe_load(path.read_text(encoding="utf-8"))), path)
    for path in (PROJECT_ROOT / "privacybot" / "topics").glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        # The topics' questions (en.yml, ja.yml) and the broad questions (groups.yml) alike.
        for entry in [*(data.get("topics") or {}).values(), *(data.get("groups") or {}).values()]:
            add(_strings(entry.get("questions")), path)
    phrases = PROJECT_ROOT / "privacybot" / "triage" / "emergency_phrases.yml"
    add(_strings(yaml.safe_load(phrases.read_text(encoding="utf-8"))), phrases)
    found.pop("", None)
    return found


def questions_of(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if path.name.endswith("conversations.yml"):
        return [turn["user"] for conversation in data for turn in conversation["turns"]]
    return [item["q"] for item in data]


def test_there_are_question_sets_to_check():
    names = {p.name for p in QUESTION_SETS}
    assert {"dev_questions.yml", "holdout_questions.yml", "ja_holdout_questions.yml"} <= names


@pytest.mark.parametrize("path", QUESTION_SETS, ids=lambda p: p.name)
def test_no_question_of_a_set_is_in_what_the_assistant_learns_from(path):
    learned = learned_from()
    leaks = [(q, learned[normalised(q)]) for q in questions_of(path) if normalised(q) in learned]
    assert leaks == [], f"{len(leaks)} questions of {path.name} are training data: {leaks[:10]}"


def test_no_question_is_in_two_sets():
    seen: dict[str, str] = {}
    shared = []
    for path in QUESTION_SETS:
        for question in {normalised(q) for q in questions_of(path)}:
            if question in seen and seen[question] != path.name:
                shared.append((question, seen[question], path.name))
            seen.setdefault(question, path.name)
    assert shared == [], shared[:10]


def test_the_check_would_catch_a_copied_question(tmp_path):
    """The normalisation sees through case, width and punctuation."""
    assert normalised("Ｗｈｏ  sees my records?!") == normalised("who sees my RECORDS")
    assert normalised("カルテは誰が見る？") == normalised("カルテは誰が見る")
