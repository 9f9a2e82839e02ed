"""The passage signal: the reader's similarity fused with e5's question-to-document retrieval,
which reads a passage under its section's title (retrieval/passage_search.py)."""

from __future__ import annotations

import numpy as np
import pytest

from privacybot.corpus import load_policy
from privacybot.retrieval import passage_search
from privacybot.retrieval.embeddings import encode
from privacybot.retrieval.multilingual import meaning_available
from privacybot.retrieval.passage_search import PassageSearch, titled_passages

POLICY = """---
title: Privacy Notice
clinic: Test Clinic
language: en
version: "1"
---

# 1 What we collect

- letters and reports from hospitals and pharmacies about your treatment
- your name, address and date of birth

# 2 Who we share your information with

- hospitals and pharmacies that treat you, when we refer you
- the police, when a court orders it

# 3 How long we keep it

We keep your records for ten years after your last visit.
"""


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "policy.md"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


def search_of(policy, weight):
    vectors = encode([p.with_context() for p in policy.passages])
    return PassageSearch(policy, vectors, weight, cache_dir=None), vectors


def test_each_passage_is_read_under_its_sections_title(policy):
    titled = titled_passages(policy)
    assert titled[2].startswith("Who we share your information with › hospitals")


def test_without_a_weight_the_readers_similarity_is_used_as_it_is(policy):
    search, vectors = search_of(policy, 0.0)
    question = encode(["do you send my details to the hospital?"])[0]
    assert np.allclose(search.similarity("do you send my details", question), vectors @ question)


def test_without_e5_the_readers_similarity_answers_alone(policy, monkeypatch):
    monkeypatch.setattr(passage_search, "meaning_available", lambda: False)
    search, vectors = search_of(policy, 0.5)
    assert search.weight == 0.0
    question = encode(["how long do you keep my file?"])[0]
    assert np.allclose(
        search.similarity("how long do you keep my file?", question), vectors @ question
    )


@pytest.mark.skipif(not meaning_available(), reason="e5 needs AVX2 (this CPU has none)")
def test_a_question_about_sharing_finds_the_passage_that_shares_not_the_one_that_collects(
    policy,
):
    """Both passages name hospitals and pharmacies; only the sharing section's title says
    where the information goes (the reader alone finds the collecting one). The fused
    similarity stays on the reader's scale."""
    question_text = "do pharmacists get to see my file"
    question = encode([question_text])[0]
    search, vectors = search_of(policy, 0.5)
    fused = search.similarity(question_text, question)
    own = vectors @ question
    sections = [p.section for p in policy.passages]
    assert sections[int(fused.argmax())] == 2
    assert sections[int(own.argmax())] == 1
    assert fused.mean() == pytest.approx(own.mean(), abs=1e-5)
    assert fused.std() == pytest.approx(own.std(), abs=1e-5)
