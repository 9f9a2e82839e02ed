"""Retention: what the assistant keeps about patients, and for how long.

- Conversations (Rasa's tracker store, redacted): deleted `conversations.retention_days` after
  their last message.
- LINE events (ids and status; the text goes once answered): the same number of days.
- Request drafts (answers of a request form never sent): `draft_retention_hours`.
- The insights' answer log (redacted questions, outcomes, votes): `insights.retention_days`.
- Requests never confirmed by the patient (`requests.confirmation: required`), with their
  trail and mails: `requests.confirmation_hours` after they were made (the clinic never had
  them).
Requests handed to the clinic are the clinic's records and stay until staff delete them.

The service runs `purge` every `conversations.purge_interval_hours`; `privacybot purge` runs it
once (for cron or a systemd timer, when the service is not the place).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from privacybot.conversation_store import ConversationStore
from privacybot.desk.drafts import RequestDrafts
from privacybot.desk.models import utcnow
from privacybot.desk.service import RequestDesk
from privacybot.insights.answers import AnswerLog
from privacybot.line.inbox import LineInbox
from privacybot.settings import ConversationSettings, InsightsSettings


@dataclass(frozen=True)
class Purged:
    conversation_events: int
    line_events: int
    drafts: int
    answers: int
    unconfirmed_requests: int


def purge(
    settings: ConversationSettings,
    insights: InsightsSettings,
    conversations: ConversationStore,
    line_inbox: LineInbox,
    drafts: RequestDrafts,
    answers: AnswerLog,
    desk: RequestDesk,
) -> Purged:
    now = utcnow()
    return Purged(
        conversation_events=conversations.purge_older_than(settings.retention_days),
        line_events=line_inbox.purge_older_than(now - timedelta(days=settings.retention_days)),
        drafts=drafts.purge_older_than(now - timedelta(hours=settings.draft_retention_hours)),
        answers=answers.purge_older_than(now - timedelta(days=insights.retention_days)),
        unconfirmed_requests=desk.purge_unconfirmed(now),
    )
