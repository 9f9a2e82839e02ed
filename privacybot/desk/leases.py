"""Claiming due rows with a lease, so several workers (processes) can share one queue table:
the mail outbox and the LINE inbox. A row is due when pending and past `next_attempt_at`; a
claim sets `claimed_until`, and a worker that dies lets its claims lapse for another to take."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session


def claim_due(
    session_factory: Callable[[], Session],
    model,
    now: datetime,
    lease_seconds: float,
    limit: int = 50,
) -> list[int]:
    """Ids of due rows of `model` (oldest first) now claimed by the caller."""
    free = or_(model.claimed_until.is_(None), model.claimed_until < now)
    with session_factory() as session, session.begin():
        candidates = session.scalars(
            select(model.id)
            .where(model.status == "pending", model.next_attempt_at <= now)
            .where(free)
            .order_by(model.id)
            .limit(limit)
        ).all()
        claimed = []
        for row_id in candidates:
            result = session.execute(
                update(model)
                .where(model.id == row_id)
                .where(free)
                .values(claimed_until=now + timedelta(seconds=lease_seconds))
            )
            if result.rowcount == 1:
                claimed.append(row_id)
        return claimed
