"""The stored conversations (Rasa's tracker store, `events` table), seen from the service:
forgetting one conversation when the patient asks, and purging old ones (retention).

Rasa writes the table (bot/tracker_store.py); the service only deletes from it, between turns:
a conversation is forgotten after the turn that asked for it has been saved.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from privacybot.desk.database import make_engine

EVENTS = sa.table(
    "events", sa.column("id"), sa.column("sender_id"), sa.column("timestamp", sa.Float)
)


class ConversationStore:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    def forget(self, sender_id: str) -> int:
        """Delete one conversation; returns how many events went."""
        return self._delete(EVENTS.c.sender_id == sender_id)

    def purge_older_than(self, days: float, now: float | None = None) -> int:
        """Delete every conversation with no event in the last `days` days."""
        cutoff = (now or time.time()) - days * 86400
        stale = (
            sa.select(EVENTS.c.sender_id)
            .group_by(EVENTS.c.sender_id)
            .having(sa.func.max(EVENTS.c.timestamp) < cutoff)
        )
        return self._delete(EVENTS.c.sender_id.in_(stale))

    def _delete(self, condition) -> int:
        try:
            with self.engine.begin() as connection:
                return connection.execute(sa.delete(EVENTS).where(condition)).rowcount
        except DBAPIError as error:
            if "no such table" in str(error.orig) or "does not exist" in str(error.orig):
                return 0  # Rasa has not stored a conversation yet
            raise

    def dispose(self) -> None:
        self.engine.dispose()
