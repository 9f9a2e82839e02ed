"""Load test of the web chat: simulated patients talk to the service at once, on loopback.

    .venv/bin/python -m privacybot.loadtest --users 50 --seconds 120
    .venv/bin/python -m privacybot.loadtest --users 50 --turns 10000 --json var/load.json

It starts its own assistant (Rasa, action server, service) on ports 17005 / 17055 / 17080,
with a scratch desk database and tracker store, rate limits raised (every patient comes from
127.0.0.1) and mail to a port where nothing listens. Each patient opens a conversation with
`POST /chat/conversations` and talks through it, turn after turn with no pause: either
policy questions (drawn from tests/dev_questions.yml) or a request hand-off that walks the
form and cancels at the read-back, so nothing is stored or mailed. First one patient alone
(the baseline), then all of them; for each: errors (a status other than 200, or a turn with
no reply text), turn latency p50/p95/p99 and turns per second. Resident memory of each of
the assistant's processes is sampled at the start, every 1,000 turns and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from privacybot import launcher
from privacybot.benchmark import _descendants, _memory_mb, _percentiles
from privacybot.evaluation import load_questions
from privacybot.launcher import Assistant, ensure_trained, say
from privacybot.settings import PROJECT_ROOT, get_settings

QUESTIONS_FILE = PROJECT_ROOT / "tests" / "dev_questions.yml"
# Out of the way of a developer's assistant (5xxx/8000) and of test runs (15xxx, 16xxx).
LOAD_ENVIRONMENT = {
    "PRIVACYBOT_SERVICES__RASA_PORT": "17005",
    "PRIVACYBOT_SERVICES__ACTIONS_PORT": "17055",
    "PRIVACYBOT_SERVICES__API_PORT": "17080",
    "PRIVACYBOT_MAIL__SMTP_PORT": "17025",
    "PRIVACYBOT_API__RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "10000000",
    "PRIVACYBOT_API__RATE_LIMIT_BURST": "1000000",
    "PRIVACYBOT_API__RATE_LIMIT_PER_CONVERSATION_PER_MINUTE": "1000000",
}
MEMORY_SAMPLE_EVERY = 1000
HANDOFF_SHARE = 1 / 3
TURN_TIMEOUT_SECONDS = 60.0
WARM_UP_TURNS = 5
ERROR_EXAMPLES_KEPT = 5


@dataclass
class Scripts:
    """What patients say: policy questions, and the openers of request hand-offs."""

    questions: list[str]
    request_openers: list[str]

    @classmethod
    def from_question_file(cls, path: Path) -> Scripts:
        questions = load_questions(path)
        return cls(
            questions=[q.q for q in questions if "request" not in q.expect],
            request_openers=[q.q for q in questions if q.expect == ["request"]],
        )

    def conversation(self, rng: random.Random, patient: int) -> list[str]:
        """One conversation's messages: a few questions, or a question and a hand-off that is
        cancelled at the read-back (the form's usual order; a misplaced answer is asked again)."""
        if rng.random() >= HANDOFF_SHARE:
            return rng.sample(self.questions, rng.randint(2, 4))
        return [
            rng.choice(self.questions),
            rng.choice(self.request_openers),
            f"Load Patient {patient}",
            f"load.patient{patient}@example.com",
            "skip",
            "Myself",
            "Please update what you hold about me.",
            "cancel",
        ]


@dataclass
class Phase:
    """The turns of one run: one patient alone, or all of them."""

    name: str
    users: int
    turn_budget: int | None
    deadline: float
    started: float = 0.0
    ended: float = 0.0
    turns_started: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    conversations: int = 0
    handoffs: int = 0

    def over(self) -> bool:
        return time.monotonic() >= self.deadline or (
            self.turn_budget is not None and self.turns_started >= self.turn_budget
        )

    def may_start_turn(self) -> bool:
        if self.over():
            return False
        self.turns_started += 1
        return True

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_examples) < ERROR_EXAMPLES_KEPT:
            self.error_examples.append(what)

    def figures(self, cpu_by_process: dict[str, float]) -> dict:
        seconds = self.ended - self.started
        turns = len(self.latencies_ms)
        assistant_cpu_seconds = sum(cpu_by_process.values())
        return {
            "users": self.users,
            "seconds": round(seconds, 1),
            "turns": turns,
            "conversations": self.conversations,
            "handoffs": self.handoffs,
            "errors": self.errors,
            "error_examples": self.error_examples,
            "turns_per_second": round(turns / seconds, 2) if seconds else 0.0,
            "turn_ms": _percentiles(self.latencies_ms) if turns else {},
            # CPU the assistant spent per turn: what the machine's cores allow, whatever else
            # ran on it at the time.
            "assistant_cpu_ms_per_turn": round(assistant_cpu_seconds * 1000 / turns, 1)
            if turns
            else 0.0,
            "cpu_ms_per_turn_by_process": {
                name: round(used * 1000 / turns, 1) if turns else 0.0
                for name, used in cpu_by_process.items()
            },
        }


