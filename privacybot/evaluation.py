"""Evaluate the assistant on a question file (format: docs/evaluation-format.md).

```yaml
- q: Who can see my medical records?
  expect: [3, 4]          # policy section numbers and/or outcomes
```
A question passes when the outcome is `answer` and the first cited section is in `expect`,
or when the outcome itself is in `expect`. Each question runs in a fresh conversation.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from privacybot.replies import Outcome

OUTCOMES = {outcome.value for outcome in Outcome}


class EvaluationFileError(ValueError):
    pass


@dataclass
class Question:
    q: str
    expect: list[int | str]


@dataclass
class Result:
    q: str
    expect: list[int | str]
    outcome: str
    sections: list[int]
    intent: str
    confidence: float
    answer: str
    passed: bool


def load_questions(path: str | Path) -> list[Question]:
    path = Path(path)
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvaluationFileError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise EvaluationFileError(f"{path}: not valid YAML: {exc}") from None
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list) or not data:
        raise EvaluationFileError(f"{path}: expected a non-empty list of '- q: ... expect: [...]'")
    questions = []
    for position, item in enumerate(data):
        line = node.value[position].start_mark.line + 1
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise EvaluationFileError(f"{path}:{line}: each item needs a 'q' string")
        expect = item.get("expect")
        if not isinstance(expect, list):
            expect = [expect] if expect is not None else []
        if not expect:
            raise EvaluationFileError(f"{path}:{line}: 'expect' must list sections or outcomes")
        for label in expect:
            if not (isinstance(label, int) or (isinstance(label, str) and label in OUTCOMES)):
                raise EvaluationFileError(f"{path}:{line}: unknown expected label {label!r}")
        questions.append(Question(item["q"], expect))
    return questions


def passes(expect: list[int | str], outcome: str, sections: list[int]) -> bool:
    if outcome in expect:
        return True
    return outcome == "answer" and bool(sections) and sections[0] in expect


def evaluate(questions: list[Question], ask: Callable[[str], dict]) -> list[Result]:
    """Run each question through `ask` (which returns a reply's custom payload)."""
    results = []
    for question in questions:
        payload = ask(question.q)
        outcome = payload.get("outcome", "no_reply")
        sections = list(payload.get("sections") or [])
        results.append(
            Result(
                q=question.q,
                expect=question.expect,
                outcome=outcome,
                sections=sections,
                intent=payload.get("intent", ""),
                confidence=float(payload.get("confidence") or 0.0),
                answer=payload.get("text", ""),
                passed=passes(question.expect, outcome, sections),
            )
        )
    return results


def summarise(results: list[Result]) -> dict:
    passed = sum(r.passed for r in results)
    return {
        "total": len(results),
        "passed": passed,
        "accuracy": round(passed / len(results), 4) if results else 0.0,
    }


def accuracy_by_label(results: list[Result]) -> dict[str, tuple[int, int]]:
    """Passed and total per first expected label."""
    totals: Counter[str] = Counter()
    passed: Counter[str] = Counter()
    for r in results:
        label = str(r.expect[0])
        totals[label] += 1
        passed[label] += r.passed
    return {label: (passed[label], totals[label]) for label in sorted(totals, key=_label_order)}


def report_json(results: list[Result]) -> dict:
    return {"summary": summarise(results), "results": [asdict(r) for r in results]}


def _label_order(label: str) -> tuple[int, str]:
    return (0, f"{int(label):03d}") if label.isdigit() else (1, label)


# ---- multi-turn conversations (format: tests/sakura_conversations.yml) ----
# Labels of a turn beyond sections and outcomes: "form" (an answer to a request form's
# question, taken by the form), "status" (a question about a request's progress),
# "chat_privacy" (a question about this chat itself, answered from the assistant's own notice).
TURN_LABELS = OUTCOMES | {"form", "status", "chat_privacy"}


@dataclass
class ConversationResult:
    id: str
    turns: list[dict]  # {"user", "expect", "outcome", "sections", "passed"}

    @property
    def passed(self) -> bool:
        return all(t["passed"] for t in self.turns)


def load_conversations(path: str | Path) -> list[dict]:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, yaml.YAMLError) as exc:
        raise EvaluationFileError(f"{path}: {exc}") from None
    if not isinstance(data, list) or not data:
        raise EvaluationFileError(f"{path}: expected a non-empty list of conversations")
    for conversation in data:
        turns = conversation.get("turns") if isinstance(conversation, dict) else None
        if not turns or not all(isinstance(t, dict) and "user" in t for t in turns):
            raise EvaluationFileError(f"{path}: each conversation needs 'turns' with 'user'")
        for turn in turns:
            for label in turn.get("expect") or []:
                if not (isinstance(label, int) or label in TURN_LABELS):
                    raise EvaluationFileError(f"{path}: unknown label {label!r}")
    return data


def turn_passes(expect: list[int | str], payloads: list[dict]) -> bool:
    """The turn's first reply decides, but a form's prompt may come after it (an answer to
    a question asked inside the form, then the form's question again)."""
    slots = [str(p.get("form_slot") or "") for p in payloads]
    if "form" in expect and any(slots):
        return True
    if "status" in expect and any(slot.startswith("status_") for slot in slots):
        return True
    first = payloads[0] if payloads else {}
    return passes(expect, first.get("outcome", "no_reply"), list(first.get("sections") or []))


def evaluate_conversations(
    conversations: list[dict], turn: Callable[[str, str], list[dict]]
) -> list[ConversationResult]:
    """`turn(conversation_id, text)` returns the custom payloads of the turn's replies."""
    results = []
    run = uuid.uuid4().hex[:8]
    for number, conversation in enumerate(conversations):
        conversation_id = f"eval-{run}-{number}"
        turns = []
        for item in conversation["turns"]:
            payloads = turn(conversation_id, item["user"])
            first = payloads[0] if payloads else {}
            turns.append(
                {
                    "user": item["user"],
                    "expect": item.get("expect") or [],
                    "outcome": first.get("outcome", "no_reply"),
                    "sections": list(first.get("sections") or [])[:3],
                    "passed": turn_passes(item.get("expect") or [], payloads),
                }
            )
        results.append(ConversationResult(str(conversation.get("id", number)), turns))
    return results


# Turns that go on inside a form (its questions, the request's status) need the whole stack.
FORM_LABELS = {"form", "status"}


def needs_forms(conversation: dict) -> bool:
    return any(FORM_LABELS & set(t.get("expect") or []) for t in conversation["turns"])


def in_process_turns(assistant) -> Callable[[str, str], list[dict]]:
    """`turn(conversation_id, text)` answered by `assistant` (a PolicyAssistant) in this
    process, with what a conversation remembers threaded from turn to turn as the Rasa slots
    carry it: the last answer's context, an offer to pass a request on, the policy version
    already shown, the conversation's language. A clinic's conversations can so be measured
    without a trained model (forms aside: `needs_forms`)."""
    from privacybot.dialogue.context import AnswerContext, Turn

    remembered: dict[str, dict] = {}

    def turn(conversation_id: str, text: str) -> list[dict]:
        state = remembered.setdefault(conversation_id, {})
        reply = assistant.respond(
            text,
            language=state.get("language"),
            turn=Turn(
                AnswerContext.from_slot(state.get("context")),
                handoff_offered=state.get("offered", False),
                shown_version=state.get("shown", ""),
            ),
        )
        state.update(
            language=reply.language,
            context=reply.context,
            offered=reply.offer_handoff,
            shown=reply.shown_version or state.get("shown", ""),
        )
        return [reply.payload()]

    return turn
