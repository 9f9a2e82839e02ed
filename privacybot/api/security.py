"""What every response of the public service carries, and what every request is held to:
security headers with a strict Content-Security-Policy, a bound on body size, and rate limits
per client address and per web-chat conversation (429 with Retry-After).

Plain ASGI middleware, so it wraps every route (pages, API, errors) the same way.
"""

from __future__ import annotations

import hmac
import json
import math
import threading
import time
from collections import OrderedDict

from privacybot.settings import ApiSettings

# Nothing the service serves loads anything from elsewhere: scripts, styles, images and
# fetches are same-origin; no inline script or style; no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"strict-transport-security", b"max-age=31536000"),
]
# What any route may answer because of this module, for the OpenAPI schema.
LIMIT_RESPONSES: dict[int | str, dict] = {
    400: {"description": "a body that is not JSON (FastAPI cannot parse it)"},
    413: {"description": "request body too large"},
    429: {"description": "too many requests; retry after the Retry-After header's seconds"},
}
SIGN_IN_RESPONSES: dict[int | str, dict] = {
    **LIMIT_RESPONSES,
    401: {"description": "sign-in (staff) or the internal token (action server) required"},
}
# The widget's script and style are loaded by the clinic's own pages, from another origin.
CROSS_ORIGIN_RESOURCES = ("/widget.js", "/widget.css")


async def send_json(send, status: int, detail: str, headers: list | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    h for h in message.get("headers", []) if h[0] not in _OURS | {b"cache-control"}
                ]
                headers.extend(SECURITY_HEADERS)
                if path in CROSS_ORIGIN_RESOURCES:
                    headers.append((b"cross-origin-resource-policy", b"cross-origin"))
                    headers.append((b"cache-control", b"public, max-age=300"))
                else:
                    headers.append((b"cross-origin-resource-policy", b"same-site"))
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


_OURS = {name for name, _ in SECURITY_HEADERS}


class BodyLimit:
    """413 for a body over the limit, whether announced by Content-Length or streamed
    (chunked): a streamed body is read up to the limit before the route sees any of it, so
    every route refuses it the same way instead of failing halfway through parsing it."""

    def __init__(self, app, max_bytes: int, overrides: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = overrides or {}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.overrides.get(scope["path"], self.max_bytes)
        too_large = f"request body over {limit} bytes"
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                if not value.isdigit() or int(value) > limit:
                    return await send_json(send, 413, too_large)
                return await self.app(scope, receive, send)  # the server holds it to that
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                return await send_json(send, 413, too_large)
            if not message.get("more_body"):
                break
        whole = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return whole
            return await receive()

        await self.app(scope, replay, send)


class TokenBuckets:
    """Token buckets by key: `rate` requests per minute, bursts up to `burst`. Keeps at most
    `max_keys` keys (the least recently used go first), so memory stays bounded."""

    def __init__(self, rate_per_minute: int, burst: int, max_keys: int = 100_000) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self.lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """0 if allowed, else the seconds until the next request would be."""
        now = time.monotonic() if now is None else now
        with self.lock:
            tokens, last = self.buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate
            self.buckets[key] = (tokens, now)
            while len(self.buckets) > self.max_keys:
                self.buckets.popitem(last=False)
            return wait


class RateLimits:
    """Per client address on every route but the health check and the LINE webhook (LINE's
    few servers carry every patient; its events are signed), and per conversation on web-chat
    messages. The action server's calls to /internal/* carry the internal token and are not a
    patient's: they are not counted (a form's draft must be stored and discarded whatever the
    load). The client address is what uvicorn reports: it takes X-Forwarded-For only from
    the proxies in `api.trusted_proxies` (see privacybot.launcher)."""

    EXEMPT = ("/health", "/line/webhook")
    INTERNAL_PREFIX = "/internal/"

    def __init__(self, app, settings: ApiSettings) -> None:
        self.app = app
        self.internal_token = settings.internal_token.encode()
        self.by_address = TokenBuckets(
            settings.rate_limit_per_address_per_minute, settings.rate_limit_burst
        )
        per_conversation = settings.rate_limit_per_conversation_per_minute
        self.by_conversation = TokenBuckets(
            per_conversation,
            burst=min(per_conversation, max(3, per_conversation // 3)),  # 30/min: bursts of 10
        )

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] in self.EXEMPT or self._internal(scope):
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.by_address.take(client)
        path = scope["path"]
        if not wait and path.startswith("/chat/conversations/") and path.endswith("/messages"):
            wait = self.by_conversation.take(path)
        if wait:
            retry = str(max(1, math.ceil(wait))).encode()
            return await send_json(
                send,
                429,
                "Too many messages. Please wait a moment before sending another.",
                [(b"retry-after", retry)],
            )
        await self.app(scope, receive, send)

    def _internal(self, scope) -> bool:
        if not self.internal_token or not scope["path"].startswith(self.INTERNAL_PREFIX):
            return False
        token = next((v for k, v in scope.get("headers", []) if k == b"x-internal-token"), b"")
        return bool(token) and hmac.compare_digest(token, self.internal_token)