class MemoryLog:
    """Resident memory (MB, with children) of each process of the assistant, by turn count."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.samples: list[dict] = []
        self.next_at = 0

    def sample(self, label: str, turns: int) -> None:
        rss = {name: _memory_mb(pid)[0] for name, pid in self.pids.items()}
        self.samples.append({"at": label, "turns": turns, "rss_mb": rss})

    def maybe_sample(self, turns: int) -> None:
        if turns >= self.next_at:
            self.sample(f"{turns} turns", turns)
            say(f"{turns} turns; resident memory MB: {self.samples[-1]['rss_mb']}")
            self.next_at = turns - turns % MEMORY_SAMPLE_EVERY + MEMORY_SAMPLE_EVERY


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU time (user + system) each of the assistant's processes (with its children) has used."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for name, pid in pids.items():
        used[name] = 0.0
        for process in [pid, *_descendants(pid)]:
            try:
                fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[name] += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


def cpu_used_since(pids: dict[str, int], before: dict[str, float]) -> dict[str, float]:
    return {name: seconds - before.get(name, 0.0) for name, seconds in cpu_seconds(pids).items()}


async def run_patient(
    client: httpx.AsyncClient,
    phase: Phase,
    scripts: Scripts,
    patient: int,
    rng: random.Random,
    memory: MemoryLog | None,
    counted: list[int],
    think: float,
) -> None:
    while not phase.over():
        messages = scripts.conversation(rng, patient)
        try:
            opened = await client.post("/chat/conversations")
            conversation = opened.json()["conversation_id"]
        except (httpx.HTTPError, ValueError, KeyError) as error:
            phase.error(f"opening a conversation: {error!r}")
            await asyncio.sleep(1)
            continue
        phase.conversations += 1
        phase.handoffs += messages[-1] == "cancel"
        for text in messages:
            if not phase.may_start_turn():
                return
            started = time.perf_counter()
            try:
                response = await client.post(
                    f"/chat/conversations/{conversation}/messages", json={"text": text}
                )
                turn = response.json() if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError) as error:
                response, turn = None, None
                phase.error(f"{text!r}: {error!r}")
            phase.latencies_ms.append((time.perf_counter() - started) * 1000)
            if response is not None and response.status_code != 200:
                phase.error(f"{text!r}: {response.status_code} {response.text[:200]}")
            elif turn is not None and not any(r.get("text") for r in turn.get("replies", [])):
                phase.error(f"{text!r}: no reply text: {json.dumps(turn)[:200]}")
            counted[0] += 1
            if memory is not None:
                memory.maybe_sample(counted[0])
            if turn is not None and turn.get("forgotten"):
                break  # the patient had the conversation deleted: the next one starts afresh
            if think:  # reading the reply and typing the next message
                await asyncio.sleep(rng.uniform(0.5, 1.5) * think)


async def run_phase(
    api_url: str,
    scripts: Scripts,
    name: str,
    users: int,
    seconds: float,
    turns: int | None,
    seed: int,
    memory: MemoryLog | None = None,
    think: float = 0.0,
) -> Phase:
    phase = Phase(name, users, turns, deadline=time.monotonic() + seconds)
    counted = [0]
    limits = httpx.Limits(max_connections=users + 5, max_keepalive_connections=users + 5)
    async with httpx.AsyncClient(
        base_url=api_url, timeout=TURN_TIMEOUT_SECONDS, limits=limits
    ) as client:
        phase.started = time.monotonic()
        await asyncio.gather(
            *(
                run_patient(
                    client,
                    phase,
                    scripts,
                    patient,
                    random.Random(seed + patient),
                    memory,
                    counted,
                    think,
                )
                for patient in range(users)
            )
        )
        phase.ended = time.monotonic()
    return phase


def _scratch_environment(scratch: Path) -> None:
    """Settings of the assistant under load; set before the settings are first read. A port
    or limit already set in the environment wins; the databases are always scratch ones."""
    for name, value in {
        **LOAD_ENVIRONMENT,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }.items():
        os.environ.setdefault(name, value)
    os.environ["PRIVACYBOT_DATABASE__URL"] = f"sqlite:///{scratch}/desk.db"
    os.environ["PRIVACYBOT_CONVERSATIONS__TRACKER_STORE_URL"] = (
        f"sqlite:///{scratch}/conversations.db"
    )


def _stored_requests(database_url: str) -> int:
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        return connection.execute("select count(*) from data_requests").fetchone()[0]


def run_load_test(
    users: int,
    seconds: float | None,
    turns: int | None,
    baseline_seconds: float,
    time_limit: float,
    seed: int,
    think: float = 0.0,
) -> dict:
    load_average_at_start = [round(x, 2) for x in os.getloadavg()]
    scratch = Path(tempfile.mkdtemp(prefix="privacybot-load-"))
    _scratch_environment(scratch)
    # The assistant's logs go to var/log/load/, apart from those of test runs.
    launcher.LOG_DIR = launcher.LOG_DIR / "load"
    settings = get_settings()
    scripts = Scripts.from_question_file(QUESTIONS_FILE)
    main_seconds = min(seconds or time_limit, time_limit)
    figures: dict = {
        "date": time.strftime("%Y-%m-%d"),
        "cpus": os.cpu_count(),
        "users": users,
        "seconds": seconds,
        "turn_budget": turns,
        "think_seconds": think,
        "load_average_at_start": load_average_at_start,
    }
    try:
        ensure_trained()
        with Assistant(settings) as assistant:
            api_url = settings.services.api_url
            figures["startup_seconds"] = round(assistant.startup_seconds, 1)
            memory = MemoryLog(assistant.pids())
            memory.sample("after start-up", 0)
            say(f"warm-up: {WARM_UP_TURNS} turns")
            asyncio.run(run_phase(api_url, scripts, "warm-up", 1, 60, WARM_UP_TURNS, seed))
            if baseline_seconds > 0:
                say(f"baseline: 1 patient for {baseline_seconds:.0f} s")
                cpu_before = cpu_seconds(assistant.pids())
                baseline = asyncio.run(
                    run_phase(api_url, scripts, "baseline", 1, baseline_seconds, None, seed)
                )
                figures["baseline"] = baseline.figures(cpu_used_since(assistant.pids(), cpu_before))
            limit = f"{turns} turns" if turns else f"{main_seconds:.0f} s"
            say(f"load: {users} patients for {limit}")
            memory.sample("before load", 0)
            # The machine's load average before and after: other work on it shows here.
            figures["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
            memory.next_at = MEMORY_SAMPLE_EVERY
            cpu_before = cpu_seconds(assistant.pids())
            load = asyncio.run(
                run_phase(api_url, scripts, "load", users, main_seconds, turns, seed, memory, think)
            )
            memory.sample("end", len(load.latencies_ms))
            figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
            figures["load"] = load.figures(cpu_used_since(assistant.pids(), cpu_before))
            figures["memory"] = memory.samples
            figures["requests_stored"] = _stored_requests(settings.database.resolved_url())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if "baseline" in figures:
        base, load_figures = figures["baseline"], figures["load"]
        figures["ratios"] = {
            "throughput": round(
                load_figures["turns_per_second"] / max(base["turns_per_second"], 1e-9), 2
            ),
            "p95": round(load_figures["turn_ms"]["p95"] / max(base["turn_ms"]["p95"], 1e-9), 2),
        }
    return figures


def print_report(figures: dict) -> None:
    phases = [
        (f"{p['users']} patient(s)", p) for k in ("baseline", "load") if (p := figures.get(k))
    ]
    print(
        f"\nload test {figures['date']}: {figures['users']} patients "
        f"(pause {figures['think_seconds']} s), "
        f"{figures['cpus']} CPUs, start-up {figures['startup_seconds']} s"
    )
    print(f"  {'':<26}" + "".join(f"{name:>28}" for name, _ in phases))
    rows = [
        ("seconds", lambda p: p["seconds"]),
        ("turns", lambda p: p["turns"]),
        ("conversations / hand-offs", lambda p: f"{p['conversations']} / {p['handoffs']}"),
        ("errors", lambda p: p["errors"]),
        ("turns per second", lambda p: p["turns_per_second"]),
        ("turn p50 / p95 / p99 ms", lambda p: "{p50} / {p95} / {p99}".format(**p["turn_ms"])),
        ("assistant CPU ms per turn", lambda p: p["assistant_cpu_ms_per_turn"]),
        *(
            (f"  of which {name}", lambda p, name=name: p["cpu_ms_per_turn_by_process"][name])
            for name in figures["load"]["cpu_ms_per_turn_by_process"]
        ),
    ]
    for label, value in rows:
        print(f"  {label:<26}" + "".join(f"{value(p)!s:>28}" for _, p in phases))
    if ratios := figures.get("ratios"):
        print(f"  throughput x{ratios['throughput']} of one patient; p95 x{ratios['p95']}")
    print(f"  requests stored (all hand-offs cancelled): {figures['requests_stored']}")
    print(
        f"  load average (1/5/15 min) at start {figures['load_average_at_start']}, "
        f"before load {figures['load_average_before']}, "
        f"after {figures['load_average_after']}"
    )
    names = list(figures["memory"][0]["rss_mb"])
    print(f"\n  resident memory, MB {'':<8}" + "".join(f"{n:>10}" for n in names))
    for sample in figures["memory"]:
        rss = sample["rss_mb"]
        print(f"  {sample['at']:<28}" + "".join(f"{rss[n]:>10}" for n in names))
    for phase_name, phase in phases:
        for example in phase["error_examples"]:
            print(f"  error ({phase_name}): {example}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m privacybot.loadtest", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--users", type=int, default=50, help="patients at once (default 50)")
    parser.add_argument("--seconds", type=float, help="how long the load runs (default 120)")
    parser.add_argument("--turns", type=int, help="stop after this many turns instead")
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=20,
        help="one patient alone first, for comparison (default 20; 0 skips it)",
    )
    parser.add_argument(
        "--time-limit", type=float, default=1800, help="never load longer than this (s)"
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause (s) of a patient between a reply and the next message (default 0: "
        "back to back); the baseline never pauses",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", dest="json_out", type=Path, help="write the figures as JSON")
    args = parser.parse_args(argv)

    def stop_on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # so the assistant is stopped and the scratch folder removed

    signal.signal(signal.SIGTERM, stop_on_signal)
    if args.seconds is None and args.turns is None:
        args.seconds = 120
    try:
        figures = run_load_test(
            args.users,
            args.seconds,
            args.turns,
            args.baseline_seconds,
            args.time_limit,
            args.seed,
            args.think,
        )
    except KeyboardInterrupt:
        say("interrupted: assistant stopped, no figures")
        return 130
    print_report(figures)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(figures, indent=2))
    failed = figures["load"]["errors"] or figures.get("baseline", {}).get("errors")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
