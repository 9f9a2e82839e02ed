"""Properties of the corpus loader (Hypothesis): whatever a clinic's file holds, loading it
gives a policy or a CorpusError naming the file and line, never a crash; and a well-formed
policy keeps every passage's words."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privacybot.corpus import CorpusError, load_policy, load_question_bank

HEADER = '---\ntitle: Privacy Policy\nclinic: Test Clinic\nlanguage: en\nversion: "1"\n---\n'
SEED = Path(__file__).resolve().parent.parent / "policy_corpus" / "sakura" / "en" / "policy.md"
LINES = st.one_of(
    st.sampled_from(
        [
            "# 1 Purpose",
            "# 2 Sharing",
            "## A sub-heading",
            "- a bullet",
            "  - a sub-bullet",
            "",
            "---",
        ]
    ),
    st.text(max_size=60).map(lambda s: s.replace("\r", "")),
)
WORDS = st.text(alphabet=st.characters(categories=["L"]), min_size=2, max_size=10)


def load(text: str, name: str = "policy.md"):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_text(text, encoding="utf-8")
        return load_policy(path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, max_size=30), st.booleans())
def test_any_file_gives_a_policy_or_a_clear_error(lines, with_header):
    text = (HEADER if with_header else "") + "\n".join(lines)
    try:
        policy = load(text)
    except CorpusError as error:
        assert re.match(r".*policy\.md(:\d+)?: .+", str(error)), str(error)
    else:
        assert policy.sections


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(WORDS, min_size=1, max_size=8), min_size=1, max_size=5))
def test_a_well_formed_section_keeps_every_word_of_its_passages(sentences):
    body = "\n".join(f"- {' '.join(words)}." for words in sentences)
    policy = load(f"{HEADER}# 1 Purpose of use\n{body}\n")
    text = " ".join(p.text for p in policy.section(1).passages)
    for words in sentences:
        for word in words:
            assert word in text


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_question_bank_gives_questions_or_a_clear_error(text):
    policy = load_policy(SEED)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "question_bank.yml"
        path.write_text(text, encoding="utf-8")
        try:
            load_question_bank(path, policy)
        except CorpusError as error:
            assert "question_bank.yml" in str(error)
