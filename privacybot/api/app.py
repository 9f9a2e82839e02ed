"""The FastAPI service: `uvicorn privacybot.api.app:create_app --factory`.

Owns the request desk: the internal intake the action server calls, the staff desk API and
page, and the mail outbox sender that runs beside them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator
from email.utils import parseaddr

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from privacybot.api.routes import chat, desk, intake, pages
from privacybot.desk.database import make_engine, make_session_factory
from privacybot.desk.mail import Outbox
from privacybot.desk.migrate import upgrade_database
from privacybot.desk.service import RequestDesk
from privacybot.settings import Settings, get_settings

logger = logging.getLogger(__name__)


async def _run_outbox(app: FastAPI) -> None:
    """Deliver due mails every poll interval, and at once after a new request."""
    outbox: Outbox = app.state.outbox
    wakeup: asyncio.Event = app.state.outbox_wakeup
    while True:
        try:
            await asyncio.to_thread(outbox.deliver_due)
        except Exception:  # the database may be down: keep the sender alive and retry
            logger.exception("outbox delivery round failed")
        wakeup.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), timeout=outbox.settings.poll_seconds)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = settings.database.resolved_url()
        await asyncio.to_thread(upgrade_database, url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        domain = parseaddr(str(settings.mail.from_address))[1].rpartition("@")[2]
        app.state.settings = settings
        app.state.desk = RequestDesk(sessions, settings.clinic, mail_domain=domain)
        app.state.outbox = Outbox(sessions, settings.mail)
        app.state.outbox_wakeup = asyncio.Event()
        # Signs web-chat conversation ids; a restart issues new ones (old chats start afresh).
        app.state.chat_secret = (
            hashlib.sha256(b"web-chat:" + settings.api.internal_token.encode()).hexdigest()
            if settings.api.internal_token
            else secrets.token_hex(32)
        )
        sender = asyncio.create_task(_run_outbox(app))
        try:
            yield
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
            engine.dispose()

    app = FastAPI(
        title=f"{settings.clinic.name}: privacy assistant service",
        description="Request intake for the assistant, and the staff desk for handed-off "
        "personal-information requests.",
        version="0.1.0",
        lifespan=lifespan,
    )
    if settings.api.allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api.allowed_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
        )
    app.include_router(chat.router)
    app.include_router(intake.router)
    app.include_router(desk.router)
    app.include_router(pages.router)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
