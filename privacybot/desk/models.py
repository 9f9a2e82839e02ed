"""Tables of the request desk (SQLAlchemy 2; migrations in migrations/)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

STATUSES = ("unconfirmed", "received", "in_progress", "completed", "rejected")
OPEN_STATUSES = ("received", "in_progress")  # the clinic's to answer, by the due date
# Which status staff may give after which: a request is received, worked on, then closed.
# An unconfirmed one waits for the patient's confirmation (desk/confirmation.py), not staff.
TRANSITIONS = {
    "unconfirmed": (),
    "received": ("in_progress", "rejected"),
    "in_progress": ("completed", "rejected"),
    "completed": (),
    "rejected": (),
}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class DataRequest(Base):
    __tablename__ = "data_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    requester_name: Mapped[str] = mapped_column(String(100))
    contact_email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    on_behalf_of: Mapped[str] = mapped_column(String(10))
    relationship_to_patient: Mapped[str | None] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(16))  # the patient's, to answer in
    status: Mapped[str] = mapped_column(String(20), default="received")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The patient's proof of their e-mail address (desk/confirmation.py). Tokens are kept as
    # their SHA-256 only: the database alone cannot follow a patient's link.
    confirmed_at: Mapped[datetime | None] = mapped_column()
    confirm_before: Mapped[datetime | None] = mapped_column()
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirm_code_hash: Mapped[str | None] = mapped_column(String(64))
    confirm_code_failures: Mapped[int] = mapped_column(default=0)
    access_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # When the clinic's answer is due (requests.due_days after it was received).
    due_on: Mapped[date | None] = mapped_column(Date)
    # The desk's work on it: who handles it, and how the requester's identity was checked.
    assignee: Mapped[str | None] = mapped_column(String(100), index=True)
    identity_method: Mapped[str | None] = mapped_column(String(40))
    identity_checked_by: Mapped[str | None] = mapped_column(String(100))
    identity_checked_at: Mapped[datetime | None] = mapped_column()

    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )
    messages: Mapped[list[RequestMessage]] = relationship(
        back_populates="request", order_by="RequestMessage.id", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_data_requests_status_created", "status", "created_at"),)

    def is_overdue(self, today: date | None = None) -> bool:
        """Still the clinic's to answer, and the due date has passed."""
        today = today or utcnow().date()
        return self.status in OPEN_STATUSES and self.due_on is not None and self.due_on < today


class RequestEvent(Base):
    """The audit trail: who changed what, and when."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_requests.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[DataRequest] = relationship(back_populates="events")


class RequestMessage(Base):
    """What staff wrote about a request: an internal note (never shown to the patient) or a
    reply (mailed to the patient and shown on their status page)."""

    __tablename__ = "request_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # note | reply
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(60))  # the reply template started from
    # The desk page's id for what it sent: pressing "send" twice stores (and mails) it once.
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[DataRequest] = relationship(back_populates="messages")


class OutboxMail(Base):
    """A mail committed with the change that caused it, delivered later by the sender."""

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("data_requests.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    reply_to: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)


class RequestDraft(Base):
    """The answers of a request form still being filled in, kept here rather than in the
    conversation, so the chat's tracker store only ever holds placeholders such as [EMAIL].
    Deleted when the request is submitted or cancelled; abandoned ones are purged."""

    __tablename__ = "request_drafts"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fields: Mapped[str] = mapped_column(Text)  # JSON: form field -> value
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)


class AnswerRecord(Base):
    """One reply the assistant gave, for the staff's insights, and the patient's vote on it.

    Redacted, and with nothing that leads back to a patient: no conversation id, no LINE user,
    no time finer than the day it was given on. `id` is random and is the only handle the
    patient's feedback buttons hold. Purged after `insights.retention_days`."""

    __tablename__ = "answer_records"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String(10))  # web | line
    language: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(20))
    intent: Mapped[str] = mapped_column(String(60))  # for a hand-off: which request
    confidence: Mapped[float] = mapped_column(Float)
    sections: Mapped[str] = mapped_column(String(200))  # "4,7": the sections quoted
    policy_version: Mapped[str] = mapped_column(String(80))
    question: Mapped[str] = mapped_column(Text)  # redacted
    vote: Mapped[str | None] = mapped_column(String(4))  # up | down
    comment: Mapped[str | None] = mapped_column(Text)  # redacted: "what was missing?"
