"""The in-memory index of one policy: passage and question-bank embeddings, keyword indexes.

Built once per corpus version (embeddings are cached on disk by their exact texts), never per
message.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from privacybot.corpus import Policy, QuestionBank
from privacybot.retrieval.bm25 import BM25
from privacybot.retrieval.readers import Reader

NOT_COVERED = -1  # label of question-bank entries the policy does not answer


@dataclass
class PolicyIndex:
    policy: Policy
    bank: QuestionBank
    reader: Reader  # the language of the questions (the policy may be in another one)
    passage_vectors: np.ndarray  # or a sparse matrix: rows of unit length
    bank_vectors: np.ndarray
    bank_labels: np.ndarray
    bank_questions: list[str]
    section_numbers: list[int]
    section_keywords: BM25
    passage_keywords: BM25

    @property
    def version(self) -> str:
        return self.policy.policy_version


def bank_entries(bank: QuestionBank) -> tuple[list[str], list[int]]:
    """The bank's questions and their section numbers (NOT_COVERED for uncovered topics)."""
    bank_questions: list[str] = []
    bank_labels: list[int] = []
    for number, questions in sorted(bank.by_section.items()):
        bank_questions.extend(questions)
        bank_labels.extend([number] * len(questions))
    bank_questions.extend(bank.not_covered)
    bank_labels.extend([NOT_COVERED] * len(bank.not_covered))
    return bank_questions, bank_labels


def build_policy_index(policy: Policy, bank: QuestionBank, reader: Reader) -> PolicyIndex:
    passages = policy.passages
    bank_questions, bank_labels = bank_entries(bank)
    section_numbers = [s.number for s in policy.sections]
    section_documents = [
        reader.keywords(" ".join([s.title, s.text, *bank.by_section.get(s.number, ())]))
        for s in policy.sections
    ]
    return PolicyIndex(
        policy=policy,
        bank=bank,
        reader=reader,
        passage_vectors=reader.vectors([p.with_context() for p in passages]),
        bank_vectors=reader.vectors(bank_questions),
        bank_labels=np.asarray(bank_labels),
        bank_questions=bank_questions,
        section_numbers=section_numbers,
        section_keywords=BM25(section_documents),
        passage_keywords=BM25([reader.keywords(p.with_context()) for p in passages]),
    )
