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
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware

from privacybot.api.assistant_client import AssistantClient
from privacybot.api.errors import UnhandledErrors, validation_error
from privacybot.api.routes import (
    chat,
    desk,
    insights,
    intake,
    line,
    pages,
    patient_pages,
    request_record,
    widget,
)
from privacybot.api.security import BodyLimit, RateLimits, SecurityHeaders
from privacybot.api.sign_in_throttle import SignInThrottle
from privacybot.conversation_store import ConversationStore
from privacybot.desk.database import make_engine, make_session_factory
from privacybot.desk.drafts import RequestDrafts
from privacybot.desk.mail import Outbox
from privacybot.desk.migrate import upgrade_database
from privacybot.desk.service import RequestDesk
from privacybot.insights.answers import AnswerLog
from privacybot.line.inbox import LineInbox
from privacybot.line.responder import LineResponder
from privacybot.privacy.redaction import install_log_redaction
from privacybot.retention import purge
from privacybot.settings import Settings, get_settings

logger = logging.getLogger(__name__)


async def _run_line_responder(app: FastAPI) -> None:
    """Answer LINE events as they arrive, and retry due ones every second."""
    responder: LineResponder = app.state.line_responder
    wakeup: asyncio.Event = app.state.line_wakeup
    while True:
        try:
            await responder.answer_due()
        except Exception:  # the database may be down: keep the responder alive and retry
            logger.exception("LINE responder round failed")
        wakeup.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), timeout=1.0)


async def _run_purge(app: FastAPI) -> None:
    """Retention: purge old conversations, LINE events, drafts and the answer log, now and
    every interval."""
    settings = app.state.settings.conversations
    while True:
        try:
            purged = await asyncio.to_thread(
                purge,
                settings,
                app.state.settings.insights,
                app.state.conversations,
                app.state.line_inbox,
                app.state.drafts,
                app.state.answers,
                app.state.desk,
            )
            logger.info("retention purge: %s", purged)
        except Exception:  # a database may be down: try again next interval
            logger.exception("retention purge failed")
        await asyncio.sleep(settings.purge_interval_hours * 3600)


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
        install_log_redaction("uvicorn", "uvicorn.error")
        url = settings.database.resolved_url()
        await asyncio.to_thread(upgrade_database, url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        domain = parseaddr(str(settings.mail.from_address))[1].rpartition("@")[2]
        app.state.settings = settings
        app.state.sign_in_throttle = SignInThrottle(settings.api)
        app.state.desk = RequestDesk(
            sessions,
            settings.clinic,
            mail_domain=domain,
            requests=settings.requests,
            public_url=settings.public_url,
            staff=tuple(settings.staff.users),
        )
        app.state.drafts = RequestDrafts(sessions)
        app.state.answers = AnswerLog(sessions)
        app.state.outbox = Outbox(sessions, settings.mail)
        app.state.outbox_wakeup = asyncio.Event()
        # Signs web-chat conversation ids; a restart issues new ones (old chats start afresh).
        app.state.chat_secret = (
            hashlib.sha256(b"web-chat:" + settings.api.internal_token.encode()).hexdigest()
            if settings.api.internal_token
            else secrets.token_hex(32)
        )
        app.state.assistant = AssistantClient(settings.services.rasa_urls)
        app.state.conversations = ConversationStore(settings.conversations.resolved_url())
        app.state.line_inbox = LineInbox(sessions)
        app.state.line_wakeup = asyncio.Event()
        workers = [asyncio.create_task(_run_outbox(app)), asyncio.create_task(_run_purge(app))]
        if settings.line.enabled:
            app.state.line_responder = LineResponder(
                app.state.line_inbox,
                app.state.assistant,
                app.state.conversations,
                settings,
                app.state.answers,
            )
            workers.append(asyncio.create_task(_run_line_responder(app)))
        try:
            yield
        finally:
            for worker in workers:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            if settings.line.enabled:
                await app.state.line_responder.close()
            await app.state.assistant.close()
            app.state.conversations.dispose()
            engine.dispose()

    app = FastAPI(
        title=f"{settings.clinic.name}: privacy assistant service",
        description="Request intake for the assistant, and the staff desk for handed-off "
        "personal-information requests.",
        version="0.1.0",
        lifespan=lifespan,
        # No Swagger UI page: it loads its script from a CDN. The schema is at /openapi.json.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served below, without the internal routes
    )
    app.add_exception_handler(RequestValidationError, validation_error)
    # The last added runs first: security headers on every response, a clear 500 inside them,
    # CORS headers also on a refusal (so the widget can read it), then the limits, before any
    # work.
    app.add_middleware(RateLimits, settings=settings.api)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.api.max_body_bytes,
        overrides={"/line/webhook": line.MAX_BODY_BYTES},
    )
    if settings.api.allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api.allowed_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            allow_credentials=False,
        )
    app.add_middleware(UnhandledErrors)
    app.add_middleware(SecurityHeaders)
    app.include_router(chat.router)
    app.include_router(line.router)
    app.include_router(intake.router)
    app.include_router(desk.router)
    app.include_router(patient_pages.router)
    app.include_router(request_record.router)
    app.include_router(insights.router)
    app.include_router(pages.router)
    app.include_router(widget.router)

    @app.get("/openapi.json", include_in_schema=False)
    def public_schema() -> dict:
        """The schema of the public routes: the action server's /internal/* ones are nobody
        else's business (the full schema is `create_app().openapi()`, for the tests)."""
        schema = app.openapi()
        paths = {p: v for p, v in schema["paths"].items() if not p.startswith("/internal/")}
        return {**schema, "paths": paths}

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
