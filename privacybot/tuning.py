"""Per-clinic decision thresholds, chosen on the clinic's own questions and kept as data.

`privacybot tune QUESTIONS` tries a small grid of the thresholds that decide between an answer,
"the policy does not say" and a redirect, on one language of the clinic's assistant. The grid
is scored on each half of the question file (even and odd items); the figure that counts is
each half's accuracy with the values chosen on the *other* half, printed for both, so a reader
sees how far the choice carries. With `--write`, the values best on the whole file go to
`<corpus>/<language>/tuning.yml`, which the assistant reads at start-up over the language's
defaults. A clinic without that file (a new clinic, which has no labelled questions yet) keeps
the defaults.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields, replace
from pathlib import Path

import yaml

from privacybot.evaluation import Question, passes

# What is tuned: the ranker's abstention (min_score, not_covered_margin) and the assistant's
# answer-despite-small-talk threshold (confident_answer), each around its default.
STEPS = {
    "min_score": (-0.04, 0.0, 0.04),
    "not_covered_margin": (-0.03, 0.0, 0.03),
    "confident_answer": (-0.1, 0.0, 0.1),
}
RANKER_KEYS = ("min_score", "not_covered_margin")
TRIAGE_KEYS = ("confident_answer",)


class TuningFileError(ValueError):
    """A tuning.yml that cannot be used; the message names the file and line."""


@dataclass
class Trial:
    values: dict[str, float]
    passed: list[bool]
    offsets: tuple[float, ...] = ()  # from the defaults, one per key of STEPS

    def accuracy(self, half: int | None = None) -> float:
        chosen = [p for i, p in enumerate(self.passed) if half is None or i % 2 == half]
        return sum(chosen) / len(chosen) if chosen else 0.0


def tuning_file(corpus_directory: Path, language: str) -> Path:
    return corpus_directory / language / "tuning.yml"


def read_tuning(path: Path, thresholds, weights):
    """The language's defaults with the clinic's tuned values over them."""
    if not path.is_file():
        return thresholds, weights
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        raise TuningFileError(f"{path}:{line}: not valid YAML") from None
    values = data.get("values") if isinstance(data, dict) else None
    if not isinstance(values, dict):
        raise TuningFileError(f"{path}:1: expected 'values:' with the tuned thresholds")
    lines = {
        k.value: k.start_mark.line + 1
        for key, value in node.value
        if key.value == "values" and isinstance(value, yaml.MappingNode)
        for k, _ in value.value
    }
    known = {f.name for f in fields(thresholds)} | {f.name for f in fields(weights)}
    for key, value in values.items():
        where = f"{path}:{lines.get(key, 1)}"
        if key not in known:
            raise TuningFileError(f"{where}: unknown threshold {key!r}; known: {sorted(known)}")
        if not isinstance(value, int | float) or not 0 <= value <= 1:
            raise TuningFileError(f"{where}: {key} must be a number from 0 to 1")
    ranker = {k: float(v) for k, v in values.items() if k in {f.name for f in fields(weights)}}
    triage = {k: float(v) for k, v in values.items() if k in {f.name for f in fields(thresholds)}}
    return replace(thresholds, **triage), replace(weights, **ranker)


def run_grid(understanding, questions: list[Question], ask) -> list[Trial]:
    """Every combination of the grid, each scored on every question (`ask(q) -> payload`)."""
    base_thresholds, base_weights = understanding.thresholds, understanding.ranker.weights
    base = {k: getattr(base_weights, k) for k in RANKER_KEYS}
    base |= {k: getattr(base_thresholds, k) for k in TRIAGE_KEYS}
    trials = []
    try:
        for offsets in itertools.product(*STEPS.values()):
            values = {
                key: round(max(0.0, base[key] + step), 3)
                for key, step in zip(STEPS, offsets, strict=True)
            }
            understanding.ranker.weights = replace(
                base_weights, **{k: values[k] for k in RANKER_KEYS}
            )
            understanding.thresholds = replace(
                base_thresholds, **{k: values[k] for k in TRIAGE_KEYS}
            )
            passed = []
            for question in questions:
                payload = ask(question.q)
                outcome = payload.get("outcome", "no_reply")
                passed.append(passes(question.expect, outcome, list(payload.get("sections") or [])))
            trials.append(Trial(values, passed, offsets))
    finally:
        understanding.ranker.weights, understanding.thresholds = base_weights, base_thresholds
    return trials


def best(trials: list[Trial], half: int | None = None) -> Trial:
    """The best trial on a half (or all); ties go to the trial nearest the defaults."""
    return max(trials, key=lambda t: (round(t.accuracy(half), 6), -sum(abs(o) for o in t.offsets)))


def write_tuning(path: Path, trial: Trial, questions_file: Path, report: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "\n".join(f"# {line}" for line in report)
    body = yaml.safe_dump({"values": trial.values}, sort_keys=True)
    path.write_text(
        f"# Written by `privacybot tune {questions_file}`; read by privacybot/assistant.py.\n"
        f"{header}\n{body}",
        encoding="utf-8",
    )
