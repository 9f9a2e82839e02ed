"""Staff sign-in is throttled on its own: failed attempts are counted per user name and per
client address; past `api.sign_in_max_failures` in `api.sign_in_window_seconds`, that name or
address is refused with 429 for `api.sign_in_lockout_seconds`, whatever the password. Every
failure and every lockout is an audit line in the service's log (user name as typed, at most
64 characters, and the address; never the password)."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque

from privacybot.settings import ApiSettings

audit = logging.getLogger("privacybot.audit")
MAX_KEYS = 10_000
MAX_LOGGED_NAME = 64


class SignInThrottle:
    def __init__(self, settings: ApiSettings) -> None:
        self.max_failures = settings.sign_in_max_failures
        self.window = settings.sign_in_window_seconds
        self.lockout = settings.sign_in_lockout_seconds
        self.failures: OrderedDict[str, deque[float]] = OrderedDict()
        self.locked_until: dict[str, float] = {}
        self.lock = threading.Lock()

    def wait(self, user: str, address: str, now: float | None = None) -> float:
        """Seconds until this user name and address may try again (0: now)."""
        now = time.monotonic() if now is None else now
        with self.lock:
            until = max(self.locked_until.get(k, 0.0) for k in _keys(user, address))
        return max(0.0, until - now)

    def failed(self, user: str, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        shown = user[:MAX_LOGGED_NAME]
        with self.lock:
            locked = []
            for key in _keys(user, address):
                times = self.failures.pop(key, deque())
                times.append(now)
                while times and times[0] < now - self.window:
                    times.popleft()
                self.failures[key] = times
                if len(times) >= self.max_failures:
                    self.locked_until[key] = now + self.lockout
                    times.clear()
                    locked.append(key)
            while len(self.failures) > MAX_KEYS:
                old, _ = self.failures.popitem(last=False)
                self.locked_until.pop(old, None)
        audit.warning("audit: staff sign-in failed for user %r from %s", shown, address)
        for key in locked:
            audit.warning(
                "audit: staff sign-in locked for %s s after %d failures: %s",
                self.lockout,
                self.max_failures,
                f"user {shown!r}" if key.startswith("user:") else f"address {address}",
            )

    def succeeded(self, user: str, address: str) -> None:
        """A right password: that name's and address's failures are forgotten (each name is
        still guarded by its own count against someone guessing from a signed-in address)."""
        with self.lock:
            for key in _keys(user, address):
                self.failures.pop(key, None)


def _keys(user: str, address: str) -> tuple[str, str]:
    return f"user:{user}", f"address:{address}"
