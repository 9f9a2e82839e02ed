"""The LINE inbox table: every webhook event once, kept until it has been answered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privacybot.desk.models import Base, utcnow


class LineEvent(Base):
    """One LINE webhook event. Its webhookEventId is unique, so a redelivered event is
    recognised, also after a restart. The patient's text and the reply are kept only until
    the reply is sent (or given up); the LINE user id is never stored, only the keyed hash
    that names the conversation."""

    __tablename__ = "line_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    # converse: ask the assistant; notice: a fixed message from the catalogue; ignore: nothing
    action: Mapped[str] = mapped_column(String(10))
    conversation: Mapped[str | None] = mapped_column(String(40))
    reply_token: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str | None] = mapped_column(Text)
    notice: Mapped[str | None] = mapped_column(String(40))
    reply_json: Mapped[str | None] = mapped_column(Text)
    # pending | replied | failed (recorded for staff) | ignored
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_line_events_due", "status", "next_attempt_at"),)
