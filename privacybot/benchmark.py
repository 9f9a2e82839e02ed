"""`privacybot bench`: accuracy against two baselines, latency, start-up, training, memory.

One run, on one machine, printed side by side:
  * accuracy on a question file of the assistant (through the REST channel), of plain BM25
    over the policy's passages, and of embedding-only top-1 retrieval (both baselines cite the
    section of their best passage and can never abstain, redirect or raise an emergency);
  * the same on the Japanese question file, against a keyword baseline (BM25 over SudachiPy
    words of each section's Japanese example questions: the seed policy is English only);
  * REST turn latency p50/p95/p99, next to the action server's own share of the turn;
  * training time and peak memory of `rasa train` (into a scratch folder);
  * start-up time of the assistant, and the peak resident memory of each process;
  * other clinics' policies answered with no question bank, against the same engine without
    the privacy topics (OTHER_CLINICS).
The assistant runs on the configured ports + 900, so a running instance is left alone.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import numpy as np

from privacybot.evaluation import load_questions, passes
from privacybot.launcher import (
    PROJECT_ROOT,
    Assistant,
    child_environment,
    ensure_trained,
    say,
    train_command,
)
from privacybot.settings import get_settings

PORT_OFFSET = 900
# Other clinics' policies, each answered from its policy.md alone (no question bank): the
# languages it offers, its question file, and whether the engine was tuned on that file (dev)
# or not (held out: written blind by a helper who saw only the policy). tests/test_topics.py
# holds each to a floor.
OTHER_CLINICS = {
    "hollowbrook": (["en"], "tests/hollowbrook_dev_questions.yml", "dev"),
    "midorinomori": (["ja"], "tests/midorinomori_ja_dev_questions.yml", "dev"),
    "riverside": (["en"], "tests/riverside_holdout_questions.yml", "held out"),
    "aozora": (["ja"], "tests/aozora_ja_holdout_questions.yml", "held out"),
}


def run_benchmark(
    questions_path: Path, json_out: Path | None = None, japanese_path: Path | None = None
) -> int:
    questions = load_questions(questions_path)
    japanese = load_questions(japanese_path) if japanese_path else []
    say(f"benchmark on {questions_path} ({len(questions)} questions)")
    ensure_trained()
    figures: dict = {"questions": str(questions_path), "count": len(questions)}

    say("baselines: BM25 and embedding-only retrieval over the passages")
    figures["baselines"] = _baseline_accuracy(questions)

    if japanese:
        say(f"Japanese keyword baseline on {japanese_path} ({len(japanese)} questions)")
        figures["japanese"] = {"questions": str(japanese_path), "count": len(japanese)}
        figures["japanese"]["bm25"] = _japanese_baseline_accuracy(japanese)

    say("other clinics, policy only, against the same engine without the privacy topics")
    figures["other_clinics"] = _other_clinics()

    say("training time and peak memory of rasa train (scratch copy)")
    figures["training"] = _measure_training()

    settings = get_settings()
    services = settings.services.model_copy(
        update={
            "rasa_port": settings.services.rasa_port + PORT_OFFSET,
            "actions_port": settings.services.actions_port + PORT_OFFSET,
        }
    )
    bench_settings = settings.model_copy(update={"services": services})
    with Assistant(bench_settings) as assistant:
        figures["startup_seconds"] = round(assistant.startup_seconds, 1)
        pids = assistant.pids()
        memory_before = {name: _memory_mb(pid) for name, pid in pids.items()}
        figures["assistant"] = _assistant_accuracy_and_latency(questions, assistant.rasa_url)
        figures["action_server_turn_ms"] = _action_server_latency(services.actions_url, questions)
        if japanese:
            figures["japanese"]["assistant"] = _assistant_accuracy_and_latency(
                japanese, assistant.rasa_url
            )
        figures["memory_mb"] = {
            name: {
                "rss_after_start": memory_before[name][0],
                **dict(zip(("rss_after_run", "peak"), _memory_mb(pid), strict=True)),
            }
            for name, pid in pids.items()
        }
    _print(figures)
    if json_out:
        json_out.write_text(json.dumps(figures, indent=2))
        say(f"figures written to {json_out}")
    return 0


def _baseline_accuracy(questions) -> dict:
    from privacybot.corpus import load_policy, load_question_bank
    from privacybot.retrieval import build_policy_index
    from privacybot.retrieval.embeddings import encode
    from privacybot.retrieval.readers import EnglishReader

    corpus = get_settings().corpus
    policy = load_policy(corpus.policy_file("en"))
    bank = load_question_bank(corpus.question_bank_file("en"), policy)
    texts = [p.with_context() for p in policy.passages] + list(bank.all_questions)
    reader = EnglishReader(texts, PROJECT_ROOT / ".cache" / "embeddings")
    index = build_policy_index(policy, bank, reader)
    sections = [p.section for p in policy.passages]
    vectors = encode([q.q for q in questions])
    bm25_ok = embedding_ok = 0
    for question, vector in zip(questions, vectors, strict=True):
        keyword_scores = index.passage_keywords.scores(index.reader.keywords(question.q))
        bm25_ok += passes(question.expect, "answer", [sections[int(np.argmax(keyword_scores))]])
        embedding_scores = index.passage_vectors @ vector
        embedding_ok += passes(
            question.expect, "answer", [sections[int(np.argmax(embedding_scores))]]
        )
    return {
        "bm25": round(bm25_ok / len(questions), 4),
        "embedding_top1": round(embedding_ok / len(questions), 4),
    }


def clinic_settings(settings, directory: str | Path, languages: list[str], topics: bool = True):
    """The settings of another clinic: its corpus directory and languages."""
    profile = settings.clinic.model_copy(update={"languages": languages})
    corpus = settings.corpus.model_copy(
        update={"directory": Path(directory), "privacy_topics": topics}
    )
    return settings.model_copy(update={"clinic": profile, "corpus": corpus})


def _other_clinics() -> dict:
    from privacybot.assistant import PolicyAssistant
    from privacybot.evaluation import evaluate, summarise

    settings, figures = get_settings(), {}
    for name, (languages, path, kind) in OTHER_CLINICS.items():
        questions = load_questions(PROJECT_ROOT / path)
        accuracy = {}
        for label, topics in (("assistant", True), ("passages_only", False)):
            engine = PolicyAssistant(
                clinic_settings(settings, Path("policy_corpus") / name, languages, topics)
            )
            results = evaluate(questions, lambda q, e=engine: e.respond(q).payload())
            accuracy[label] = summarise(results)["accuracy"]
        figures[name] = {"kind": kind, "count": len(questions), **accuracy}
    return figures


def _japanese_baseline_accuracy(questions) -> float:
    from privacybot.assistant import LanguageAssistant

    understanding = LanguageAssistant(get_settings(), "ja")
    index, reader = understanding.index, understanding.reader
    passed = 0
    for question in questions:
        scores = index.section_keywords.scores(reader.keywords(question.q))
        section = index.section_numbers[int(np.argmax(scores))]
        passed += passes(question.expect, "answer", [section])
    return round(passed / len(questions), 4)


def _measure_training() -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="privacybot-train-"))
    try:
        started = time.monotonic()
        subprocess.run(
            train_command(scratch, "--force"),
            cwd=PROJECT_ROOT,
            env={**child_environment(), "HOME": str(scratch)},
            check=True,
            capture_output=True,
        )
        seconds = time.monotonic() - started
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"seconds": round(seconds, 1), "peak_mb": round(peak_kb / 1024)}


def _assistant_accuracy_and_latency(questions, rasa_url: str) -> dict:
    client = httpx.Client(timeout=60)
    url = f"{rasa_url}/webhooks/rest/webhook"
    for _ in range(5):  # warm-up: first turns load lazily initialised parts
        client.post(url, json={"sender": "warmup", "message": "what cookies do you use"})
    latencies, passed, emergencies_missed = [], 0, 0
    for question in questions:
        started = time.perf_counter()
        response = client.post(
            url, json={"sender": f"bench-{uuid.uuid4().hex}", "message": question.q}
        )
        latencies.append((time.perf_counter() - started) * 1000)
        payload = next((m["custom"] for m in response.json() if m.get("custom")), {})
        ok = passes(question.expect, payload.get("outcome", ""), payload.get("sections") or [])
        passed += ok
        emergencies_missed += question.expect == ["emergency"] and not ok
    client.close()
    return {
        "accuracy": round(passed / len(questions), 4),
        "emergencies_missed": emergencies_missed,
        "turn_ms": _percentiles(latencies),
        "turns_per_second": round(1000 / statistics.mean(latencies), 1),
    }


def _action_server_latency(actions_url: str, questions) -> dict:
    """The action server alone, called as Rasa calls it: its share of a REST turn."""
    client = httpx.Client(timeout=60)
    latencies = []
    for question in questions:
        body = {
            "next_action": "action_respond",
            "sender_id": "bench",
            "version": "3.6.21",
            "domain": {},
            "tracker": {
                "sender_id": "bench",
                "slots": {},
                "events": [],
                "latest_message": {"text": question.q, "intent_ranking": []},
            },
        }
        started = time.perf_counter()
        client.post(f"{actions_url}/webhook", json=body).raise_for_status()
        latencies.append((time.perf_counter() - started) * 1000)
    client.close()
    return _percentiles(latencies)


def _percentiles(values: list[float]) -> dict:
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "n": len(values)}


def _memory_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process and its children, in MB."""
    rss = peak = 0.0
    for child in [pid, *_descendants(pid)]:
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        rss += int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
        peak += int(fields.get("VmHWM", "0 kB").split()[0]) / 1024
    return round(rss), round(peak)


