"""Per-clinic thresholds as data: `privacybot tune` chooses them on the clinic's questions
(split-half, both halves printed) and writes tuning.yml, which the assistant reads over its
defaults; a malformed file is refused with its line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from privacybot.assistant import THRESHOLDS
from privacybot.settings import PROJECT_ROOT
from privacybot.tuning import TuningFileError, read_tuning


def corpus_copy(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "policy_corpus" / "hollowbrook" / "en", corpus / "en")
    return corpus


def clinic_file(tmp_path: Path, corpus: Path) -> Path:
    source = (PROJECT_ROOT / "policy_corpus" / "hollowbrook" / "clinic.yml").read_text()
    path = tmp_path / "clinic.yml"
    path.write_text(source.replace("directory: policy_corpus/hollowbrook", f"directory: {corpus}"))
    return path


def test_tuned_values_are_read_over_the_defaults(tmp_path):
    path = tmp_path / "tuning.yml"
    path.write_text("values:\n  min_score: 0.42\n  confident_answer: 0.6\n")
    thresholds, weights = read_tuning(path, *THRESHOLDS["en"])
    assert weights.min_score == 0.42 and thresholds.confident_answer == 0.6
    assert weights.bank == THRESHOLDS["en"][1].bank  # the rest stays as it was


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("values:\n  min_score: 0.3\n  min_scroe: 0.2\n", r":3: unknown threshold 'min_scroe'"),
        ("values:\n  min_score: 7\n", r":2: min_score must be a number from 0 to 1"),
        ("values: [1, 2]\n", r":1: expected 'values:'"),
        ("values: {min_score: [\n", r":\d+: not valid YAML"),
    ],
)
def test_a_malformed_tuning_file_is_refused_with_its_line(tmp_path, text, message):
    path = tmp_path / "tuning.yml"
    path.write_text(text)
    with pytest.raises(TuningFileError, match=message):
        read_tuning(path, *THRESHOLDS["en"])


def test_tune_prints_both_halves_and_writes_what_the_assistant_then_uses(tmp_path):
    corpus = corpus_copy(tmp_path)
    questions = tmp_path / "questions.yml"
    source = (PROJECT_ROOT / "tests" / "hollowbrook_dev_questions.yml").read_text()
    items = source.split("\n- ")
    questions.write_text("\n- ".join(items[:25]) + "\n")  # 25 questions
    env = {"PRIVACYBOT_SETTINGS": str(clinic_file(tmp_path, corpus)), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "privacybot.cli.main", "tune", str(questions), "--write"]
    done = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "half 1:" in done.stdout and "half 2:" in done.stdout
    written = corpus / "en" / "tuning.yml"
    assert written.is_file()
    thresholds, weights = read_tuning(written, *THRESHOLDS["en"])
    assert 0 <= weights.min_score <= 1 and 0 <= thresholds.confident_answer <= 1


def test_a_clinic_with_a_tuning_file_answers_by_it(settings, tmp_path):
    from privacybot.assistant import PolicyAssistant

    corpus = corpus_copy(tmp_path)
    (corpus / "en" / "tuning.yml").write_text("values:\n  min_score: 0.99\n")
    clinic = settings.clinic.model_copy(update={"languages": ["en"]})
    local = settings.model_copy(
        update={
            "clinic": clinic,
            "corpus": settings.corpus.model_copy(update={"directory": corpus}),
        }
    )
    reply = PolicyAssistant(local).respond("Who do you share my information with?")
    assert str(reply.outcome) == "not_covered"  # nothing scores 0.99: the file was read
