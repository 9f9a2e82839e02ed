"""Matching a patient's question to the policy's own sections."""

from privacybot.retrieval.index import PolicyIndex, build_policy_index
from privacybot.retrieval.ranker import SectionRanker, SectionRanking

__all__ = ["PolicyIndex", "SectionRanker", "SectionRanking", "build_policy_index"]
