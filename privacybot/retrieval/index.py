"""The in-memory index of one policy: passage and question-bank embeddings, keyword indexes.

Built once per corpus version (embeddings are cached on disk by their exact texts), never per
message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from privacybot.corpus import Policy, QuestionBank
from privacybot.retrieval.bm25 import BM25
from privacybot.retrieval.embeddings import encode_cached
from privacybot.text import TextAnalyzer

NOT_COVERED = -1  # label of question-bank entries the policy does not answer


@dataclass
class PolicyIndex:
    policy: Policy
    bank: QuestionBank
    analyzer: TextAnalyzer
    passage_vectors: np.ndarray
    bank_vectors: np.ndarray
    bank_labels: np.ndarray
    bank_questions: list[str]
    section_numbers: list[int]
    section_keywords: BM25
    passage_keywords: BM25

    @property
    def version(self) -> str:
        return self.policy.policy_version


def build_policy_index(
    policy: Policy, bank: QuestionBank, cache_dir: Path, extra_vocabulary: list[str] = ()
) -> PolicyIndex:
    passages = policy.passages
    bank_questions: list[str] = []
    bank_labels: list[int] = []
    for number, questions in sorted(bank.by_section.items()):
        bank_questions.extend(questions)
        bank_labels.extend([number] * len(questions))
    bank_questions.extend(bank.not_covered)
    bank_labels.extend([NOT_COVERED] * len(bank.not_covered))

    analyzer = TextAnalyzer(
        [p.with_context() for p in passages] + bank_questions + list(extra_vocabulary)
    )
    section_numbers = [s.number for s in policy.sections]
    section_documents = [
        analyzer.keywords(" ".join([s.title, s.text, *bank.by_section.get(s.number, ())]))
        for s in policy.sections
    ]
    return PolicyIndex(
        policy=policy,
        bank=bank,
        analyzer=analyzer,
        passage_vectors=encode_cached([p.with_context() for p in passages], cache_dir),
        bank_vectors=encode_cached(bank_questions, cache_dir),
        bank_labels=np.asarray(bank_labels),
        bank_questions=bank_questions,
        section_numbers=section_numbers,
        section_keywords=BM25(section_documents),
        passage_keywords=BM25([analyzer.keywords(p.with_context()) for p in passages]),
    )