def _descendants(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return children + [d for c in children for d in _descendants(c)]


def _print(figures: dict) -> None:
    baseline, assistant = figures["baselines"], figures["assistant"]
    turn, action = assistant["turn_ms"], figures["action_server_turn_ms"]
    rows = [
        (
            "accuracy: this assistant",
            f"{assistant['accuracy']:.1%}",
            f"x{assistant['accuracy'] / max(baseline['bm25'], 1e-9):.2f} vs BM25",
        ),
        ("accuracy: plain BM25 (baseline)", f"{baseline['bm25']:.1%}", ""),
        (
            "accuracy: embedding top-1 (baseline)",
            f"{baseline['embedding_top1']:.1%}",
            f"x{baseline['embedding_top1'] / max(baseline['bm25'], 1e-9):.2f} vs BM25",
        ),
        ("emergencies missed", str(assistant["emergencies_missed"]), ""),
        ("REST turn p50 / p95 / p99", f"{turn['p50']} / {turn['p95']} / {turn['p99']} ms", ""),
        (
            "action server alone p50 / p95",
            f"{action['p50']} / {action['p95']} ms",
            f"{action['p50'] / max(turn['p50'], 1e-9):.0%} of a turn",
        ),
        ("turns per second (one client)", str(assistant["turns_per_second"]), ""),
        ("start-up (Rasa + actions, ready)", f"{figures['startup_seconds']} s", ""),
        (
            "training (rasa train)",
            f"{figures['training']['seconds']} s",
            f"peak {figures['training']['peak_mb']} MB",
        ),
    ]
    if "japanese" in figures:
        japanese = figures["japanese"]
        ja, ja_turn = japanese["assistant"], japanese["assistant"]["turn_ms"]
        rows += [
            (
                f"Japanese ({japanese['count']} q): this assistant",
                f"{ja['accuracy']:.1%}",
                f"x{ja['accuracy'] / max(japanese['bm25'], 1e-9):.2f} vs keywords",
            ),
            ("Japanese: keyword BM25 (baseline)", f"{japanese['bm25']:.1%}", ""),
            ("Japanese: emergencies missed", str(ja["emergencies_missed"]), ""),
            (
                "Japanese REST turn p50 / p95 / p99",
                f"{ja_turn['p50']} / {ja_turn['p95']} / {ja_turn['p99']} ms",
                f"x{ja_turn['p50'] / max(turn['p50'], 1e-9):.2f} English p50",
            ),
        ]
    for name, clinic in figures.get("other_clinics", {}).items():
        rows.append(
            (
                f"{name}, policy only ({clinic['kind']}, {clinic['count']} q)",
                f"{clinic['assistant']:.1%}",
                f"x{clinic['assistant'] / max(clinic['passages_only'], 1e-9):.2f} vs "
                f"{clinic['passages_only']:.1%} without topics",
            )
        )
    for name, memory in figures["memory_mb"].items():
        rows.append(
            (f"memory: {name}", f"{memory['rss_after_run']} MB", f"peak {memory['peak']} MB")
        )
    width = max(len(r[0]) for r in rows) + 2
    print(
        f"\nbenchmark: {figures['questions']} ({figures['count']} questions), {os.cpu_count()} CPUs"
    )
    for name, value, note in rows:
        print(f"  {name:<{width}} {value:<24} {note}")


if __name__ == "__main__":
    raise SystemExit(run_benchmark(PROJECT_ROOT / "tests" / "dev_questions.yml"))
