"""Nothing leaves the machine uninvited: the whole assistant runs in a network namespace of its
own with only loopback (no route anywhere else) and still answers with a cited policy
section. Any call to a model hub, telemetry or another host would fail there, and fail the
start-up or the answer."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from privacybot.settings import PROJECT_ROOT


def test_the_assistant_starts_and_answers_with_the_network_cut(tmp_path: Path):
    privacybot = Path(sys.executable).with_name("privacybot")
    ask = shlex.join([str(privacybot), "ask", "What cookies do you use?"])
    environment = {
        **os.environ,
        # Inside the namespace every port is free; the service keeps its own scratch database.
        "PRIVACYBOT_DATABASE__URL": f"sqlite:///{tmp_path / 'offline.db'}",
        "HTTPS_PROXY": "",
        "HTTP_PROXY": "",
    }
    result = subprocess.run(
        ["unshare", "--net", "sh", "-c", f"ip link set lo up && ip route && {ask}"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    routes = result.stdout.split("Here is", 1)[0]
    assert "default" not in routes  # no way out of the namespace
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Section 5 (Cookies, etc.)" in result.stdout
    assert "outcome:    answer" in result.stdout
