"""What the assistant says: the reply object and its wording from message catalogues."""

from privacybot.replies.reply import NextStep, Outcome, Reply

__all__ = ["NextStep", "Outcome", "Reply"]
