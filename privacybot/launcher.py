"""Start and stop the assistant's processes: train when needed, then Rasa and the action server.

Used by `privacybot up` (foreground, until Ctrl-C or SIGTERM) and by `privacybot evaluate`
and `privacybot bench` when nothing answers at the configured URL.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml
from sqlalchemy.engine import make_url

from privacybot.settings import PROJECT_ROOT, TRACKER_STORE_PASSWORD_VARIABLE, Settings

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
APP_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
MODEL_DIR = PROJECT_ROOT / "models"
MODEL_NAME = "privacy-assistant"
MODEL_FILE = MODEL_DIR / f"{MODEL_NAME}.tar.gz"
FINGERPRINT_FILE = MODEL_DIR / f"{MODEL_NAME}.fingerprint"
LOG_DIR = PROJECT_ROOT / "var" / "log"
RUN_DIR = PROJECT_ROOT / "var" / "run"
START_TIMEOUT_SECONDS = 300


class LaunchError(RuntimeError):
    pass


def say(message: str) -> None:
    print(f"[privacybot] {message}", file=sys.stderr, flush=True)


def child_environment() -> dict[str, str]:
    """No telemetry, no model hub: every child process runs with these set."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONUNBUFFERED="1",
    )
    return env


def rasa_training_data() -> list[Path]:
    """What Rasa trains on: the rules, and the NLU examples of bot/config.yml's language, the
    files directly in data/nlu/. Another language's examples (data/nlu/<code>/) are read by the
    action server's classifier only: Rasa's vote counts for the config's language alone, and
    training DIET on them doubled its time and moved English answers (docs/benchmarks.md)."""
    return [*sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")), PROJECT_ROOT / "data/rules.yml"]


def training_fingerprint() -> str:
    digest = hashlib.sha256()
    config = [PROJECT_ROOT / "bot/config.yml", PROJECT_ROOT / "bot/domain.yml"]
    for file in [*config, *rasa_training_data()]:
        digest.update(str(file.relative_to(PROJECT_ROOT)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def train_command(out: Path, *extra: str) -> list[str]:
    """`rasa train` on this project's config, domain and data."""
    return [
        str(RASA_BIN),
        "train",
        "--config",
        "bot/config.yml",
        "--domain",
        "bot/domain.yml",
        "--data",
        *(str(path.relative_to(PROJECT_ROOT)) for path in rasa_training_data()),
        "--out",
        str(out),
        *extra,
    ]


def ensure_trained(force: bool = False) -> float:
    """Train the Rasa model when its training data changed; returns seconds spent (0 if skipped)."""
    fingerprint = training_fingerprint()
    if (
        not force
        and MODEL_FILE.exists()
        and FINGERPRINT_FILE.exists()
        and FINGERPRINT_FILE.read_text().strip() == fingerprint
    ):
        say(f"Rasa model is up to date ({MODEL_FILE.relative_to(PROJECT_ROOT)})")
        return 0.0
    say(
        "training the Rasa model (data/, bot/config.yml or bot/domain.yml changed); about 2 minutes"
    )
    started = time.monotonic()
    command = train_command(MODEL_DIR, "--fixed-model-name", MODEL_NAME)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOG_DIR / "train.log", "w") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=child_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            if "Starting to train component" in line or "Your Rasa model is trained" in line:
                say("  " + line.split(" - ", 1)[-1].strip())
        if process.wait() != 0:
            raise LaunchError(f"rasa train failed; see {LOG_DIR / 'train.log'}")
    FINGERPRINT_FILE.write_text(fingerprint)
    seconds = time.monotonic() - started
    say(f"Rasa model trained in {seconds:.0f} s")
    return seconds


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str
    process: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        return LOG_DIR / f"{self.name}.log"


def proxy_arguments(trusted_proxies: list[str]) -> list[str]:
    """uvicorn's options for X-Forwarded-For: believed only from the configured proxies.
    (uvicorn's default believes any client on 127.0.0.1, so a program on the same host could
    name any address and slip past the per-address limits.)"""
    if not trusted_proxies:
        return ["--no-proxy-headers"]
    return ["--proxy-headers", "--forwarded-allow-ips", ",".join(trusted_proxies)]


class Assistant:
    """The running assistant: a context manager that starts and stops its processes."""

    def __init__(self, settings: Settings) -> None:
        services = settings.services
        self.endpoints_file = _endpoints_for(services.actions_url, settings)
        self.rasa_url = services.rasa_url
        self.services = [
            Service(
                "actions",
                [
                    str(APP_PYTHON),
                    "-m",
                    "privacybot.action_server",
                    "--host",
                    services.host,
                    "--port",
                    str(services.actions_port),
                ],
                f"{services.actions_url}/health",
            ),
            Service(
                "api",
                [
                    str(APP_PYTHON),
                    "-m",
                    "uvicorn",
                    "privacybot.api.app:create_app",
                    "--factory",
                    "--host",
                    services.host,
                    "--port",
                    str(services.api_port),
                    "--no-access-log",
                    *proxy_arguments(settings.api.trusted_proxies),
                ],
                f"{services.api_url}/health",
            ),
            *(
                self._rasa(name, url, port, services.host)
                for name, url, port in zip(
                    ["rasa"] + [f"rasa-{p}" for p in services.extra_rasa_ports],
                    services.rasa_urls,
                    [services.rasa_port, *services.extra_rasa_ports],
                    strict=True,
                )
            ),
        ]
        self.startup_seconds = 0.0
        # The action server and the service share the settings this launcher runs with, and a
        # secret for the internal intake: generated per run unless clinic.yml sets one.
        token = settings.api.internal_token or secrets.token_urlsafe(32)
        self.environment = {
            **child_environment(),
            "PRIVACYBOT_SERVICES__HOST": services.host,
            "PRIVACYBOT_SERVICES__RASA_PORT": str(services.rasa_port),
            "PRIVACYBOT_SERVICES__ACTIONS_PORT": str(services.actions_port),
            "PRIVACYBOT_SERVICES__API_PORT": str(services.api_port),
            "PRIVACYBOT_SERVICES__EXTRA_RASA_PORTS": json.dumps(services.extra_rasa_ports),
            "PRIVACYBOT_CONVERSATIONS__TRACKER_STORE_URL": settings.conversations.resolved_url(),
            "PRIVACYBOT_API__INTERNAL_TOKEN": token,
        }
        tracker_store_url = make_url(settings.conversations.resolved_url())
        if tracker_store_url.password:
            self.environment[TRACKER_STORE_PASSWORD_VARIABLE] = tracker_store_url.password

    def _rasa(self, name: str, url: str, port: int, host: str) -> Service:
        return Service(
            name,
            [
                str(RASA_PYTHON),
                "-m",
                "bot.server",  # `rasa run`, with its response check built once (bot/server.py)
                "run",
                "--model",
                str(MODEL_FILE),
                "--credentials",
                "bot/credentials.yml",
                "--endpoints",
                str(self.endpoints_file),
                "--interface",
                host,
                "--port",
                str(port),
            ],
            f"{url}/webhooks/rest/",
        )

    def __enter__(self) -> Assistant:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        for executable in (RASA_PYTHON, APP_PYTHON):
            if not executable.exists():
                raise LaunchError(
                    f"{executable} is missing: run scripts/setup.sh (or 'make setup')"
                )
        if not MODEL_FILE.exists():
            raise LaunchError("no trained Rasa model: run 'privacybot train'")
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        for service in self.services:
            say(f"starting {service.name} (log: {service.log_path.relative_to(PROJECT_ROOT)})")
            self._spawn(service, log_mode="w")
        try:
            self._wait_until_ready(started)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        say(
            f"assistant ready in {self.startup_seconds:.0f} s: "
            f"POST {self.rasa_url}/webhooks/rest/webhook"
        )

    def _spawn(self, service: Service, log_mode: str) -> None:
        log = open(service.log_path, log_mode)  # noqa: SIM115 - closed with the process
        service.process = subprocess.Popen(
            service.command,
            cwd=PROJECT_ROOT,
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _wait_until_ready(self, started: float) -> None:
        pending = list(self.services)
        last_note = 0.0
        while pending:
            for service in list(pending):
                assert service.process is not None
                if service.process.poll() is not None:
                    raise LaunchError(
                        f"{service.name} stopped while starting; last lines of "
                        f"{service.log_path}:\n{_tail(service.log_path)}"
                    )
                if _answers(service.health_url):
                    say(f"{service.name} is up")
                    pending.remove(service)
            elapsed = time.monotonic() - started
            if elapsed > START_TIMEOUT_SECONDS:
                names = ", ".join(s.name for s in pending)
                raise LaunchError(f"{names} did not start within {START_TIMEOUT_SECONDS} s")
            if pending and elapsed - last_note >= 10:
                say(f"waiting for {', '.join(s.name for s in pending)} ({elapsed:.0f} s)")
                last_note = elapsed
            time.sleep(0.5)

    def stop(self) -> None:
        for service in reversed(self.services):
            process = service.process
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for service in self.services:
            process = service.process
            if process is None:
                continue
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            service.process = None

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def kill(self, name: str) -> None:
        """Kill one process at once (SIGKILL), as a crash would."""
        service = self.service(name)
        if service.process is not None and service.process.poll() is None:
            os.killpg(service.process.pid, signal.SIGKILL)
            service.process.wait()
        service.process = None

    def restart(self, name: str) -> None:
        """Start one process again (after a crash) and wait until it answers."""
        service = self.service(name)
        self.kill(name)
        self._spawn(service, log_mode="a")
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not _answers(service.health_url):
            if service.process.poll() is not None or time.monotonic() > deadline:
                raise LaunchError(f"{service.name} did not start again:\n{_tail(service.log_path)}")
            time.sleep(0.5)

    def pids(self) -> dict[str, int]:
        return {s.name: s.process.pid for s in self.services if s.process}

    def wait(self) -> Iterator[None]:
        """Block until a process dies (raises) or the caller is interrupted."""
        while True:
            for service in self.services:
                if service.process is not None and service.process.poll() is not None:
                    raise LaunchError(
                        f"{service.name} exited unexpectedly; last lines of {service.log_path}:\n"
                        f"{_tail(service.log_path)}"
                    )
            time.sleep(1)
            yield


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.5).status_code == 200
    except httpx.HTTPError:
        return False


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _endpoints_for(actions_url: str, settings: Settings) -> Path:
    """endpoints.yml with the action server URL taken from the settings.

    endpoints.yml keeps Rasa's conventional port for staff who run `rasa` by hand; the
    launcher writes this copy so that clinic.yml stays the one place ports are set.
    """
    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints.setdefault("action_endpoint", {})["url"] = f"{actions_url}/webhook"
    endpoints["tracker_store"] = settings.conversations.rasa_tracker_store()
    if lock_store := settings.conversations.rasa_lock_store():
        endpoints["lock_store"] = lock_store
    # One file per action server port: two assistants started at once (a developer's and a
    # test run's) must not read each other's.
    port = actions_url.rsplit(":", 1)[-1]
    path = RUN_DIR / f"endpoints-{port}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return path
