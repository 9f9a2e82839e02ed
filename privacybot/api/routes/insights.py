"""The staff's insights API: what patients asked and could not get, over a date range, as JSON
for the desk page and as CSV for a spreadsheet. Staff sign-in required, like the desk."""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import date, timedelta

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.exc import SQLAlchemyError

from privacybot.api.assistant_client import AssistantUnavailable
from privacybot.api.deps import get_settings_dep, require_staff
from privacybot.api.routes.chat import MAX_MESSAGE_CHARS
from privacybot.api.security import SIGN_IN_RESPONSES
from privacybot.desk.models import utcnow
from privacybot.insights.report import InsightsQuery, as_csv, build_report
from privacybot.settings import Settings
from privacybot.text.received import usable_text

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/desk/api", tags=["staff insights"], responses=SIGN_IN_RESPONSES)
DEFAULT_DAYS = 30
RANGE_RESPONSES = {422: {"description": "a date that does not parse, or a range that cannot be"}}


Since = Query(default=None, description="first day (YYYY-MM-DD); default: 30 days ago")
Until = Query(default=None, description="last day, inclusive (YYYY-MM-DD); default: today")
Language = Query(default=None, max_length=16, description="only questions in this language")


def insights_range(
    since: date | None = Since,
    until: date | None = Until,
    language: str | None = Language,
    settings: Settings = Depends(get_settings_dep),
) -> InsightsQuery:
    """The days and language asked for; 422 with the reason for a range that cannot be."""
    until = until or utcnow().date()
    if since is None:
        try:
            since = until - timedelta(days=DEFAULT_DAYS - 1)
        except OverflowError:  # until=0001-01-05: the range starts where the calendar does
            since = date.min
    if language is not None and language not in settings.clinic.languages:
        raise HTTPException(
            status_code=422, detail=f"language: one of {', '.join(settings.clinic.languages)}"
        )
    try:
        return InsightsQuery(since=since, until=until, language=language)
    except ValueError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None


async def _records(request: Request, query: InsightsQuery) -> list:
    return await asyncio.to_thread(
        request.app.state.answers.between, query.since, query.until, query.language
    )


@router.get("/insights", responses=RANGE_RESPONSES)
async def insights(
    request: Request,
    query: InsightsQuery = Depends(insights_range),
    settings: Settings = Depends(get_settings_dep),
    staff: str = Depends(require_staff),
) -> dict:
    report = await asyncio.to_thread(
        build_report,
        await _records(request, query),
        query,
        settings.insights.low_confidence,
        settings.insights.group_similarity,
    )
    return {**report, "languages": settings.clinic.languages}


CSV_RESPONSES = {
    200: {"description": "the answers of the range, one per row", "content": {"text/csv": {}}},
    **RANGE_RESPONSES,
}


@router.get("/insights.csv", response_class=Response, responses=CSV_RESPONSES)
async def insights_csv(
    request: Request,
    query: InsightsQuery = Depends(insights_range),
    staff: str = Depends(require_staff),
) -> Response:
    name = f"insights-{query.since.isoformat()}-{query.until.isoformat()}.csv"
    return Response(
        content=await asyncio.to_thread(as_csv, await _records(request, query)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- try a question: the reply a patient would get, with what the assistant decided ------------


class ConsoleQuestion(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    language: str | None = Field(default=None, max_length=16)

    @field_validator("text", mode="before")
    @classmethod
    def _usable(cls, text: object) -> object:
        return usable_text(text) if isinstance(text, str) else text


DETAILS = ("outcome", "intent", "confidence", "sections", "scores", "policy_version", "language")


@router.post(
    "/console",
    responses={
        422: {"description": "an empty or too long question, or a language the clinic lacks"},
        503: {"description": "the assistant is unavailable"},
    },
)
async def try_a_question(
    request: Request,
    question: ConsoleQuestion,
    settings: Settings = Depends(get_settings_dep),
    staff: str = Depends(require_staff),
) -> dict:
    """The question goes through the assistant as a patient's would, in a conversation of its
    own that is forgotten at once; it is not counted in the insights."""
    if question.language is not None and question.language not in settings.clinic.languages:
        raise HTTPException(
            status_code=422, detail=f"language: one of {', '.join(settings.clinic.languages)}"
        )
    conversation = f"desk-{secrets.token_urlsafe(12)}"
    try:
        replies = await request.app.state.assistant.turn(
            conversation, question.text, question.language
        )
    except AssistantUnavailable:
        raise HTTPException(status_code=503, detail="the assistant is unavailable") from None
    finally:
        try:
            await asyncio.to_thread(request.app.state.conversations.forget, conversation)
        except SQLAlchemyError:
            logger.warning("a console conversation could not be forgotten; the purge will")
    decided = next((r["custom"] for r in replies if r["custom"].get("outcome")), {})
    return {
        "replies": replies,
        "details": {key: decided.get(key) for key in DETAILS}
        | {"rasa_intents": decided.get("rasa_intents") or {}},
    }
