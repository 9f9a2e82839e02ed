"""The staff CLI `privacybot`, run as staff run it: as a command in a terminal."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import httpx
import pytest

from privacybot.settings import PROJECT_ROOT

PRIVACYBOT = [sys.executable, "-m", "privacybot.cli.main"]
# Question sets and the accuracy floor under each; CI fails below it (docs/benchmarks.md).
QUESTION_SETS = {
    "dev_questions.yml": 0.92,  # the team's dev set, written with the first training data
    # Written later by another author. 26 of its questions were found word for word in the
    # training data and replaced by fresh ones (tests/test_evaluation_sets.py): on the clean
    # set 91.8% (it read 93.8% with the leaked ones).
    "holdout_questions.yml": 0.90,
    "ja_dev_questions.yml": 0.87,  # Japanese dev set: 91% (docs/benchmarks.md, Japanese)
    "ja_holdout_questions.yml": 0.86,  # Japanese, another author, never trained on: 90%
}


def run(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*PRIVACYBOT, *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_ask_prints_reply_intent_outcome_sections_and_scores(rasa_url):
    result = run("ask", "what cookies do you use?")
    assert result.returncode == 0, result.stderr
    assert "Section 5 (Cookies, etc.)" in result.stdout
    for label in ("intent:", "outcome:    answer", "sections:   [5", "scores:", "policy:"):
        assert label in result.stdout


def test_evaluate_writes_the_agreed_json_format(rasa_url, tmp_path):
    questions = tmp_path / "q.yml"
    questions.write_text(
        "- q: What cookies do you use?\n  expect: [5]\n  note: ignored key\n"
        "- q: How long do you keep my data?\n  expect: [not_covered]\n"
        "- q: What cookies do you use?\n  expect: [emergency]\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.json"
    result = run("evaluate", str(questions), "--json", str(out))
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["summary"] == {"total": 3, "passed": 2, "accuracy": round(2 / 3, 4)}
    first = report["results"][0]
    assert set(first) == {
        "q",
        "expect",
        "outcome",
        "sections",
        "intent",
        "confidence",
        "answer",
        "passed",
    }
    assert first["passed"] and first["sections"][0] == 5 and first["outcome"] == "answer"
    assert report["results"][2]["passed"] is False
    assert "FAIL" in result.stdout and "overall: 2/3" in result.stdout
    assert "section 5" in result.stdout and "emergency" in result.stdout


def test_evaluate_exits_1_below_the_floor(rasa_url, tmp_path):
    questions = tmp_path / "q.yml"
    questions.write_text("- q: hello\n  expect: [emergency]\n", encoding="utf-8")
    result = run("evaluate", str(questions), "--min-accuracy", "0.5")
    assert result.returncode == 1
    assert "below the floor" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[]", "non-empty list"),
        ("- q: hi\n", "'expect'"),
        ("- q: hi\n  expect: [maybe]\n", "unknown"),
        ("- [", "not valid YAML"),
    ],
)
def test_evaluate_rejects_a_malformed_question_file(tmp_path, content, message):
    questions = tmp_path / "q.yml"
    questions.write_text(content, encoding="utf-8")
    result = run("evaluate", str(questions))
    assert result.returncode == 2
    assert message in result.stderr and str(questions) in result.stderr


@pytest.mark.parametrize(("name", "floor"), QUESTION_SETS.items())
def test_question_sets_stay_above_their_floor_and_miss_no_emergency(
    rasa_url, tmp_path, name, floor
):
    out = tmp_path / "results.json"
    questions = PROJECT_ROOT / "tests" / name
    result = run("evaluate", str(questions), "--json", str(out), "--min-accuracy", str(floor))
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-3000:]
    results = json.loads(out.read_text())["results"]
    assert all(r["outcome"] == "emergency" for r in results if r["expect"] == ["emergency"])


def free_ports(offset: int) -> dict[str, str]:
    return {
        "PRIVACYBOT_SERVICES__RASA_PORT": str(20000 + offset),
        "PRIVACYBOT_SERVICES__ACTIONS_PORT": str(20100 + offset),
        "PRIVACYBOT_SERVICES__API_PORT": str(20200 + offset),
    }


def test_evaluate_starts_the_assistant_when_none_runs_and_stops_it_after(tmp_path):
    ports = free_ports(1)
    questions = tmp_path / "q.yml"
    questions.write_text("- q: what cookies do you use\n  expect: [5]\n", encoding="utf-8")
    result = run("evaluate", str(questions), "--min-accuracy", "1", env=ports)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "starting the assistant for this run" in result.stderr
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{ports['PRIVACYBOT_SERVICES__RASA_PORT']}/", timeout=2)


def test_up_says_when_ready_and_stops_everything_on_sigterm():
    ports = free_ports(2)
    process = subprocess.Popen(
        [*PRIVACYBOT, "up"],
        cwd=PROJECT_ROOT,
        text=True,
        stderr=subprocess.PIPE,
        env={**os.environ, **ports},
    )
    try:
        lines = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            lines.append(line)
            if "assistant ready" in line or process.poll() is not None:
                break
        assert "assistant ready" in lines[-1], "".join(lines)
        url = f"http://127.0.0.1:{ports['PRIVACYBOT_SERVICES__RASA_PORT']}/webhooks/rest/webhook"
        reply = httpx.post(
            url, json={"sender": "t", "message": "what cookies do you use"}, timeout=30
        )
        assert reply.json()[0]["custom"]["sections"][0] == 5
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert "stopped" in process.stderr.read()
        for port in ports.values():
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
    finally:
        if process.poll() is None:
            process.kill()


def test_a_malformed_corpus_stops_start_up_with_file_and_line(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "policy_corpus" / "sakura", corpus)
    policy = corpus / "en" / "policy.md"
    lines = policy.read_text(encoding="utf-8").splitlines()
    lines[20] = "   - a bullet with an odd indent"
    policy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**free_ports(3), "PRIVACYBOT_CORPUS__DIRECTORY": str(corpus)}

    check = run("check-corpus", env=env)
    assert check.returncode == 2
    assert f"{policy}:21: bullets are indented by multiples of two spaces" in check.stderr

    up = run("up", env=env, timeout=300)
    assert up.returncode == 2
    assert f"{policy}:21:" in up.stderr and "actions stopped while starting" in up.stderr


def test_ask_in_japanese_as_a_patient_who_chose_it_in_the_widget(rasa_url):
    result = run("ask", "--lang", "ja", "IDFA")
    assert result.returncode == 0, result.stderr
    assert "第5項「Cookies, etc.」" in result.stdout and "英語の原文" in result.stdout
    assert "outcome:    answer  (ja)" in result.stdout
    japanese = run("ask", "クッキーは何に使っていますか？")
    assert "第5項" in japanese.stdout and "outcome:    answer  (ja)" in japanese.stdout


def test_redaction_recall_prints_recall_per_kind_and_misses_only_when_asked(tmp_path):
    labelled = tmp_path / "names.yml"
    labelled.write_text(
        '- text: "Hi, I\'m Daniel Brooks. Who reads this?"\n'
        '  pii: [[NAME, "Daniel Brooks"]]\n'
        '- text: "Does Zed read my file?"\n'
        '  pii: [[NAME, "Zed"]]\n'
        '- text: "May I see my file?"\n'
        "  pii: []\n",
        encoding="utf-8",
    )
    quiet = run("redaction-recall", str(labelled))
    assert quiet.returncode == 0, quiet.stderr
    assert "NAME" in quiet.stdout and "0.500" in quiet.stdout
    assert "ordinary messages altered: 0 of 1" in quiet.stdout
    assert "missed" not in quiet.stdout
    shown = run("redaction-recall", "--show-misses", str(labelled))
    assert "missed NAME 'Zed'" in shown.stdout


def test_conversations_in_process_refuses_a_file_of_form_conversations_only(tmp_path):
    talks = tmp_path / "forms_only.yml"
    talks.write_text(
        '- id: form-only\n  turns:\n    - user: "I want my data deleted"\n'
        '      expect: [request]\n    - user: "Ana Silva"\n      expect: [form]\n',
        encoding="utf-8",
    )
    done = run("evaluate-conversations", "--in-process", str(talks))
    assert done.returncode == 2
    assert "every conversation has a form; run without --in-process" in done.stderr
    assert "Traceback" not in done.stderr
