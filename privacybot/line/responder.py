"""Answers the LINE inbox: asks the assistant, then replies with the event's reply token.

The assistant is asked once per event; its reply is stored before sending, so a retry after
LINE's API failed resends the same reply instead of sending the patient's message to the
assistant twice. LINE accepts a reply token for a short time only: a 5xx or a network error
is retried with back-off within settings.line.reply_window_seconds, then the event is given up
and recorded for staff. A 4xx (an expired or used token, a malformed message) is not retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

import aiohttp
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from sqlalchemy.exc import SQLAlchemyError

from privacybot.api.assistant_client import AssistantClient, AssistantUnavailable
from privacybot.conversation_store import ConversationStore
from privacybot.desk.models import utcnow
from privacybot.insights.answers import AlreadyRated, AnswerLog, UnknownAnswer
from privacybot.line.events import (
    CONVERSE,
    FEEDBACK,
    MISSING_REASONS,
    feedback_data,
    missing_data,
    parse_feedback,
    parse_missing,
)
from privacybot.line.inbox import LineInbox
from privacybot.line.messages import line_messages
from privacybot.line.models import LineEvent
from privacybot.replies.catalog import MessageCatalog
from privacybot.settings import Settings
from privacybot.text.language import detect_language

logger = logging.getLogger(__name__)


class LineResponder:
    def __init__(
        self,
        inbox: LineInbox,
        assistant: AssistantClient,
        conversations: ConversationStore,
        settings: Settings,
        answers: AnswerLog,
    ) -> None:
        self.inbox = inbox
        self.answers = answers
        self.conversations = conversations
        self.assistant = assistant
        self.settings = settings.line
        # LINE says nothing of the patient's language: notices (the greeting, "text only") go
        # in each of the clinic's languages; answers follow the language of the message.
        self.catalogs = {
            code: MessageCatalog.for_clinic(settings.clinic, code)
            for code in settings.clinic.languages
        }
        self.default_language = settings.clinic.languages[0]
        self.api_client = AsyncApiClient(
            Configuration(
                host=self.settings.api_base_url.rstrip("/"),
                access_token=self.settings.channel_access_token,
            )
        )
        self.api = AsyncMessagingApi(self.api_client)

    async def show_loading(self, user_ids: list[str]) -> None:
        """LINE's loading animation in each one-to-one chat that just sent a message, so the
        patient sees the assistant at work. Best effort: a failure only loses the animation
        (and is logged without the user id, which is never kept)."""
        seconds = self.settings.loading_seconds
        for user_id in dict.fromkeys(user_ids) if seconds else ():
            try:
                await self.api.show_loading_animation(
                    ShowLoadingAnimationRequest(chat_id=user_id, loading_seconds=seconds)
                )
            except (ApiException, aiohttp.ClientError, OSError, TimeoutError) as error:
                logger.warning("LINE loading animation not shown (%s)", type(error).__name__)

    async def answer_due(self) -> int:
        """Work through every due event once, oldest first; returns how many were replied."""
        replied = 0
        for event_id in await asyncio.to_thread(self.inbox.claim_due):
            event = await asyncio.to_thread(self.inbox.get, event_id)
            if event is not None and event.status == "pending":
                replied += await self._answer(event)
        return replied

    async def _answer(self, event: LineEvent) -> bool:
        reply_json = event.reply_json
        if reply_json is None:
            messages = await self._compose(event)
            reply_json = json.dumps([m.to_dict() for m in messages], ensure_ascii=False)
            await asyncio.to_thread(self.inbox.save_reply, event.id, reply_json)
        messages = [TextMessage.from_dict(m) for m in json.loads(reply_json)]
        try:
            await self.api.reply_message(
                ReplyMessageRequest(reply_token=event.reply_token, messages=messages)
            )
        except ApiException as error:
            return await self._failed(event, f"LINE API {error.status}", retry=error.status >= 500)
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            return await self._failed(event, f"LINE API unreachable: {type(error).__name__}")
        except Exception as error:  # e.g. an answer the SDK cannot read: don't send twice
            logger.exception("unexpected error replying on LINE")
            return await self._failed(event, f"unexpected: {type(error).__name__}", retry=False)
        await asyncio.to_thread(self.inbox.mark_replied, event.id)
        return True

    async def _compose(self, event: LineEvent) -> list[TextMessage]:
        if event.action == FEEDBACK:
            return await self._rate(event)
        if event.action != CONVERSE:
            notice = "\n\n".join(c.say(event.notice) for c in self.catalogs.values())
            return line_messages([{"text": notice}], "")
        language = detect_language(event.text or "")
        try:
            replies = await self.assistant.turn(event.conversation, event.text or "")
        except AssistantUnavailable:
            replies = [{"text": self._catalog(language).say("assistant_unavailable")}]
        if any(r.get("custom", {}).get("outcome") == "forget" for r in replies):
            await asyncio.to_thread(self.forget, event.conversation)
        language = next(
            (r["custom"]["language"] for r in replies if r.get("custom", {}).get("language")),
            language,
        )
        catalog = self._catalog(language)
        rating = await self._rating_buttons(event.text or "", replies, catalog)
        return line_messages(replies, catalog.say("line_continued"), rating)

    async def _rating_buttons(
        self, question: str, replies: list[dict], catalog: MessageCatalog
    ) -> list[dict]:
        """The answer goes into the insights' log; its 👍 / 👎 quick replies carry its id."""
        try:
            index = await asyncio.to_thread(self.answers.record_turn, question, replies, "line")
        except SQLAlchemyError:
            logger.warning("the answer log could not be written; no rating on LINE")
            return []
        if index is None:
            return []
        answer_id = replies[index]["feedback_id"]
        return [
            {"title": catalog.say("line_feedback_up"), "payload": feedback_data(answer_id, "up")},
            {
                "title": catalog.say("line_feedback_down"),
                "payload": feedback_data(answer_id, "down"),
            },
        ]

    async def _rate(self, event: LineEvent) -> list[TextMessage]:
        """A tap on 👍 or 👎, or on what was missing after a 👎: stored once; the patient is
        thanked either way. A first 👎 asks what was missing, as quick replies."""
        missing = parse_missing(event.text or "")
        answer_id, choice = missing or parse_feedback(event.text or "") or ("", "")
        language, key, first = None, "line_feedback_thanks", False
        try:
            if missing:
                language = await asyncio.to_thread(self._note_missing, answer_id, choice)
                key = "line_missing_thanks"
            else:
                language = await asyncio.to_thread(self.answers.rate, answer_id, choice)
                first = True
        except AlreadyRated as already:
            language = already.args[0]
        except (UnknownAnswer, ValueError):
            key = "line_feedback_unknown"
        except SQLAlchemyError:
            key = "line_feedback_failed"
        if language is None:  # the answer is unknown: every language the clinic speaks
            return line_messages(
                [{"text": "\n\n".join(c.say(key) for c in self.catalogs.values())}], ""
            )
        catalog = self._catalog(language)
        if first and choice == "down":
            reasons = [
                {"title": catalog.say(f"line_missing_{r}"), "payload": missing_data(answer_id, r)}
                for r in MISSING_REASONS
            ]
            return line_messages(
                [{"text": catalog.say("line_missing_ask"), "buttons": reasons}], ""
            )
        return line_messages([{"text": catalog.say(key)}], "")

    def _note_missing(self, answer_id: str, reason: str) -> str:
        """The reason, worded in the answer's language, as the 👎's comment."""
        language = self.answers.language_of(answer_id)
        if language is None:
            raise UnknownAnswer(answer_id)
        wording = self._catalog(language).say(f"line_missing_{reason}")
        return self.answers.add_comment(answer_id, wording)

    def _catalog(self, language: str | None) -> MessageCatalog:
        return self.catalogs.get(language or "", self.catalogs[self.default_language])

    def forget(self, conversation: str) -> None:
        """The patient asked to forget this conversation: Rasa's record of it, and the LINE
        events it came in (this one included, once replied: its row goes with the rest)."""
        self.conversations.forget(conversation)
        self.inbox.forget_conversation(conversation)

    async def _failed(self, event: LineEvent, error: str, retry: bool = True) -> bool:
        attempts = event.attempts + 1
        delay = timedelta(seconds=self.settings.retry_base_seconds * 2 ** (attempts - 1))
        deadline = event.received_at + timedelta(seconds=self.settings.reply_window_seconds)
        if retry and utcnow() + delay < deadline:
            logger.warning("LINE reply failed (%s), attempt %d; retrying", error, attempts)
            await asyncio.to_thread(self.inbox.retry_later, event.id, error, utcnow() + delay)
        else:
            logger.error("LINE reply given up after %d attempts (%s)", attempts, error)
            await asyncio.to_thread(self.inbox.give_up, event.id, error)
        return False

    async def close(self) -> None:
        await self.api_client.close()
