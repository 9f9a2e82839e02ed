"""The answer log: each reply worth learning from, redacted, and the patient's vote on it.

A turn's first reply that answers (or fails to answer) a question is recorded with its outcome,
confidence, sections, language, policy version and the patient's question as the redactor
leaves it, under a random id. That id goes back to the channel with the reply, and is all a
feedback button holds: 👍 or 👎, once, with an optional "what was missing?" (redacted too).
Nothing recorded leads back to a patient: no conversation id, no LINE user, only the day.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from privacybot.desk.models import AnswerRecord, utcnow
from privacybot.privacy.redaction import redact

# Replies that answer, or fail to answer, a patient's question. Emergencies, small talk and
# the request form's own prompts are not insights about the policy.
RECORDED_OUTCOMES = frozenset(
    {"answer", "not_covered", "fallback", "out_of_scope", "chat_privacy", "request"}
)
VOTES = ("up", "down")
MAX_COMMENT_CHARS = 1000
MAX_QUESTION_CHARS = 2000


class UnknownAnswer(LookupError):
    """No answer has this id (never given, forged, or purged)."""


class AlreadyRated(ValueError):
    """The patient has already rated this answer."""


class AnswerLog:
    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self.session_factory = session_factory

    def record_turn(self, question: str, replies: list[dict], channel: str) -> int | None:
        """Record the turn's answer (the first reply, by its `custom` payload, worth learning
        from); the index of that reply, whose id is `replies[i]["feedback_id"]`, or None."""
        for index, reply in enumerate(replies):
            answer_id = self.record(question, reply.get("custom") or {}, channel)
            if answer_id:
                reply["feedback_id"] = answer_id
                return index
        return None

    def record(self, question: str, reply: dict, channel: str) -> str | None:
        """Record the reply (its `custom` payload) to `question`; its id, or None if the
        reply is not one to learn from.

        Only the assistant's own reading of a message is recorded: its replies carry the
        `next_step` it decided (privacybot/replies/reply.py). A request form's prompts do not:
        what the patient typed at a form step is a personal detail (a bare name, which the
        redactor cannot tell from other words), never a question for the insights; nor is
        the code from a request's acknowledgment, typed to confirm it."""
        outcome = str(reply.get("outcome") or "")
        if outcome not in RECORDED_OUTCOMES or reply.get("next_step") in (None, "confirm_code"):
            return None
        sections = [str(int(s)) for s in reply.get("sections") or [] if _is_int(s)]
        record = AnswerRecord(
            id=secrets.token_urlsafe(16),
            day=utcnow().date(),
            channel=channel[:10],
            language=str(reply.get("language") or "")[:16],
            outcome=outcome,
            intent=str(reply.get("intent") or "")[:60],
            confidence=_float(reply.get("confidence")),
            sections=",".join(sections)[:200],
            policy_version=str(reply.get("policy_version") or "")[:80],
            question=redact(question[:MAX_QUESTION_CHARS]),
        )
        with self.session_factory() as session, session.begin():
            session.add(record)
        return record.id

    def rate(self, answer_id: str, vote: str, comment: str | None = None) -> str:
        """The patient's 👍 or 👎 (with what was missing); the answer's language. Raises
        UnknownAnswer, AlreadyRated (whose argument is the language too)."""
        if vote not in VOTES:
            raise ValueError(f"vote must be one of {', '.join(VOTES)}")
        text = redact(comment.strip()) if comment and comment.strip() else None
        return self._once(answer_id, [AnswerRecord.vote.is_(None)], vote=vote, comment=text)

    def add_comment(self, answer_id: str, comment: str) -> str:
        """What was missing, given after a 👎 (LINE asks for it then); once. The answer's
        language. Raises UnknownAnswer, AlreadyRated (no 👎 to add it to, or said before)."""
        return self._once(
            answer_id,
            [AnswerRecord.vote == "down", AnswerRecord.comment.is_(None)],
            comment=redact(comment.strip()),
        )

    def _once(self, answer_id: str, still: list, **values: object) -> str:
        """Set `values` on the answer if it is `still` as it was; the answer's language.
        One statement decides, so two taps sent at once cannot both count."""
        with self.session_factory() as session, session.begin():
            changed = session.execute(
                update(AnswerRecord).where(AnswerRecord.id == answer_id, *still).values(**values)
            ).rowcount
            record = session.get(AnswerRecord, answer_id)
            if record is None:
                raise UnknownAnswer(answer_id)
            if not changed:
                raise AlreadyRated(record.language)
            return record.language

    def language_of(self, answer_id: str) -> str | None:
        with self.session_factory() as session:
            return session.scalar(select(AnswerRecord.language).where(AnswerRecord.id == answer_id))

    def between(self, since: date, until: date, language: str | None = None) -> list[AnswerRecord]:
        """The records of the days since..until (inclusive), most recent first."""
        statement = select(AnswerRecord).where(AnswerRecord.day >= since, AnswerRecord.day <= until)
        if language:
            statement = statement.where(AnswerRecord.language == language)
        with self.session_factory() as session:
            return list(
                session.scalars(statement.order_by(AnswerRecord.day.desc(), AnswerRecord.id))
            )

    def purge_older_than(self, cutoff: datetime | date) -> int:
        day = cutoff.date() if isinstance(cutoff, datetime) else cutoff
        with self.session_factory() as session, session.begin():
            return session.execute(delete(AnswerRecord).where(AnswerRecord.day < day)).rowcount


def _is_int(value: object) -> bool:
    try:
        int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
