"""Rank the policy's sections for a question, and say when the policy does not cover it.

Three signals per section, each measured on the patient's spelling-corrected question:
  * bank: similarity to the section's example questions (how patients ask about it),
  * passage: similarity to the section's own passages, read with their context (for a clinic
    without a bank, fused with e5's question-to-document retrieval: passage_search.py),
  * keywords: BM25 over the section's lemmas (policy text plus its example questions).
The policy is judged not to cover a question when its nearest example questions are ones the
policy does not answer, or when no section is similar enough.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from privacybot.corpus import Passage
from privacybot.retrieval.index import NOT_COVERED, PolicyIndex
from privacybot.retrieval.passage_search import PassageSearch


@dataclass(frozen=True)
class RankerWeights:
    """Weights of the three signals and the abstention rule, chosen by split-half validation
    on tests/dev_questions.yml (see docs/benchmarks.md)."""

    bank: float = 0.70
    passage: float = 0.20
    keywords: float = 0.30
    keyword_saturation: float = 6.0
    top_k: int = 3
    # Below this combined score no section is close enough to quote.
    min_score: float = 0.30
    # The policy covers the question unless its nearest "not covered" examples beat the best
    # section's examples by more than this.
    not_covered_margin: float = 0.03
    # A follow-up whose own words are this much nearer the policy's uncovered topics than its
    # best section ("how long do you store it?" where the policy says nothing of retention) is
    # declined rather than read with the last answer. Questions that the last answer does
    # answer ("do I need to send ID with it?") come out 0.03-0.1 nearer; those declined rightly
    # 0.13-0.3 (a handful, from tests/sakura_conversations.yml, a second clinic's conversations
    # and this project's tests).
    declined_margin: float = 0.12
    # A follow-up that points back at the last answer ("can they use it for their own
    # purposes?") continues the section just quoted when, read alone, that section scores
    # within this of its best (0.03 / 0.06 / 0.1 gave 82 / 83 / 83 of 126 conversations on
    # SAKURA's, Hollowbrook's and Midorinomori's sets; docs/benchmarks.md).
    continue_margin: float = 0.06
    # Weight of e5's asymmetric retrieval beside the reader's own similarity in the passage
    # signal (retrieval/passage_search.py); 0: the reader's alone.
    retrieval: float = 0.0
    # ...asked only when the reader alone leaves the first two sections closer than this (a
    # question the reader ranks clearly is ranked the same with e5: 39% of Hollowbrook's and
    # SAKURA's questions need it, at the same accuracy; docs/benchmarks.md).
    retrieval_margin: float = 0.05


@dataclass
class SectionRanking:
    question: str
    corrected: str
    sections: list[int]
    scores: list[float]
    not_covered_score: float
    covered: bool
    passages: list[Passage] = field(default_factory=list)
    signals: dict[str, dict[int, float]] = field(default_factory=dict)
    # The question's similarity to every passage of the policy (for quoting other sections).
    passage_similarity: np.ndarray | None = None

    def declined(self, margin: float) -> bool:
        """Not covered because the nearest example questions are ones the policy does not
        answer (a topic it never speaks of), by `margin` over the best section's, not merely
        because nothing is close."""
        if self.covered or not self.sections:
            return False
        best = self.signals.get("bank", {}).get(self.sections[0], 0.0)
        return self.not_covered_score - best >= margin

    @property
    def best_section(self) -> int | None:
        return self.sections[0] if self.covered and self.sections else None


class SectionRanker:
    def __init__(self, index: PolicyIndex, weights: RankerWeights | None = None) -> None:
        self.index = index
        self.weights = weights or RankerWeights()
        passages = index.policy.passages
        self._passage_sections = np.asarray([p.section for p in passages])
        self.search = PassageSearch(
            index.policy,
            index.passage_vectors,
            self.weights.retrieval,
            getattr(index.reader, "cache_dir", None),
        )

    def rank(self, question: str, vector: np.ndarray | None = None) -> SectionRanking:
        corrected = self.index.reader.correct(question)
        if vector is None:
            vector = self.index.reader.vector(corrected)
        return self.rank_vector(question, corrected, vector)

    def rank_vector(self, question: str, corrected: str, vector: np.ndarray) -> SectionRanking:
        alone = self._rank(question, corrected, vector, self.search.own_similarity(vector))
        if (
            not self.search.fuses
            or len(alone.scores) < 2
            or alone.scores[0] - alone.scores[1] >= self.weights.retrieval_margin
        ):
            return alone
        return self._rank(question, corrected, vector, self.search.similarity(corrected, vector))

    def _rank(
        self, question: str, corrected: str, vector: np.ndarray, passage_sims: np.ndarray
    ) -> SectionRanking:
        w, index = self.weights, self.index
        bank_sims = index.bank_vectors @ vector
        keywords = index.section_keywords.scores(index.reader.keywords(corrected))

        bank, passage, keyword, combined = {}, {}, {}, {}
        for position, number in enumerate(index.section_numbers):
            bank[number] = _top_mean(bank_sims[index.bank_labels == number], w.top_k)
            passage[number] = float(passage_sims[self._passage_sections == number].max())
            keyword[number] = keywords[position] / (keywords[position] + w.keyword_saturation)
            combined[number] = (
                w.bank * bank[number] + w.passage * passage[number] + w.keywords * keyword[number]
            )
        not_covered = _top_mean(bank_sims[index.bank_labels == NOT_COVERED], w.top_k)

        order = sorted(combined, key=combined.get, reverse=True)
        best = order[0]
        covered = combined[best] >= w.min_score and bank[best] + w.not_covered_margin >= not_covered
        best_passages = self.best_passages(best, passage_sims)
        return SectionRanking(
            question=question,
            corrected=corrected,
            sections=order,
            scores=[round(combined[n], 4) for n in order],
            not_covered_score=round(not_covered, 4),
            covered=covered,
            passages=best_passages,
            signals={"bank": bank, "passage": passage, "keywords": keyword},
            passage_similarity=passage_sims,
        )

    def led_by(self, ranking: SectionRanking, number: int) -> SectionRanking:
        """`ranking` with section `number` first, quoting its passages closest to the question
        (the message's form chose the section, e.g. asking whom to contact)."""
        scores = dict(zip(ranking.sections, ranking.scores, strict=True))
        order = [number, *[n for n in ranking.sections if n != number]]
        return replace(
            ranking,
            sections=order,
            scores=[scores[n] for n in order],
            covered=True,
            passages=self.best_passages(number, ranking.passage_similarity),
        )

    def best_passages(
        self, section: int, passage_sims: np.ndarray, limit: int = 2
    ) -> list[Passage]:
        """The section's passages to quote, best first: the top one, plus a close runner-up.
        A sentence that only introduces a list ("...for the following purposes:") says
        nothing alone; its items carry it as their context, so they are quoted instead."""
        passages = self.index.policy.passages
        candidates = [i for i, p in enumerate(passages) if p.section == section]
        saying = [i for i in candidates if not passages[i].text.rstrip().endswith((":", "："))]
        candidates = saying or candidates
        candidates.sort(key=lambda i: passage_sims[i], reverse=True)
        chosen = [candidates[0]]
        for i in candidates[1:limit]:
            if passage_sims[i] >= passage_sims[candidates[0]] - 0.05:
                chosen.append(i)
        return [passages[i] for i in sorted(chosen)]


def _top_mean(values: np.ndarray, k: int) -> float:
    if values.size == 0:
        return 0.0
    k = min(k, values.size)
    return float(np.sort(values)[-k:].mean())
