"""The LINE inbox: events are stored when the webhook receives them and answered after.

Storing first lets the webhook answer LINE at once, keeps an event that arrived while the
assistant was busy or down, and makes a redelivered event (same webhookEventId) a no-op, also
after a restart. Rows are claimed with a lease, as the mail outbox does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from privacybot.desk.leases import claim_due
from privacybot.desk.models import utcnow
from privacybot.line.events import IGNORE, InboxEntry
from privacybot.line.models import LineEvent

CLAIM_SECONDS = 60


class LineInbox:
    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self.session_factory = session_factory

    def record(self, entries: list[InboxEntry]) -> int:
        """Store the events not seen before; returns how many were new."""
        new = 0
        for entry in entries:
            row = LineEvent(
                webhook_event_id=entry.webhook_event_id or f"missing-{uuid.uuid4().hex}",
                event_type=entry.event_type,
                action=entry.action,
                conversation=entry.conversation,
                reply_token=entry.reply_token,
                text=entry.text,
                notice=entry.notice,
                status="ignored" if entry.action == IGNORE else "pending",
            )
            try:
                with self.session_factory() as session, session.begin():
                    session.add(row)
            except IntegrityError:  # seen before: a redelivery
                continue
            new += entry.action != IGNORE
        return new

    def claim_due(self, now: datetime | None = None) -> list[int]:
        """Pending events due now, oldest first, leased to this worker."""
        return claim_due(self.session_factory, LineEvent, now or utcnow(), CLAIM_SECONDS)

    def get(self, event_id: int) -> LineEvent | None:
        with self.session_factory() as session:
            return session.get(LineEvent, event_id)

    def _update(self, event_id: int, **values: object) -> None:
        with self.session_factory() as session, session.begin():
            session.execute(update(LineEvent).where(LineEvent.id == event_id).values(**values))

    def save_reply(self, event_id: int, reply_json: str) -> None:
        """The assistant has answered: keep the reply to send, forget the patient's text."""
        self._update(event_id, reply_json=reply_json, text=None)

    def mark_replied(self, event_id: int) -> None:
        self._update(
            event_id,
            status="replied",
            reply_json=None,
            text=None,
            reply_token=None,
            claimed_until=None,
            last_error=None,
            attempts=LineEvent.attempts + 1,
            handled_at=utcnow(),
        )

    def retry_later(self, event_id: int, error: str, at: datetime) -> None:
        self._update(
            event_id,
            claimed_until=None,
            next_attempt_at=at,
            last_error=error[:500],
            attempts=LineEvent.attempts + 1,
        )

    def give_up(self, event_id: int, error: str) -> None:
        """Recorded for staff: the event stays, with why no reply reached the patient, but
        without the patient's text or the reply."""
        self._update(
            event_id,
            status="failed",
            reply_json=None,
            text=None,
            reply_token=None,
            claimed_until=None,
            last_error=error[:500],
            attempts=LineEvent.attempts + 1,
            handled_at=utcnow(),
        )

    def purge_older_than(self, cutoff: datetime) -> int:
        """Forget handled events received before cutoff (pending ones are kept)."""
        with self.session_factory() as session, session.begin():
            result = session.execute(
                delete(LineEvent)
                .where(LineEvent.received_at < cutoff)
                .where(LineEvent.status != "pending")
            )
            return result.rowcount

    def forget_conversation(self, conversation: str) -> int:
        with self.session_factory() as session, session.begin():
            result = session.execute(
                delete(LineEvent).where(LineEvent.conversation == conversation)
            )
            return result.rowcount
