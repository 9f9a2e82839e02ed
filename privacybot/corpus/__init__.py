"""The clinic's policy as structured text: sections, passages with their context, a version."""

from privacybot.corpus.loader import (
    CorpusError,
    load_policy,
    load_question_bank,
    require_sections_to_cite,
)
from privacybot.corpus.model import Passage, Policy, QuestionBank, Section

__all__ = [
    "CorpusError",
    "Passage",
    "Policy",
    "QuestionBank",
    "Section",
    "load_policy",
    "load_question_bank",
    "require_sections_to_cite",
]
