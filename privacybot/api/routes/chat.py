"""The web chat endpoint: the widget's way in. The service issues the conversation id (random,
signed, so a client cannot choose one) and forwards each message to Rasa's REST channel."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.exc import SQLAlchemyError

from privacybot.api.assistant_client import AssistantUnavailable
from privacybot.api.deps import get_settings_dep
from privacybot.api.security import LIMIT_RESPONSES
from privacybot.insights.answers import MAX_COMMENT_CHARS, AlreadyRated, AnswerLog, UnknownAnswer
from privacybot.settings import Settings
from privacybot.text.received import usable_text

MAX_MESSAGE_CHARS = 2000
logger = logging.getLogger(__name__)

router = APIRouter(prefix="/chat", tags=["web chat"], responses=LIMIT_RESPONSES)


class Conversation(BaseModel):
    conversation_id: str


class ChatMessage(BaseModel):
    text: str = Field(
        max_length=MAX_MESSAGE_CHARS,
        description=f"what the patient typed, at most {MAX_MESSAGE_CHARS} characters",
    )
    language: str | None = Field(
        default=None,
        max_length=16,
        description="the language the patient chose in the widget (one of the clinic's "
        "languages); the assistant answers in the language of the message itself when it "
        "shows one, and in this language otherwise",
    )

    @field_validator("text", mode="before")
    @classmethod
    def _usable(cls, text: object) -> object:
        # Before pydantic's own check, which refuses a lone surrogate (a browser sends one
        # when a message is cut in the middle of an emoji): the rest of the message counts.
        return usable_text(text) if isinstance(text, str) else text


class ChatReply(BaseModel):
    text: str | None = None
    buttons: list[dict] = []
    custom: dict = {}
    feedback_id: str | None = Field(
        default=None,
        description="this answer can be rated: POST /chat/answers/{feedback_id}/feedback",
    )


class Feedback(BaseModel):
    vote: Literal["up", "down"]
    comment: str | None = Field(
        default=None,
        max_length=MAX_COMMENT_CHARS,
        description=f"what was missing, at most {MAX_COMMENT_CHARS} characters (stored redacted)",
    )

    @field_validator("comment", mode="before")
    @classmethod
    def _usable(cls, text: object) -> object:
        return usable_text(text) if isinstance(text, str) else text


class ChatTurn(BaseModel):
    conversation_id: str
    replies: list[ChatReply]
    forgotten: bool = Field(
        default=False,
        description="the patient asked to forget this conversation and it was deleted; "
        "start a new one for the next message",
    )


def _signature(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()[:24]


def new_conversation_id(secret: str) -> str:
    token = secrets.token_urlsafe(18)
    return f"web-{token}.{_signature(secret, token)}"


def is_issued(secret: str, conversation_id: str) -> bool:
    body, _, signature = conversation_id.removeprefix("web-").rpartition(".")
    return (
        bool(body)
        and conversation_id.startswith("web-")
        and hmac.compare_digest(signature, _signature(secret, body))
    )


@router.post("/conversations", response_model=Conversation, status_code=201)
def start_conversation(request: Request) -> Conversation:
    return Conversation(conversation_id=new_conversation_id(request.app.state.chat_secret))


@router.post(
    "/conversations/{conversation_id}/messages",
    response_model=ChatTurn,
    responses={
        404: {"description": "not a conversation this service issued"},
        503: {"description": "the assistant is unavailable"},
    },
)
async def send_message(
    conversation_id: str,
    message: ChatMessage,
    request: Request,
    settings: Settings = Depends(get_settings_dep),
) -> ChatTurn:
    if not is_issued(request.app.state.chat_secret, conversation_id):
        raise HTTPException(status_code=404, detail="unknown conversation; start a new one")
    if message.language is not None and message.language not in settings.clinic.languages:
        raise HTTPException(
            status_code=422,
            detail=[
                {
                    "type": "enum",
                    "loc": ["body", "language"],
                    "msg": "not one of the clinic's languages: "
                    + ", ".join(settings.clinic.languages),
                    "input": message.language,
                }
            ],
        )
    try:
        replies = await request.app.state.assistant.turn(
            conversation_id, message.text, message.language
        )
    except AssistantUnavailable:
        raise HTTPException(
            status_code=503,
            detail="The assistant is temporarily unavailable. Please try again in a moment, "
            f"or write to {settings.clinic.contact_email}.",
        ) from None
    forgotten = any(r["custom"].get("outcome") == "forget" for r in replies)
    if forgotten:  # after the turn, so Rasa has saved it: nothing is written back
        try:
            await asyncio.to_thread(request.app.state.conversations.forget, conversation_id)
        except SQLAlchemyError:  # never confirm a deletion that did not happen
            raise HTTPException(
                status_code=503,
                detail="The conversation could not be deleted just now. Please ask again in a "
                f"moment, or write to {settings.clinic.contact_email}.",
            ) from None
    if not forgotten:
        await _record_answer(request.app.state.answers, message.text, replies)
    return ChatTurn(
        conversation_id=conversation_id,
        replies=[ChatReply(**r) for r in replies],
        forgotten=forgotten,
    )


async def _record_answer(answers: AnswerLog, question: str, replies: list[dict]) -> None:
    """The turn's answer goes into the insights' log, and its reply gets feedback buttons. If
    the log cannot be written the patient still gets the answer, only without the buttons."""
    try:
        await asyncio.to_thread(answers.record_turn, question, replies, "web")
    except SQLAlchemyError:
        logger.warning("the answer log could not be written; no feedback for this turn")


@router.post(
    "/answers/{answer_id}/feedback",
    status_code=204,
    responses={
        404: {"description": "no answer has this id (never given, or older than retention)"},
        409: {"description": "this answer has already been rated"},
        503: {"description": "the feedback could not be stored just now"},
    },
)
async def rate_answer(
    request: Request,
    feedback: Feedback,
    answer_id: str = Path(max_length=32, pattern=r"^[A-Za-z0-9_-]+$"),
) -> Response:
    try:
        await asyncio.to_thread(
            request.app.state.answers.rate, answer_id, feedback.vote, feedback.comment
        )
    except UnknownAnswer:
        raise HTTPException(status_code=404, detail="no answer with this id") from None
    except AlreadyRated:
        raise HTTPException(status_code=409, detail="this answer has already been rated") from None
    except SQLAlchemyError:
        raise HTTPException(
            status_code=503, detail="Your feedback could not be saved just now. Please try again."
        ) from None
    return Response(status_code=204)
