"""Text processing shared by retrieval and triage (spaCy, rule-based, offline)."""

from privacybot.text.analyzer import TextAnalyzer

__all__ = ["TextAnalyzer"]
