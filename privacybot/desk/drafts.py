"""Request drafts: the answers of a request form in progress, keyed by conversation and form.

The action server keeps each checked answer here and puts only a placeholder in the
conversation; the read-back and the submission read the draft.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from privacybot.desk.models import RequestDraft, utcnow

DRAFT_FIELDS = ("requester_name", "contact_email", "phone", "relationship", "request_description")


class RequestDrafts:
    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self.session_factory = session_factory

    def update(self, key: str, fields: dict[str, str | None]) -> dict[str, str | None]:
        """Merge fields into the draft (created if new); returns the whole draft."""
        with self.session_factory() as session, session.begin():
            draft = session.get(RequestDraft, key, with_for_update=True)
            current = json.loads(draft.fields) if draft else {}
            current.update(fields)
            if draft is None:
                session.add(RequestDraft(key=key, fields=json.dumps(current, ensure_ascii=False)))
            else:
                draft.fields = json.dumps(current, ensure_ascii=False)
                draft.updated_at = utcnow()
            return current

    def get(self, key: str) -> dict[str, str | None] | None:
        with self.session_factory() as session:
            draft = session.get(RequestDraft, key)
            return json.loads(draft.fields) if draft else None

    def discard(self, key: str) -> None:
        with self.session_factory() as session, session.begin():
            session.execute(delete(RequestDraft).where(RequestDraft.key == key))

    def purge_older_than(self, cutoff: datetime) -> int:
        with self.session_factory() as session, session.begin():
            result = session.execute(delete(RequestDraft).where(RequestDraft.updated_at < cutoff))
            return result.rowcount
