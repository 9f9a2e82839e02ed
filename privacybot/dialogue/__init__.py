"""What a conversation carries from one turn to the next (see context.py)."""

from privacybot.dialogue.context import AnswerContext, Turn

__all__ = ["AnswerContext", "Turn"]
