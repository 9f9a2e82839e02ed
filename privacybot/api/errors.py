"""How the service answers when a request cannot be served: clear, with the security headers,
and without the patient's words in the answer or the log.

* A body that fails validation gets FastAPI's 422 shape without the `input` it echoes by
  default: the input may be a patient's message (and one that cannot even be encoded).
* An error nobody expected gets a 500 in JSON from inside the security middleware (Starlette's
  own error page sits outside it, without the headers). The log line names the error's type,
  the route and the code's stack, never the error's message or local values, which may hold
  the message text.
"""

from __future__ import annotations

import logging
import traceback

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from privacybot.api.security import send_json

logger = logging.getLogger(__name__)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    detail = [
        {"type": error.get("type"), "loc": list(error.get("loc", ())), "msg": error.get("msg")}
        for error in exc.errors()
    ]
    return JSONResponse(status_code=422, content={"detail": detail})


class UnhandledErrors:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracking_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - the one place that answers for all of them
            logger.error(
                "unhandled %s on %s %s; stack:\n%s",
                type(exc).__name__,
                scope.get("method"),
                _route_of(scope),
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            if not started:
                await send_json(send, 500, "Something went wrong on our side. Please try again.")


def _route_of(scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "(no route)"
